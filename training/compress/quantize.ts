/**
 * Quantizes every MatMul/Gemm whose weight is a constant, in the main graph and in subgraphs.
 * Everything else in the graph is left as it was. Rewrites `model` in place.
 */
import type { ModelProto, NodeProto } from "../onnx/model-io.ts";
import { storedByteSize } from "../onnx/tensors.ts";
import { findConstantWeights, type ConstantWeight } from "./find-weights.ts";
import { quantizeBias } from "./modes/bias.ts";
import { convertWeightFp16 } from "./modes/fp16.ts";
import { quantizeWeightInt4 } from "./modes/int4.ts";
import { quantizeWeightInt8Dynamic } from "./modes/int8-dynamic.ts";
import { quantizeWeightInt8 } from "./modes/int8-weight.ts";
import type { LayerOutcome } from "./modes/outcome.ts";
import { QuantizeContext, type QuantizeOptions } from "./quantize-context.ts";

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

const modes: Record<QuantizeOptions["mode"], (w: ConstantWeight, ctx: QuantizeContext) => LayerOutcome> = {
  int8: quantizeWeightInt8,
  "int8-dynamic": quantizeWeightInt8Dynamic,
  int4: quantizeWeightInt4,
  fp16: convertWeightFp16,
};

function ineligible(weight: ConstantWeight, options: QuantizeOptions): string | undefined {
  if (weight.dims.length !== 2) return `weight has rank ${weight.dims.length} (only 2-D weights are quantized)`;
  if (weight.otherUses > 0 || weight.biasUses.length > 0) return "the tensor is also used by something other than a MatMul/Gemm weight input";
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

/** Throws NothingToQuantizeError when the model has no MatMul or Gemm with a constant weight at all. */
export function quantizeModel(model: ModelProto, options: QuantizeOptions): LayerReport[] {
  const constants = findConstantWeights(model);
  const weights = constants.filter((c) => c.uses.length > 0);
  if (weights.length === 0) throw new NothingToQuantizeError("the model has no MatMul or Gemm with a constant float32 weight");
  const ctx = new QuantizeContext(model, options, constants);
  const reports: LayerReport[] = [];
  const quantizedNodes = new Set<NodeProto>();
  for (const weight of weights) {
    const reason = ineligible(weight, options);
    const outcome: LayerOutcome = reason ? { skipped: reason } : modes[options.mode](weight, ctx);
    if ("tensors" in outcome) for (const use of weight.uses) quantizedNodes.add(use.node);
    reports.push(report(weight, outcome, weight.uses.map((u) => u.op)));
  }
  if (!options.keepBias) {
    // A bias follows its Gemm: compressed only when every Gemm reading it had its weight compressed.
    for (const bias of constants.filter((c) => c.uses.length === 0 && c.otherUses === 0)) {
      if (!bias.biasUses.every((u) => quantizedNodes.has(u.node))) continue;
      reports.push(report(bias, quantizeBias(bias, ctx), bias.biasUses.map(() => "Gemm bias")));
    }
  }
  ctx.finish();
  return reports;
}
