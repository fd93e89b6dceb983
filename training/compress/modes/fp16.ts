/**
 * `fp16`: the weight is stored as float16 and a Cast back to float32 recomputes it under its old
 * name, so the graph's arithmetic stays fp32; only the stored bytes halve.
 * Each weight changes by at most half an fp16 ulp: |w − fp16(w)| ≤ 2⁻¹¹·|w| (normal range).
 */
import { intAttr } from "../../onnx/attributes.ts";
import { toFloat16Array } from "../../onnx/float16.ts";
import { DataType } from "../../onnx/model-io.ts";
import { makeTensor } from "../../onnx/tensors.ts";
import type { ConstantWeight } from "../find-weights.ts";
import { makeNode } from "../graph-edit.ts";
import { addInitializers, type QuantizeContext } from "../quantize-context.ts";
import type { LayerOutcome } from "./outcome.ts";

export function convertWeightFp16(weight: ConstantWeight, ctx: QuantizeContext): LayerOutcome {
  const halfName = ctx.names.fresh(`${weight.name}_fp16`);
  const tensors = [makeTensor(halfName, DataType.FLOAT16, weight.dims, toFloat16Array(weight.values))];
  addInitializers(weight.owner, tensors);
  const cast = makeNode("Cast", [halfName], [weight.name], undefined, [intAttr("to", DataType.FLOAT)]);
  ctx.recomputeWeight(weight, [cast]);
  return { tensors, scheme: "fp16 (Cast to fp32)" };
}
