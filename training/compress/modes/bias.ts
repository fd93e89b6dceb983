/**
 * The constant bias (C) of a Gemm whose weight was quantized: int8 per-tensor symmetric with a
 * DequantizeLinear under its old name (|Δb| ≤ max|b| / 254), or fp16 + Cast in fp16 mode. Biases
 * are ~1% of an MLP's bytes, but at int8/int4 that is what stands between 0.28x and 0.27x.
 */
import { DataType } from "../../onnx/model-io.ts";
import { makeTensor } from "../../onnx/tensors.ts";
import type { ConstantWeight } from "../find-weights.ts";
import { defaultOpset, makeNode } from "../graph-edit.ts";
import { quantizeInt8Symmetric } from "../quant-math.ts";
import { addInitializers, type QuantizeContext } from "../quantize-context.ts";
import { convertWeightFp16 } from "./fp16.ts";
import type { LayerOutcome } from "./outcome.ts";

export function quantizeBias(bias: ConstantWeight, ctx: QuantizeContext): LayerOutcome {
  if (ctx.options.mode === "fp16") return convertWeightFp16(bias, ctx);
  const opset = defaultOpset(ctx.model);
  if (opset < 10) return { skipped: `DequantizeLinear needs opset 10, the model imports ${opset}` };
  const { q, scales } = quantizeInt8Symmetric(bias.values, 1, bias.values.length, 1, true);
  const qName = ctx.names.fresh(`${bias.name}_int8`);
  const scaleName = ctx.names.fresh(`${bias.name}_scale`);
  const tensors = [makeTensor(qName, DataType.INT8, bias.dims, q), makeTensor(scaleName, DataType.FLOAT, [], scales)];
  addInitializers(bias.owner, tensors);
  ctx.recomputeWeight(bias, [makeNode("DequantizeLinear", [qName, scaleName], [bias.name], ctx.names.fresh(`${bias.name}_dequantize`))]);
  return { tensors, scheme: "bias int8 per-tensor (DequantizeLinear)" };
}
