/**
 * Scales stored as float16 with a Cast back to float32 in front of their consumer. A scale only
 * needs the precision of the step it describes (int8 has 127 steps, int4 8), so its float32 copy
 * carries 13 bits of mantissa nobody uses: 2 bytes per scale, ~0.9 KB of a hidden-256,128 model.
 * The quantizer rounds each scale to float16 (in the direction that keeps its error bound, see
 * quant-math.ts) before computing q, so the Cast reproduces exactly the scales the weights were
 * quantized with, and ONNX Runtime folds it into a float32 initializer when the session loads.
 * Used only when every scale is a normal float16 and the Cast node costs fewer bytes than it saves.
 */
import { intAttr } from "../../onnx/attributes.ts";
import { toFloat16Array, toFloat16Directed } from "../../onnx/float16.ts";
import { DataType, encodeModel, type NodeProto, type TensorProto } from "../../onnx/model-io.ts";
import { makeTensor } from "../../onnx/tensors.ts";
import { makeNode } from "../graph-edit.ts";

export type ScaleRounding = "down" | "up";

function encodedBytes(nodes: NodeProto[], tensors: TensorProto[]): number {
  return encodeModel({ graph: { node: nodes, initializer: tensors } }).length;
}

function castNode(halfName: string, scaleName: string): NodeProto {
  return makeNode("Cast", [halfName], [scaleName], undefined, [intAttr("to", DataType.FLOAT)]);
}

/** Whether `count` float16 scales plus their Cast take fewer bytes than `count` float32 scales. */
export function halfScalesPay(scaleName: string, halfName: string, dims: readonly number[], count: number): boolean {
  const asFloat = encodedBytes([], [makeTensor(scaleName, DataType.FLOAT, dims, new Float32Array(count))]);
  const asHalf = encodedBytes([castNode(halfName, scaleName)], [makeTensor(halfName, DataType.FLOAT16, dims, new Uint16Array(count))]);
  return asHalf < asFloat;
}

/** The scales rounded to float16, or undefined when some scale is not a normal float16. */
export function roundScales(scales: Float32Array, direction: ScaleRounding): Float32Array | undefined {
  return toFloat16Directed(scales, direction)?.values;
}

/**
 * The tensors and nodes that make `scaleName` hold `scales`: a float32 initializer, or (when
 * `half`) a float16 initializer `halfName` and a Cast. `scales` must then be float16 values.
 */
export function storeScales(
  scaleName: string, halfName: string, dims: readonly number[], scales: Float32Array, half: boolean,
): { tensors: TensorProto[]; nodes: NodeProto[] } {
  if (!half) return { tensors: [makeTensor(scaleName, DataType.FLOAT, dims, scales)], nodes: [] };
  const tensor = makeTensor(halfName, DataType.FLOAT16, dims, toFloat16Array(scales)); // exact: float16 values already
  return { tensors: [tensor], nodes: [castNode(halfName, scaleName)] };
}
