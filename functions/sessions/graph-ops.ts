/**
 * The op types of a model's main graph, read straight from the ONNX protobuf (the Worker's
 * session options depend on what the graph contains; see prepacking.ts and optimization-level.ts).
 */
import { fields, WIRE_LENGTH_DELIMITED } from "./protobuf-fields.ts";

const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const NODE_OP_TYPE = 4;

const decoder = new TextDecoder();

/** Op types of the main graph's nodes, once each (subgraphs are only seen as their If/Loop/Scan node). */
export function graphOpTypes(bytes: Uint8Array): Set<string> {
  const ops = new Set<string>();
  for (const model of fields(bytes, 0, bytes.length)) {
    if (model.number !== MODEL_GRAPH || model.wireType !== WIRE_LENGTH_DELIMITED) continue;
    for (const graph of fields(bytes, model.payloadStart, model.end)) {
      if (graph.number !== GRAPH_NODE || graph.wireType !== WIRE_LENGTH_DELIMITED) continue;
      for (const node of fields(bytes, graph.payloadStart, graph.end)) {
        if (node.number === NODE_OP_TYPE && node.wireType === WIRE_LENGTH_DELIMITED) ops.add(decoder.decode(bytes.subarray(node.payloadStart, node.end)));
      }
    }
  }
  return ops;
}
