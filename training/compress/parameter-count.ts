/** Number of trainable-looking parameters: elements of every float initializer and Constant, in all graphs. */
import { allGraphs } from "../onnx/graph-walk.ts";
import { DataType, type ModelProto } from "../onnx/model-io.ts";
import { elementCount, tensorDims } from "../onnx/tensors.ts";

const FLOAT_TYPES = new Set<number>([DataType.FLOAT, DataType.FLOAT16, DataType.DOUBLE, DataType.BFLOAT16]);

export function floatParameterCount(model: ModelProto): number {
  let count = 0;
  for (const { graph } of allGraphs(model)) {
    for (const t of graph.initializer ?? []) if (FLOAT_TYPES.has(t.dataType ?? 0)) count += elementCount(tensorDims(t));
    for (const node of graph.node ?? []) {
      if (node.opType !== "Constant") continue;
      const t = node.attribute?.find((a) => a.name === "value")?.t;
      if (t && FLOAT_TYPES.has(t.dataType ?? 0)) count += elementCount(tensorDims(t));
    }
  }
  return count;
}
