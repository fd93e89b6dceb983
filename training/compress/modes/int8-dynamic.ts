/**
 * `int8-dynamic`: weights stored as uint8 (symmetric, zero point 128, one scale per output column);
 * at run time DynamicQuantizeLinear turns the activation into uint8 and MatMulInteger multiplies
 * in integers, then the int32 result is scaled back:  Y = float(MatMulInteger(Aq, Wq)) · (sA · sW).
 * uint8×uint8 rather than uint8×int8: the u8s8 kernels of x86 AVX2 can saturate int16 sums.
 */
import { intAttr } from "../../onnx/attributes.ts";
import { DataType, type NodeProto, type TensorProto } from "../../onnx/model-io.ts";
import { makeTensor } from "../../onnx/tensors.ts";
import { weightAsKN, type ConstantWeight, type WeightUse } from "../find-weights.ts";
import { defaultOpset, makeNode } from "../graph-edit.ts";
import { quantizeInt8Symmetric } from "../quant-math.ts";
import { addInitializers, type QuantizeContext } from "../quantize-context.ts";
import { PerGraphCache, rewriteAllUses } from "./matmul-rewrite.ts";
import type { LayerOutcome } from "./outcome.ts";

export function quantizeWeightInt8Dynamic(weight: ConstantWeight, ctx: QuantizeContext): LayerOutcome {
  const opset = defaultOpset(ctx.model);
  if (opset < 11) return { skipped: `DynamicQuantizeLinear needs opset 11, the model imports ${opset}` };
  const perTensor = ctx.options.perTensor;
  const created: TensorProto[] = [];
  const shared = new PerGraphCache<{ q: string; zeroPoint: string; scale: Float32Array }>();

  const quantized = (use: WeightUse) => {
    const cached = shared.get(use.graph, use.transposed);
    if (cached) return cached;
    const { k, n, values } = weightAsKN(weight, use.transposed);
    const { q, scales } = quantizeInt8Symmetric(values, k, n, 1, perTensor);
    const q8 = Uint8Array.from(q, (v) => v + 128);
    const qName = ctx.names.fresh(`${weight.name}_uint8`);
    const zpName = ctx.names.fresh(`${weight.name}_zero_point`);
    const tensors = [makeTensor(qName, DataType.UINT8, [k, n], q8), makeTensor(zpName, DataType.UINT8, [], new Uint8Array([128]))];
    addInitializers(use.graph, tensors);
    created.push(...tensors);
    const entry = { q: qName, zeroPoint: zpName, scale: scales };
    shared.set(use.graph, use.transposed, entry);
    return entry;
  };

  const build = (use: WeightUse, input: string, output: string, alpha: number): NodeProto[] => {
    const w = quantized(use);
    const scaleName = ctx.names.fresh(`${weight.name}_scale`);
    const scale = Float32Array.from(w.scale, (s) => s * alpha);
    const scaleTensor = makeTensor(scaleName, DataType.FLOAT, perTensor ? [] : [scale.length], scale);
    addInitializers(use.graph, [scaleTensor]);
    created.push(scaleTensor);
    const n = (suffix: string) => ctx.names.fresh(`${output}_${suffix}`);
    const [aq, aScale, aZero, acc, accFloat, combined] = ["a_uint8", "a_scale", "a_zero_point", "int32", "int32_float", "scale"].map(n);
    return [
      makeNode("DynamicQuantizeLinear", [input], [aq, aScale, aZero]),
      makeNode("MatMulInteger", [aq, w.q, aZero, w.zeroPoint], [acc]),
      makeNode("Cast", [acc], [accFloat], undefined, [intAttr("to", DataType.FLOAT)]),
      makeNode("Mul", [aScale, scaleName], [combined]),
      makeNode("Mul", [accFloat, combined], [output]),
    ];
  };

  const scheme = `uint8 ${perTensor ? "per-tensor" : "per-column"} weights, DynamicQuantizeLinear + MatMulInteger`;
  return rewriteAllUses(weight, ctx, build, scheme, () => created);
}
