/**
 * `int8`: weight-only symmetric int8. The weight becomes int8 + float scales and a DequantizeLinear
 * recomputes it under its old name, so MatMul/Gemm/Conv/ConvTranspose (anywhere) run unchanged in fp32.
 * Per output channel (DequantizeLinear's `axis`, opset ≥ 13) unless --per-tensor or an older opset:
 * MatMul's axis 1, Gemm transB's 0, Conv's 0 (W is [M, C/g, kH, kW]), ConvTranspose's 1 ([C, M/g, kH, kW]).
 * Per-channel scales are stored as float16 when that is smaller (see half-scales.ts).
 */
import { intAttr } from "../../onnx/attributes.ts";
import { DataType } from "../../onnx/model-io.ts";
import { makeTensor } from "../../onnx/tensors.ts";
import type { ConstantWeight, WeightUse } from "../find-weights.ts";
import { defaultOpset, makeNode } from "../graph-edit.ts";
import { quantizeInt8PerAxis } from "../quant-math.ts";
import { addInitializers, type QuantizeContext } from "../quantize-context.ts";
import { halfScalesPay, roundScales, storeScales } from "./half-scales.ts";
import type { LayerOutcome } from "./outcome.ts";

/** DequantizeLinear's default axis. */
const DEFAULT_AXIS = 1;

function outputChannelAxis(use: WeightUse): number {
  if (use.op === "Conv") return 0;
  if (use.op === "ConvTranspose") return 1;
  if (use.op === "Gather") return 0;
  return use.transposed ? 0 : 1;
}

/** `why`: appended to the scheme when int8 stands in for the mode asked (e.g. int4 of a Conv). */
export function quantizeWeightInt8(weight: ConstantWeight, ctx: QuantizeContext, why = ""): LayerOutcome {
  const opset = defaultOpset(ctx.model);
  if (opset < 10) return { skipped: `DequantizeLinear needs opset 10, the model imports ${opset}` };
  const axes = new Set(weight.uses.map(outputChannelAxis));
  // Per channel only when every consumer agrees on which axis is the output one.
  const perTensor = ctx.options.perTensor || opset < 13 || axes.size > 1;
  const axis = [...axes][0];

  // Short suffixes (q: int8 values, s: scales, s16: float16 scales): each name is stored twice.
  const qName = ctx.names.fresh(`${weight.name}_q`);
  const scaleName = ctx.names.fresh(`${weight.name}_s`);
  const halfName = ctx.names.fresh(`${weight.name}_s16`);
  const scaleDims = perTensor ? [] : [weight.dims[axis]];
  const channelAxis = perTensor ? undefined : axis;
  const exact = quantizeInt8PerAxis(weight.values, weight.dims, channelAxis);
  const halfScales = halfScalesPay(scaleName, halfName, scaleDims, exact.scales.length) ? roundScales(exact.scales, "down") : undefined;
  const { q, scales } = halfScales ? quantizeInt8PerAxis(weight.values, weight.dims, channelAxis, () => halfScales) : exact;

  const stored = storeScales(scaleName, halfName, scaleDims, scales, halfScales !== undefined);
  const tensors = [makeTensor(qName, DataType.INT8, weight.dims, q), ...stored.tensors];
  addInitializers(weight.owner, tensors);
  const attributes = perTensor || axis === DEFAULT_AXIS ? [] : [intAttr("axis", axis)];
  const dq = makeNode("DequantizeLinear", [qName, scaleName], [weight.name], undefined, attributes);
  ctx.recomputeWeight(weight, [...stored.nodes, dq]);
  const scheme = perTensor ? "int8 per-tensor" : `int8 per-channel axis ${axis}${halfScales ? ", fp16 scales" : ""}`;
  return { tensors, scheme: `${scheme} (DequantizeLinear)${why}` };
}
