/**
 * `int4`: block-wise symmetric 4-bit weights for com.microsoft MatMulNBits (bits=4), packed the way
 * ONNX Runtime defines (see quant-math.ts). Gemm's alpha is folded into the scales.
 */
import { intAttr } from "../../onnx/attributes.ts";
import { DataType, type NodeProto, type TensorProto } from "../../onnx/model-io.ts";
import { makeTensor } from "../../onnx/tensors.ts";
import { weightAsKN, type ConstantWeight, type WeightUse } from "../find-weights.ts";
import { ensureOpsetImport, makeNode, MICROSOFT_DOMAIN } from "../graph-edit.ts";
import { packMatMulNBits4 } from "../quant-math.ts";
import { addInitializers, type QuantizeContext } from "../quantize-context.ts";
import { PerGraphCache, rewriteAllUses } from "./matmul-rewrite.ts";
import type { LayerOutcome } from "./outcome.ts";

/** The requested block size, but no bigger than K rounded up to a power of two (≥ 16, MatMulNBits' minimum): small K would otherwise be mostly padding. */
export function effectiveBlockSize(requested: number, k: number): number {
  return Math.min(requested, Math.max(16, 2 ** Math.ceil(Math.log2(k))));
}

export function quantizeWeightInt4(weight: ConstantWeight, ctx: QuantizeContext): LayerOutcome {
  const created: TensorProto[] = [];
  const packedByKey = new PerGraphCache<{ packedName: string; scales: Float32Array; k: number; n: number; kBlocks: number; blockSize: number }>();

  const packedFor = (use: WeightUse) => {
    const cached = packedByKey.get(use.graph, use.transposed);
    if (cached) return cached;
    const { k, n, values } = weightAsKN(weight, use.transposed);
    const blockSize = effectiveBlockSize(ctx.options.blockSize, k);
    const { packed, scales, kBlocks } = packMatMulNBits4(values, k, n, blockSize);
    const packedName = ctx.names.fresh(`${weight.name}_int4`);
    const tensor = makeTensor(packedName, DataType.UINT8, [n, kBlocks, blockSize / 2], packed);
    addInitializers(use.graph, [tensor]);
    created.push(tensor);
    const entry = { packedName, scales, k, n, kBlocks, blockSize };
    packedByKey.set(use.graph, use.transposed, entry);
    return entry;
  };

  const build = (use: WeightUse, input: string, output: string, alpha: number): NodeProto[] => {
    const p = packedFor(use);
    const scalesName = ctx.names.fresh(`${weight.name}_scales`);
    const scales = Float32Array.from(p.scales, (s) => s * alpha);
    const scalesTensor = makeTensor(scalesName, DataType.FLOAT, [scales.length], scales);
    addInitializers(use.graph, [scalesTensor]);
    created.push(scalesTensor);
    const attributes = [intAttr("K", p.k), intAttr("N", p.n), intAttr("bits", 4), intAttr("block_size", p.blockSize)];
    return [makeNode("MatMulNBits", [input, p.packedName, scalesName], [output], ctx.names.fresh(`${output}_matmul_nbits`), attributes, MICROSOFT_DOMAIN)];
  };

  const k = weight.uses[0].transposed ? weight.dims[1] : weight.dims[0];
  const scheme = `int4 block ${effectiveBlockSize(ctx.options.blockSize, k)} (MatMulNBits)`;
  const outcome = rewriteAllUses(weight, ctx, build, scheme, () => created);
  if ("tensors" in outcome) ensureOpsetImport(ctx.model, MICROSOFT_DOMAIN, 1);
  return outcome;
}
