/**
 * Whether ORT should prepack a model's weights. Prepacking keeps a second, repacked copy of each
 * MatMul weight. For fp32 MatMul in wasm that doubles the weights in memory (100 MB model: 202 vs
 * 108 MiB of wasm memory) for a mixed return (measured in Node's onnxruntime-web: batch 1 ~25%
 * slower with it, batch 64 ~15% faster) — memory decides, since a Worker isolate has 128 MB. For
 * quantized kernels (MatMulInteger, MatMulNBits, …) prepacking is what makes them fast
 * (int8-dynamic at batch 64 ran ~1.7x slower without it) and costs no extra memory.
 */
import { fields, WIRE_LENGTH_DELIMITED } from "./protobuf-fields.ts";

const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const NODE_OP_TYPE = 4;

/** Ops whose kernels prepack quantized weights. */
const QUANTIZED_OPS = new Set([
  "MatMulInteger",
  "DynamicQuantizeMatMul",
  "MatMulIntegerToFloat",
  "MatMulNBits",
  "QLinearMatMul",
  "QLinearConv",
  "ConvInteger",
  "DynamicQuantizeLSTM",
  "QAttention",
]);

const decoder = new TextDecoder();

/** Op types of the main graph's nodes (subgraphs are rare in what benefits from this). */
function* opTypes(bytes: Uint8Array): Generator<string> {
  for (const model of fields(bytes, 0, bytes.length)) {
    if (model.number !== MODEL_GRAPH || model.wireType !== WIRE_LENGTH_DELIMITED) continue;
    for (const graph of fields(bytes, model.payloadStart, model.end)) {
      if (graph.number !== GRAPH_NODE || graph.wireType !== WIRE_LENGTH_DELIMITED) continue;
      for (const node of fields(bytes, graph.payloadStart, graph.end)) {
        if (node.number === NODE_OP_TYPE && node.wireType === WIRE_LENGTH_DELIMITED) yield decoder.decode(bytes.subarray(node.payloadStart, node.end));
      }
    }
  }
}

export function prepackingPays(bytes: Uint8Array): boolean {
  try {
    for (const op of opTypes(bytes)) if (QUANTIZED_OPS.has(op)) return true;
    return false;
  } catch {
    return true; // unreadable here: ORT's default
  }
}
