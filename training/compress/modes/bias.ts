/**
 * The constant bias (C) of a Gemm whose weight was quantized: int8 per-tensor symmetric with a
 * DequantizeLinear under its old name (|Δb| ≤ max|b| / 254), or fp16 + Cast in fp16 mode. Biases
 * are ~1% of an MLP's bytes, but at int8/int4 that is what stands between 0.28x and 0.27x. A bias
 * so small that the extra node costs more bytes than it saves stays fp32.
 */
import { intAttr } from "../../onnx/attributes.ts";
import { toFloat16Array } from "../../onnx/float16.ts";
import { DataType, encodeModel, type NodeProto, type TensorProto } from "../../onnx/model-io.ts";
import { makeTensor } from "../../onnx/tensors.ts";
import type { ConstantWeight } from "../find-weights.ts";
import { defaultOpset, makeNode } from "../graph-edit.ts";
import { quantizeInt8Symmetric } from "../quant-math.ts";
import { addInitializers, type QuantizeContext } from "../quantize-context.ts";
import type { LayerOutcome } from "./outcome.ts";

function encodedBytes(nodes: NodeProto[], tensors: TensorProto[]): number {
  return encodeModel({ graph: { node: nodes, initializer: tensors } }).length;
}

function compressedForm(bias: ConstantWeight, ctx: QuantizeContext): { tensors: TensorProto[]; node: NodeProto; scheme: string } {
  if (ctx.options.mode === "fp16") {
    const halfName = ctx.names.fresh(`${bias.name}_fp16`);
    const tensors = [makeTensor(halfName, DataType.FLOAT16, bias.dims, toFloat16Array(bias.values))];
    const node = makeNode("Cast", [halfName], [bias.name], undefined, [intAttr("to", DataType.FLOAT)]);
    return { tensors, node, scheme: "bias fp16 (Cast to fp32)" };
  }
  const { q, scales } = quantizeInt8Symmetric(bias.values, 1, bias.values.length, 1, true);
  const qName = ctx.names.fresh(`${bias.name}_q`);
  const scaleName = ctx.names.fresh(`${bias.name}_s`);
  const tensors = [makeTensor(qName, DataType.INT8, bias.dims, q), makeTensor(scaleName, DataType.FLOAT, [], scales)];
  const node = makeNode("DequantizeLinear", [qName, scaleName], [bias.name]);
  return { tensors, node, scheme: "bias int8 per-tensor (DequantizeLinear)" };
}

export function quantizeBias(bias: ConstantWeight, ctx: QuantizeContext): LayerOutcome {
  const opset = defaultOpset(ctx.model);
  if (ctx.options.mode !== "fp16" && opset < 10) return { skipped: `DequantizeLinear needs opset 10, the model imports ${opset}` };
  const form = compressedForm(bias, ctx);
  if (encodedBytes([form.node], form.tensors) >= encodedBytes([], [bias.tensor])) {
    return { skipped: "too small: the extra node would cost more bytes than it saves" };
  }
  addInitializers(bias.owner, form.tensors);
  ctx.recomputeWeight(bias, [form.node]);
  return { tensors: form.tensors, scheme: form.scheme };
}
