/**
 * `int8`: weight-only symmetric int8. The weight becomes int8 + float scales and a DequantizeLinear
 * recomputes it under its old name, so MatMul/Gemm (anywhere) run unchanged in fp32.
 * Per output channel (DequantizeLinear's `axis`, opset ≥ 13) unless --per-tensor or an older opset.
 * Per-channel scales are stored as float16 when that is smaller (see half-scales.ts).
 */
import { intAttr } from "../../onnx/attributes.ts";
import { DataType } from "../../onnx/model-io.ts";
import { makeTensor } from "../../onnx/tensors.ts";
import type { ConstantWeight } from "../find-weights.ts";
import { defaultOpset, makeNode } from "../graph-edit.ts";
import { quantizeInt8Symmetric } from "../quant-math.ts";
import { addInitializers, type QuantizeContext } from "../quantize-context.ts";
import { halfScalesPay, roundScales, storeScales } from "./half-scales.ts";
import type { LayerOutcome } from "./outcome.ts";

/** DequantizeLinear's default axis. */
const DEFAULT_AXIS = 1;

export function quantizeWeightInt8(weight: ConstantWeight, ctx: QuantizeContext): LayerOutcome {
  const opset = defaultOpset(ctx.model);
  if (opset < 10) return { skipped: `DequantizeLinear needs opset 10, the model imports ${opset}` };
  const orientations = new Set(weight.uses.map((u) => u.transposed));
  // Per channel only when every consumer agrees on which axis is the output one.
  const perTensor = ctx.options.perTensor || opset < 13 || orientations.size > 1;
  const axis: 0 | 1 = weight.uses[0].transposed ? 0 : 1;
  const [rows, cols] = weight.dims;

  // Short suffixes (q: int8 values, s: scales, s16: float16 scales): each name is stored twice.
  const qName = ctx.names.fresh(`${weight.name}_q`);
  const scaleName = ctx.names.fresh(`${weight.name}_s`);
  const halfName = ctx.names.fresh(`${weight.name}_s16`);
  const scaleDims = perTensor ? [] : [axis === 0 ? rows : cols];
  const exact = quantizeInt8Symmetric(weight.values, rows, cols, axis, perTensor);
  const halfScales = halfScalesPay(scaleName, halfName, scaleDims, exact.scales.length) ? roundScales(exact.scales, "down") : undefined;
  const { q, scales } = halfScales ? quantizeInt8Symmetric(weight.values, rows, cols, axis, perTensor, () => halfScales) : exact;

  const stored = storeScales(scaleName, halfName, scaleDims, scales, halfScales !== undefined);
  const tensors = [makeTensor(qName, DataType.INT8, weight.dims, q), ...stored.tensors];
  addInitializers(weight.owner, tensors);
  const attributes = perTensor || axis === DEFAULT_AXIS ? [] : [intAttr("axis", axis)];
  const dq = makeNode("DequantizeLinear", [qName, scaleName], [weight.name], undefined, attributes);
  ctx.recomputeWeight(weight, [...stored.nodes, dq]);
  const scheme = perTensor ? "int8 per-tensor" : `int8 per-channel axis ${axis}${halfScales ? ", fp16 scales" : ""}`;
  return { tensors, scheme: `${scheme} (DequantizeLinear)` };
}
