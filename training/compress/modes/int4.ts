/**
 * `int4`: block-wise symmetric 4-bit weights for com.microsoft MatMulNBits (bits=4, its default),
 * packed the way ONNX Runtime defines (see quant-math.ts). Gemm's alpha is folded into the scales
 * and a [N] constant bias becomes MatMulNBits' bias input. Scales are stored as float16 when that is
 * smaller (see half-scales.ts; only with alpha = 1, so the stored scales are the ones packed with).
 */
import { floatAttribute, intAttr } from "../../onnx/attributes.ts";
import { DataType, type NodeProto, type TensorProto } from "../../onnx/model-io.ts";
import { makeTensor } from "../../onnx/tensors.ts";
import { weightAsKN, type ConstantWeight, type WeightUse } from "../find-weights.ts";
import { ensureOpsetImport, makeNode, MICROSOFT_DOMAIN } from "../graph-edit.ts";
import { packMatMulNBits4 } from "../quant-math.ts";
import { addInitializers, type QuantizeContext } from "../quantize-context.ts";
import { halfScalesPay, roundScales, storeScales } from "./half-scales.ts";
import { PerGraphCache, rewriteAllUses } from "./matmul-rewrite.ts";
import type { LayerOutcome } from "./outcome.ts";

/** The requested block size, but no bigger than K rounded up to a power of two (≥ 16, MatMulNBits' minimum): small K would otherwise be mostly padding. */
export function effectiveBlockSize(requested: number, k: number): number {
  return Math.min(requested, Math.max(16, 2 ** Math.ceil(Math.log2(k))));
}

/** MatMulNBits inputs: A, B, scales, zero_points, g_idx, bias. */
const BIAS_INPUT = 5;

export function quantizeWeightInt4(weight: ConstantWeight, ctx: QuantizeContext): LayerOutcome {
  const created: TensorProto[] = [];
  const packedByKey = new PerGraphCache<{ packedName: string; scales: Float32Array; half: boolean; k: number; n: number; kBlocks: number; blockSize: number }>();
  const alphaIsOne = weight.uses.every((u) => u.op === "MatMul" || floatAttribute(u.node, "alpha", 1) === 1);
  let halfScales = false;

  const packedFor = (use: WeightUse) => {
    const cached = packedByKey.get(use.graph, use.transposed);
    if (cached) return cached;
    const { k, n, values } = weightAsKN(weight, use.transposed);
    const blockSize = effectiveBlockSize(ctx.options.blockSize, k);
    const kBlocks = Math.ceil(k / blockSize);
    const scaleCount = n * kBlocks;
    const half = alphaIsOne && halfScalesPay(`${weight.name}_s`, `${weight.name}_s16`, [scaleCount], scaleCount);
    let { packed, scales } = packMatMulNBits4(values, k, n, blockSize);
    const rounded = half ? roundScales(scales, "up") : undefined;
    if (rounded) ({ packed, scales } = packMatMulNBits4(values, k, n, blockSize, () => rounded));
    halfScales ||= rounded !== undefined;
    // Short suffixes (q4: packed 4-bit values, s: scales, s16: float16 scales): each name is stored twice.
    const packedName = ctx.names.fresh(`${weight.name}_q4`);
    const tensor = makeTensor(packedName, DataType.UINT8, [n, kBlocks, blockSize / 2], packed);
    addInitializers(use.graph, [tensor]);
    created.push(tensor);
    const entry = { packedName, scales, half: rounded !== undefined, k, n, kBlocks, blockSize };
    packedByKey.set(use.graph, use.transposed, entry);
    return entry;
  };

  const build = (use: WeightUse, input: string, output: string, alpha: number, bias?: string): NodeProto[] => {
    const p = packedFor(use);
    const scalesName = ctx.names.fresh(`${weight.name}_s`);
    const halfName = p.half ? ctx.names.fresh(`${weight.name}_s16`) : "";
    const scales = alpha === 1 ? p.scales : Float32Array.from(p.scales, (s) => s * alpha);
    const stored = storeScales(scalesName, halfName, [scales.length], scales, p.half);
    addInitializers(use.graph, stored.tensors);
    created.push(...stored.tensors);
    const attributes = [intAttr("K", p.k), intAttr("N", p.n), intAttr("block_size", p.blockSize)];
    const inputs = [input, p.packedName, scalesName];
    if (bias) inputs[BIAS_INPUT] = bias;
    return [...stored.nodes, makeNode("MatMulNBits", Array.from(inputs, (i) => i ?? ""), [output], undefined, attributes, MICROSOFT_DOMAIN)];
  };

  const k = weight.uses[0].transposed ? weight.dims[1] : weight.dims[0];
  const outcome = rewriteAllUses(weight, ctx, build, "", () => created, true);
  if (!("tensors" in outcome)) return outcome;
  ensureOpsetImport(ctx.model, MICROSOFT_DOMAIN, 1);
  const blockSize = effectiveBlockSize(ctx.options.blockSize, k);
  return { ...outcome, blockSize, scheme: `int4 block ${blockSize}${halfScales ? ", fp16 scales" : ""} (MatMulNBits)` };
}
