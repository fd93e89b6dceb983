/**
 * What a model will hold in onnxruntime-web's wasm memory, estimated from its graph: the figure the
 * session cache's budget charges (model-cache.ts). The publisher computes it and writes it into the
 * manifest (memoryBytes); the Worker only reads it there. It lives here, beside the Worker's other
 * readings of a model's graph, because it describes how the Worker's engine holds the model.
 *
 * ORT keeps one copy of every weight (about the file's bytes), and more for some encodings —
 * measured with `npm run bench:serving` on a 4096×4096 layer: weight-only int8 (DequantizeLinear)
 * is dequantized into an fp32 copy that stays (+4 bytes per stored byte), int4 MatMulNBits likewise
 * (+8: two 4-bit weights per byte become two floats), float16 weights that go through Cast are cast
 * to fp32 at load (+2). int8-dynamic (MatMulInteger) keeps its int8 weights: nothing extra.
 * Only the main graph is read; subgraph weights count once.
 */
import { mainGraphNodes } from "./graph-ops.ts";
import { fields, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from "./protobuf-fields.ts";

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_DATA_TYPE = 2;
const TENSOR_NAME = 8;

// TensorProto.DataType values.
const UINT8 = 2;
const INT8 = 3;
const FLOAT16 = 10;
const UINT4 = 21;
const INT4 = 22;

/** Bytes ORT holds beyond the stored one, per stored byte, by the tensor's type and the ops reading it. */
function extraPerStoredByte(dataType: number, readers: ReadonlySet<string> | undefined): number {
  if (!readers) return 0;
  if (readers.has("MatMulNBits") && dataType === UINT8) return 8;
  if (readers.has("DequantizeLinear")) {
    if (dataType === INT8 || dataType === UINT8) return 4;
    if (dataType === INT4 || dataType === UINT4) return 8;
  }
  if (readers.has("Cast") && dataType === FLOAT16) return 2;
  return 0;
}

const decoder = new TextDecoder();

/** Estimated bytes of onnxruntime-web's memory for this ONNX file (at least its size). */
export function estimateHeapBytes(bytes: Uint8Array): number {
  const readers = new Map<string, Set<string>>();
  for (const node of mainGraphNodes(bytes)) {
    for (const input of node.inputs) {
      if (!readers.has(input)) readers.set(input, new Set());
      readers.get(input)!.add(node.opType);
    }
  }
  let extra = 0;
  for (const model of fields(bytes, 0, bytes.length)) {
    if (model.number !== MODEL_GRAPH || model.wireType !== WIRE_LENGTH_DELIMITED) continue;
    for (const entry of fields(bytes, model.payloadStart, model.end)) {
      if (entry.number !== GRAPH_INITIALIZER || entry.wireType !== WIRE_LENGTH_DELIMITED) continue;
      let name = "";
      let dataType = 0;
      for (const f of fields(bytes, entry.payloadStart, entry.end)) {
        if (f.number === TENSOR_NAME && f.wireType === WIRE_LENGTH_DELIMITED) name = decoder.decode(bytes.subarray(f.payloadStart, f.end));
        if (f.number === TENSOR_DATA_TYPE && f.wireType === WIRE_VARINT) dataType = f.value;
      }
      extra += (entry.end - entry.payloadStart) * extraPerStoredByte(dataType, readers.get(name));
    }
  }
  return bytes.length + extra;
}
