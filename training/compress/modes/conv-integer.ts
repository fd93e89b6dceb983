/**
 * `int8-dynamic` for Conv: the weight is stored as uint8 (symmetric, zero point 128 — onnxruntime's
 * ConvInteger takes a single weight zero point) with one scale per output channel, applied after
 * the integer convolution; the activation is quantized at run time as for MatMul:
 *   Y = float(ConvInteger(DynamicQuantizeLinear(X), Wq)) · (sX · sW[m]) + B[m]
 * QLinearConv is not an option here: it needs the output's scale before the run, i.e. calibration.
 */
import { intAttr } from "../../onnx/attributes.ts";
import { DataType, type NodeProto, type TensorProto } from "../../onnx/model-io.ts";
import { makeTensor } from "../../onnx/tensors.ts";
import type { ConstantWeight, WeightUse } from "../find-weights.ts";
import { defaultOpset, makeNode } from "../graph-edit.ts";
import { quantizeInt8PerAxis } from "../quant-math.ts";
import { addInitializers, type QuantizeContext } from "../quantize-context.ts";
import type { LayerOutcome } from "./outcome.ts";

/** Scales and bias reshaped to [1, M, 1, …] broadcast over the output [N, M, spatial…]. */
function channelDims(m: number, rank: number): number[] {
  return [1, m, ...Array.from({ length: rank - 2 }, () => 1)];
}

export function quantizeConvInteger(weight: ConstantWeight, ctx: QuantizeContext): LayerOutcome {
  const opset = defaultOpset(ctx.model);
  if (opset < 11) return { skipped: `DynamicQuantizeLinear needs opset 11, the model imports ${opset}` };
  const perTensor = ctx.options.perTensor;
  const m = weight.dims[0];
  const rank = weight.dims.length;
  const { q, scales } = quantizeInt8PerAxis(weight.values, weight.dims, perTensor ? undefined : 0);
  const created: TensorProto[] = [];
  const qName = ctx.names.fresh(`${weight.name}_uint8`);
  const zpName = ctx.names.fresh(`${weight.name}_zero_point`);
  const scaleName = ctx.names.fresh(`${weight.name}_scale`);
  created.push(
    makeTensor(qName, DataType.UINT8, weight.dims, Uint8Array.from(q, (v) => v + 128)),
    makeTensor(zpName, DataType.UINT8, [], Uint8Array.of(128)),
    makeTensor(scaleName, DataType.FLOAT, perTensor ? [] : channelDims(m, rank), scales),
  );
  addInitializers(weight.owner, created);

  const rewrite = (use: WeightUse): NodeProto[] => {
    const [input, , bias] = use.node.input ?? [];
    const [output] = use.node.output ?? [];
    const n = (suffix: string) => ctx.names.fresh(`${output}_${suffix}`);
    const [aq, aScale, aZero, acc, accFloat, combined] = ["a_uint8", "a_scale", "a_zero_point", "int32", "int32_float", "scale"].map(n);
    const scaled = bias ? n("unbiased") : output;
    const nodes = [
      makeNode("DynamicQuantizeLinear", [input], [aq, aScale, aZero]),
      // Every Conv attribute (auto_pad, dilations, group, kernel_shape, pads, strides) means the same on ConvInteger.
      makeNode("ConvInteger", [aq, qName, aZero, zpName], [acc], use.node.name ?? undefined, use.node.attribute ?? []),
      makeNode("Cast", [acc], [accFloat], undefined, [intAttr("to", DataType.FLOAT)]),
      makeNode("Mul", [aScale, scaleName], [combined]),
      makeNode("Mul", [accFloat, combined], [scaled]),
    ];
    if (bias) {
      const shapeName = ctx.names.fresh(`${output}_bias_shape`);
      const shape = makeTensor(shapeName, DataType.INT64, [rank], BigInt64Array.from(channelDims(m, rank), BigInt));
      addInitializers(use.graph, [shape]);
      created.push(shape);
      const biasShaped = n("bias");
      nodes.push(makeNode("Reshape", [bias, shapeName], [biasShaped]), makeNode("Add", [scaled, biasShaped], [output]));
    }
    return nodes;
  };
  for (const use of weight.uses) ctx.edits.replace(use.graph, use.node, rewrite(use));
  ctx.removeWeight(weight);
  return { tensors: created, scheme: `uint8 ${perTensor ? "per-tensor" : "per-channel"} weights, DynamicQuantizeLinear + ConvInteger` };
}
