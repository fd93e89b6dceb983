/**
 * `int4` for Conv and ConvTranspose: 4-bit signed weights, one scale per output channel, undone by
 * DequantizeLinear (INT4 input, opset ≥ 21) in front of the unchanged convolution, which computes in
 * fp32 — onnxruntime has no 4-bit convolution, but its DequantizeLinear reads INT4 (onnxruntime-web
 * too). Blocks of input channels (DequantizeLinear-21's blocked form) were tried: on PaddleOCR's
 * detector they moved the text boxes more (3 px against 2) and cost more bytes, and they did not
 * keep the direction classifier's answer either. Below opset 21 the layer is int8 instead.
 */
import { intAttr } from "../../onnx/attributes.ts";
import { DataType } from "../../onnx/model-io.ts";
import { makeTensor } from "../../onnx/tensors.ts";
import type { ConstantWeight } from "../find-weights.ts";
import { defaultOpset, makeNode } from "../graph-edit.ts";
import { quantizeInt4PerAxis } from "../quant-math.ts";
import { addInitializers, type QuantizeContext } from "../quantize-context.ts";
import { quantizeWeightInt8 } from "./int8-weight.ts";
import type { LayerOutcome } from "./outcome.ts";

/** DequantizeLinear reads INT4 from this opset on. */
export const INT4_DEQUANTIZE_OPSET = 21;

export function quantizeConvInt4(weight: ConstantWeight, ctx: QuantizeContext): LayerOutcome {
  const opset = defaultOpset(ctx.model);
  if (opset < INT4_DEQUANTIZE_OPSET) return quantizeWeightInt8(weight, ctx, `; int4: DequantizeLinear reads INT4 from opset ${INT4_DEQUANTIZE_OPSET}, the model imports ${opset}: int8 instead`);
  // The output channels: axis 0 of Conv's [M, C/g, k…], axis 1 of ConvTranspose's [C, M/g, k…].
  const axis = weight.uses[0].op === "ConvTranspose" ? 1 : 0;
  const { packed, scales } = quantizeInt4PerAxis(weight.values, weight.dims, axis);
  // Short suffixes (q4: packed 4-bit values, s: scales): each name is stored twice.
  const qName = ctx.names.fresh(`${weight.name}_q4`);
  const scaleName = ctx.names.fresh(`${weight.name}_s`);
  const tensors = [makeTensor(qName, DataType.INT4, weight.dims, packed), makeTensor(scaleName, DataType.FLOAT, [scales.length], scales)];
  addInitializers(weight.owner, tensors);
  ctx.recomputeWeight(weight, [makeNode("DequantizeLinear", [qName, scaleName], [weight.name], undefined, [intAttr("axis", axis)])]);
  return { tensors, scheme: `int4 per-channel axis ${axis} (DequantizeLinear, INT4)` };
}
