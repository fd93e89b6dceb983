/**
 * `int8`: weight-only symmetric int8. The weight becomes int8 + float scales and a DequantizeLinear
 * recomputes it under its old name, so MatMul/Gemm (anywhere) run unchanged in fp32.
 * Per output channel (DequantizeLinear's `axis`, opset ≥ 13) unless --per-tensor or an older opset.
 */
import { intAttr } from "../../onnx/attributes.ts";
import { DataType } from "../../onnx/model-io.ts";
import { makeTensor } from "../../onnx/tensors.ts";
import type { ConstantWeight } from "../find-weights.ts";
import { defaultOpset, makeNode } from "../graph-edit.ts";
import { quantizeInt8Symmetric } from "../quant-math.ts";
import { addInitializers, type QuantizeContext } from "../quantize-context.ts";
import type { LayerOutcome } from "./outcome.ts";

export function quantizeWeightInt8(weight: ConstantWeight, ctx: QuantizeContext): LayerOutcome {
  const opset = defaultOpset(ctx.model);
  if (opset < 10) return { skipped: `DequantizeLinear needs opset 10, the model imports ${opset}` };
  const orientations = new Set(weight.uses.map((u) => u.transposed));
  // Per channel only when every consumer agrees on which axis is the output one.
  const perTensor = ctx.options.perTensor || opset < 13 || orientations.size > 1;
  const axis: 0 | 1 = weight.uses[0].transposed ? 0 : 1;
  const [rows, cols] = weight.dims;
  const { q, scales } = quantizeInt8Symmetric(weight.values, rows, cols, axis, perTensor);

  const qName = ctx.names.fresh(`${weight.name}_int8`);
  const scaleName = ctx.names.fresh(`${weight.name}_scale`);
  const tensors = [
    makeTensor(qName, DataType.INT8, weight.dims, q),
    makeTensor(scaleName, DataType.FLOAT, perTensor ? [] : [scales.length], scales),
  ];
  addInitializers(weight.owner, tensors);
  const attributes = perTensor ? [] : [intAttr("axis", axis)];
  const dq = makeNode("DequantizeLinear", [qName, scaleName], [weight.name], ctx.names.fresh(`${weight.name}_dequantize`), attributes);
  ctx.recomputeWeight(weight, [dq]);
  return { tensors, scheme: perTensor ? "int8 per-tensor (DequantizeLinear)" : `int8 per-channel axis ${axis} (DequantizeLinear)` };
}
