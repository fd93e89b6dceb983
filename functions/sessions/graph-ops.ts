/**
 * The nodes of a model's main graph, read straight from the ONNX protobuf (the Worker's session
 * options depend on what the graph contains — see prepacking.ts and optimization-level.ts — and
 * the memory estimate on which ops read which weights, heap-estimate.ts).
 */
import { fields, WIRE_LENGTH_DELIMITED, type Field } from "./protobuf-fields.ts";

const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_OP_TYPE = 4;

const decoder = new TextDecoder();
const text = (bytes: Uint8Array, field: Field) => decoder.decode(bytes.subarray(field.payloadStart, field.end));

export interface GraphNode {
  opType: string;
  inputs: string[];
  outputs: string[];
}

/** The main graph's nodes in order (subgraphs are only seen as their If/Loop/Scan node). */
export function* mainGraphNodes(bytes: Uint8Array): Generator<GraphNode> {
  for (const model of fields(bytes, 0, bytes.length)) {
    if (model.number !== MODEL_GRAPH || model.wireType !== WIRE_LENGTH_DELIMITED) continue;
    for (const graph of fields(bytes, model.payloadStart, model.end)) {
      if (graph.number !== GRAPH_NODE || graph.wireType !== WIRE_LENGTH_DELIMITED) continue;
      const node: GraphNode = { opType: "", inputs: [], outputs: [] };
      for (const f of fields(bytes, graph.payloadStart, graph.end)) {
        if (f.wireType !== WIRE_LENGTH_DELIMITED) continue;
        if (f.number === NODE_OP_TYPE) node.opType = text(bytes, f);
        else if (f.number === NODE_INPUT) node.inputs.push(text(bytes, f));
        else if (f.number === NODE_OUTPUT) node.outputs.push(text(bytes, f));
      }
      yield node;
    }
  }
}

/** Op types of the main graph's nodes, once each. */
export function graphOpTypes(bytes: Uint8Array): Set<string> {
  const ops = new Set<string>();
  for (const node of mainGraphNodes(bytes)) ops.add(node.opType);
  return ops;
}
