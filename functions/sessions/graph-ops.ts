/**
 * The nodes of a model's main graph, read straight from the ONNX protobuf (the Worker's session
 * options depend on what the graph contains — see prepacking.ts and optimization-level.ts — and
 * the memory estimate on which ops read which weights, heap-estimate.ts), and its initializers.
 */
import { fields, WIRE_LENGTH_DELIMITED, WIRE_VARINT, type Field } from "./protobuf-fields.ts";

const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const TENSOR_DATA_TYPE = 2;
const TENSOR_NAME = 8;
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

export interface StoredInitializer {
  name: string;
  /** TensorProto.DataType. */
  dataType: number;
  /** Bytes of the TensorProto in the file (its data and header). */
  storedBytes: number;
}

/** The main graph's initializers, read in place (nothing is copied). */
export function* mainGraphInitializers(bytes: Uint8Array): Generator<StoredInitializer> {
  for (const model of fields(bytes, 0, bytes.length)) {
    if (model.number !== MODEL_GRAPH || model.wireType !== WIRE_LENGTH_DELIMITED) continue;
    for (const entry of fields(bytes, model.payloadStart, model.end)) {
      if (entry.number !== GRAPH_INITIALIZER || entry.wireType !== WIRE_LENGTH_DELIMITED) continue;
      const tensor: StoredInitializer = { name: "", dataType: 0, storedBytes: entry.end - entry.payloadStart };
      for (const f of fields(bytes, entry.payloadStart, entry.end)) {
        if (f.number === TENSOR_NAME && f.wireType === WIRE_LENGTH_DELIMITED) tensor.name = text(bytes, f);
        if (f.number === TENSOR_DATA_TYPE && f.wireType === WIRE_VARINT) tensor.dataType = f.value;
      }
      yield tensor;
    }
  }
}

/** For each value name, the op types of the main-graph nodes reading it. */
export function readersByName(nodes: Iterable<GraphNode>): Map<string, Set<string>> {
  const readers = new Map<string, Set<string>>();
  for (const node of nodes) {
    for (const input of node.inputs) {
      if (!readers.has(input)) readers.set(input, new Set());
      readers.get(input)!.add(node.opType);
    }
  }
  return readers;
}
