/**
 * Quantizes every constant weight of MatMul/Gemm, Conv, ConvTranspose and Gather (embedding tables),
 * in the main graph and in subgraphs. Everything else in the graph is left as it was. Rewrites
 * `model` in place. What each mode does per op family:
 *   MatMul/Gemm    int8: DequantizeLinear; int8-dynamic: MatMulInteger; int4: MatMulNBits; fp16: Cast
 *   Conv           int8: DequantizeLinear per output channel; int8-dynamic: ConvInteger (grouped
 *                  convolutions: DequantizeLinear, see GROUPED_NOTE); int4: INT4 DequantizeLinear
 *                  per output channel (opset 21; int8 below); fp16: Cast
 *   ConvTranspose  int4: as Conv; int8 in the other int modes (ONNX has no integer ConvTranspose); fp16: Cast
 *   Gather         int8 per row in every int mode, dequantized after the lookup; fp16: Cast after it
 */
import type { ModelProto, NodeProto } from "../onnx/model-io.ts";
import { storedByteSize } from "../onnx/tensors.ts";
import { intAttribute } from "../onnx/attributes.ts";
import { findConstantWeights, opFamily, type ConstantWeight } from "./find-weights.ts";
import { quantizeConvInteger } from "./modes/conv-integer.ts";
import { quantizeEmbedding } from "./modes/embedding.ts";
import { quantizeConvInt4 } from "./modes/int4-conv.ts";
import { quantizeBias } from "./modes/bias.ts";
import { convertWeightFp16 } from "./modes/fp16.ts";
import { quantizeWeightInt4 } from "./modes/int4.ts";
import { quantizeWeightInt8Dynamic } from "./modes/int8-dynamic.ts";
import { quantizeWeightInt8 } from "./modes/int8-weight.ts";
import type { LayerOutcome } from "./modes/outcome.ts";
import { QuantizeContext, type QuantizeOptions } from "./quantize-context.ts";
import { quantizeActivations, type ActivationReport } from "./modes/activation-qdq.ts";
import type { ActivationRange } from "./calibration/calibrate.ts";
import { quantizeRecurrent } from "./recurrent.ts";
import { constantNodesToInitializers } from "./constant-initializers.ts";
import { shareIdenticalConstants } from "./shared-constants.ts";

export interface LayerReport {
  weight: string;
  graph: string;
  shape: number[];
  ops: string[];
  /** "int8 per-channel axis 1 (DequantizeLinear)", … or undefined when kept. */
  scheme: string | undefined;
  /** Rows of K per scale actually used (int4: --block-size, capped for small K). */
  blockSize?: number;
  keptBecause: string | undefined;
  bytesBefore: number;
  bytesAfter: number;
}

export class NothingToQuantizeError extends Error {
  override name = "NothingToQuantizeError";
}

/** MatMul/Gemm weights. */
const modes: Record<QuantizeOptions["mode"], (w: ConstantWeight, ctx: QuantizeContext) => LayerOutcome> = {
  int8: quantizeWeightInt8,
  "int8-dynamic": quantizeWeightInt8Dynamic,
  int4: quantizeWeightInt4,
  fp16: convertWeightFp16,
};

type Quantizer = (w: ConstantWeight, ctx: QuantizeContext) => LayerOutcome;

/** Grouped (depthwise) convolutions stay fp32 arithmetic in int8-dynamic: see README (Compression) for the measurement. */
const GROUPED_NOTE = "; grouped convolution: ConvInteger runs it slower than fp32 in onnxruntime-web";
const NO_INTEGER_CONV_TRANSPOSE = "; ONNX has no integer ConvTranspose: weight-only int8";

function quantizerFor(weight: ConstantWeight, mode: QuantizeOptions["mode"]): Quantizer {
  const family = opFamily(weight.uses[0].op);
  if (family === "matmul") return modes[mode];
  if (family === "embedding") return quantizeEmbedding;
  if (mode === "fp16") return convertWeightFp16;
  if (mode === "int4") return quantizeConvInt4;
  const grouped = weight.uses.some((u) => intAttribute(u.node, "group", 1) !== 1);
  if (family === "conv-transpose") return mode === "int8" ? quantizeWeightInt8 : (w, ctx) => quantizeWeightInt8(w, ctx, NO_INTEGER_CONV_TRANSPOSE);
  if (mode === "int8") return quantizeWeightInt8;
  return grouped ? (w, ctx) => quantizeWeightInt8(w, ctx, GROUPED_NOTE) : quantizeConvInteger;
}

