/**
 * Small models written for old opsets, one node per operator whose definition changed later, as
 * PyTorch ≤ 1.x and Paddle2ONNX exported them: the cases opset upgrade must convert.
 */
import { DataType, floatTensor, int64Tensor, type AttributeProto, type GraphProto } from "../../../training/onnx/model-io.ts";
import { floatAttr, intAttr, stringAttr } from "../../../training/onnx/attributes.ts";
import { modelBytes, node, randomMatrix, valueInfo } from "./fixtures.ts";

const ints = (name: string, values: (number | string)[]): AttributeProto => ({ name, type: 7, ints: values as number[] });
const floats = (name: string, values: number[]): AttributeProto => ({ name, type: 6, floats: values });

/** Slice's "to the end": int64 max, which a float64 cannot hold exactly. */
const INT64_MAX = "9223372036854775807";

/**
 * Opset 7, X [2, 4, 6, 6]: Upsample-7 (nearest, scales attribute) → Pad-2 (value 0.5) → Clip-6 →
 * Slice-1 (to the end) → Dropout-7 (mask unused) → BatchNormalization-7 (spatial = 1) → then Softmax-1
 * over axis 1 of a 4-D tensor (the flattening case), ReduceSum-1 → Unsqueeze-1 → Squeeze-1,
 * ReduceMean-1, Split-2 with and without sizes, TopK-1.
 */
export function opset7Model(): Uint8Array {
  const channels = 2;
  const graph: GraphProto = {
    name: "opset7",
    node: [
      node("Upsample", ["X"], ["up"], [stringAttr("mode", "nearest"), floats("scales", [1, 1, 2, 2])]),
      node("Pad", ["up"], ["padded"], [ints("pads", [0, 0, 1, 1, 0, 0, 1, 1]), floatAttr("value", 0.5)]),
      node("Clip", ["padded"], ["clipped"], [floatAttr("min", -0.5), floatAttr("max", 0.8)]),
      node("Slice", ["clipped"], ["sliced"], [ints("starts", [1, 2]), ints("ends", [3, INT64_MAX]), ints("axes", [1, 3])]),
      node("Dropout", ["sliced"], ["dropped", "mask"], [floatAttr("ratio", 0.3)]),
      node("BatchNormalization", ["dropped", "bn_scale", "bn_bias", "bn_mean", "bn_var"], ["bn"], [intAttr("spatial", 1), floatAttr("epsilon", 1e-5)]),
      node("Softmax", ["bn"], ["Y_softmax"], [intAttr("axis", 1)]),
      node("ReduceSum", ["bn"], ["sum"], [ints("axes", [2, 3]), intAttr("keepdims", 0)]),
      node("Unsqueeze", ["sum"], ["sum3"], [ints("axes", [2])]),
      node("Squeeze", ["sum3"], ["Y_sum"], [ints("axes", [2])]),
      node("ReduceMean", ["bn"], ["Y_mean"], [ints("axes", [3]), intAttr("keepdims", 1)]),
      node("Split", ["bn"], ["top", "bottom"], [intAttr("axis", 2), ints("split", [4, 10])]),
      node("Split", ["bn"], ["first", "second"], [intAttr("axis", 1)]),
      node("Sub", ["top", "top"], ["zero"]),
      node("Add", ["first", "second"], ["Y_halves"]),
      node("Flatten", ["bottom"], ["flat"], [intAttr("axis", 1)]),
      node("TopK", ["flat"], ["Y_top", "Y_top_index"], [intAttr("k", 3)]),
    ],
    initializer: [
      floatTensor("bn_scale", [channels], randomMatrix(1, channels, 11)),
      floatTensor("bn_bias", [channels], randomMatrix(1, channels, 12)),
      floatTensor("bn_mean", [channels], randomMatrix(1, channels, 13, 0.1)),
      floatTensor("bn_var", [channels], Float32Array.from([0.5, 2])),
    ],
    input: [valueInfo("X", DataType.FLOAT, [2, 4, 6, 6])],
    output: [
      valueInfo("Y_softmax", DataType.FLOAT), valueInfo("Y_sum", DataType.FLOAT), valueInfo("Y_mean", DataType.FLOAT),
      valueInfo("Y_halves", DataType.FLOAT), valueInfo("Y_top", DataType.FLOAT), valueInfo("Y_top_index", DataType.INT64), valueInfo("zero", DataType.FLOAT),
    ],
  };
  return modelBytes(graph, 7);
}

/**
 * Opset 9, X [2, 3, 4, 5]: Upsample-9 linear and nearest with a scales input, Scatter-9, and
 * LogSoftmax-1 on the last axis of a 2-D tensor (the case that stays a single node).
 */
export function opset9Model(): Uint8Array {
  const graph: GraphProto = {
    name: "opset9",
    node: [
      node("Upsample", ["X", "scales"], ["Y_linear"], [stringAttr("mode", "linear")]),
      node("Upsample", ["X", "scales"], ["Y_nearest"], [stringAttr("mode", "nearest")]),
      node("Flatten", ["X"], ["flat"], [intAttr("axis", 1)]),
      node("Scatter", ["flat", "indices", "updates"], ["Y_scatter"], [intAttr("axis", 1)]),
      node("LogSoftmax", ["flat"], ["Y_log_softmax"], [intAttr("axis", 1)]),
    ],
    initializer: [
      floatTensor("scales", [4], Float32Array.from([1, 1, 2, 1.5])),
      int64Tensor("indices", [2, 3], [0, 7, 59, 3, 1, 2]),
      floatTensor("updates", [2, 3], Float32Array.from([10, 20, 30, 40, 50, 60])),
    ],
    input: [valueInfo("X", DataType.FLOAT, [2, 3, 4, 5])],
    output: [
      valueInfo("Y_linear", DataType.FLOAT), valueInfo("Y_nearest", DataType.FLOAT), valueInfo("Y_scatter", DataType.FLOAT),
      valueInfo("Y_log_softmax", DataType.FLOAT, [2, 60]),
    ],
  };
  return modelBytes(graph, 9);
}

/** Opset 9: Dropout whose mask is a graph output (its type changed at 10: no conversion keeps it). */
export function dropoutMaskModel(): Uint8Array {
  return modelBytes({
    name: "dropout_mask",
    node: [node("Dropout", ["X"], ["Y", "mask"])],
    input: [valueInfo("X", DataType.FLOAT, [2, 3])],
    output: [valueInfo("Y", DataType.FLOAT, [2, 3]), valueInfo("mask", DataType.FLOAT, [2, 3])],
  }, 9);
}

/** Opset 8: BatchNormalization with spatial = 0 (statistics per activation), gone from opset 9. */
export function perActivationBatchNormModel(): Uint8Array {
  const stat = (name: string, seed: number) => floatTensor(name, [3, 2], Float32Array.from(randomMatrix(3, 2, seed), Math.abs));
  return modelBytes({
    name: "bn_spatial0",
    node: [node("BatchNormalization", ["X", "s", "b", "m", "v"], ["Y"], [intAttr("spatial", 0)])],
    initializer: [stat("s", 1), stat("b", 2), stat("m", 3), stat("v", 4)],
    input: [valueInfo("X", DataType.FLOAT, [2, 3, 2])],
    output: [valueInfo("Y", DataType.FLOAT, [2, 3, 2])],
  }, 8);
}