function ineligible(weight: ConstantWeight, options: QuantizeOptions): string | undefined {
  const ops = [...new Set(weight.uses.map((u) => u.op))];
  const excluded = [weight.name, ...weight.uses.map((u) => u.node.name ?? "")].find((name) => name && (options.exclude ?? []).includes(name));
  if (excluded) return `excluded (--exclude ${excluded})`;
  const notAsked = ops.find((op) => (options.opTypes ?? []).length > 0 && !options.opTypes!.includes(op));
  if (notAsked) return `${notAsked} is not in --op-types`;
  if (new Set(ops.map(opFamily)).size > 1) return `read by ${ops.join(" and ")}, which are rewritten differently`;
  const family = opFamily(ops[0]);
  if (family === "matmul" && weight.dims.length !== 2) return `weight has rank ${weight.dims.length} (MatMul/Gemm weights are quantized when 2-D)`;
  if (family.startsWith("conv") && weight.dims.length < 3) return `weight has rank ${weight.dims.length} (a convolution's has at least 3)`;
  if (family === "embedding" && weight.dims.length < 2) return `table has rank ${weight.dims.length} (an embedding table has at least 2)`;
  if (weight.otherUses > 0 || weight.biasUses.length > 0) return "the tensor is also used by something other than a weight input";
  if (weight.values.length < options.minElements) return `${weight.values.length} elements < --min-elements ${options.minElements}`;
  if (weight.values.length === 0) return "empty weight";
  return undefined;
}

function report(weight: ConstantWeight, outcome: LayerOutcome, ops: string[]): LayerReport {
  const before = storedByteSize(weight.tensor);
  return {
    weight: weight.name,
    graph: weight.ownerPath,
    shape: weight.dims,
    ops,
    scheme: "tensors" in outcome ? outcome.scheme : undefined,
    ...("tensors" in outcome && outcome.blockSize !== undefined ? { blockSize: outcome.blockSize } : {}),
    keptBecause: "skipped" in outcome ? outcome.skipped : undefined,
    bytesBefore: before,
    bytesAfter: "tensors" in outcome ? outcome.tensors.reduce((n, t) => n + storedByteSize(t), 0) : before,
  };
}

/** Throws NothingToQuantizeError when the model has no MatMul, Gemm, Conv, ConvTranspose or Gather with a constant weight at all. */
export function quantizeModel(model: ModelProto, options: QuantizeOptions): LayerReport[] {
  return quantizeModelStatic(model, options).layers;
}

/**
 * quantizeModel, and in int8 mode with `activationRanges` (calibration/calibrate.ts) also the data
 * inputs of the quantized main-graph Conv/MatMul/Gemm nodes (modes/activation-qdq.ts).
 */
export function quantizeModelStatic(
  model: ModelProto, options: QuantizeOptions, activationRanges?: ReadonlyMap<string, ActivationRange>,
): { layers: LayerReport[]; activations: ActivationReport[] } {
  if (activationRanges && options.mode !== "int8") throw new Error(`activation ranges are for --mode int8, not ${options.mode}`);
  const constants = findConstantWeights(model);
  const weights = constants.filter((c) => c.uses.length > 0);
  const ctx = new QuantizeContext(model, options, constants);
  const recurrent = quantizeRecurrent(ctx);
  if (weights.length === 0 && !recurrent.some((r) => r.scheme)) {
    const why = recurrent.length ? `; its ${[...new Set(recurrent.map((r) => r.ops[0]))].join(" and ")} weights stay fp32: ${[...new Set(recurrent.map((r) => r.keptBecause))].join("; ")}` : "";
    throw new NothingToQuantizeError(`the model has no MatMul, Gemm, Conv, ConvTranspose, Gather or LSTM with a constant float32 weight${why}`);
  }
  const reports: LayerReport[] = [];
  const quantizedNodes = new Set<NodeProto>();
  for (const weight of weights) {
    const reason = ineligible(weight, options);
    const outcome: LayerOutcome = reason ? { skipped: reason } : quantizerFor(weight, options.mode)(weight, ctx);
    if ("tensors" in outcome) for (const use of weight.uses) quantizedNodes.add(use.node);
    reports.push(report(weight, outcome, weight.uses.map((u) => u.op)));
  }
  if (!options.keepBias) {
    // A bias follows its Gemm/Conv: compressed only when every node reading it had its weight compressed.
    for (const bias of constants.filter((c) => c.uses.length === 0 && c.otherUses === 0)) {
      if (!bias.biasUses.every((u) => quantizedNodes.has(u.node))) continue;
      reports.push(report(bias, quantizeBias(bias, ctx), bias.biasUses.map((u) => `${u.op} bias`)));
    }
  }
  reports.push(...recurrent);
  const activations = activationRanges ? quantizeActivations(ctx, quantizedNodes, activationRanges) : [];
  ctx.finish();
  constantNodesToInitializers(model);
  shareIdenticalConstants(model);
  return { layers: reports, activations };
}
