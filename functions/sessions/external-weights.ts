/**
 * Large initializers as external data that points back into the model's own bytes.
 *
 * Given a whole ONNX file, onnxruntime-web copies it into wasm memory, parses it (a second copy of
 * every weight) and builds tensors (a third), and wasm memory never shrinks: a model costs ~4x its
 * size. Here the file is rewritten without the raw bytes of its large initializers, each marked as
 * external data at its original offset in the file; ORT then copies each weight once, straight
 * from the JS buffer into its tensor (onnxruntime-web's `externalData` session option).
 *
 * Only the protobuf fields on the way to the initializers are decoded: ModelProto.graph (7) →
 * GraphProto.initializer (5) → TensorProto.raw_data (9). Everything else is copied byte for byte.
 */

import { fields, WIRE_LENGTH_DELIMITED, WIRE_VARINT, type Field } from "./protobuf-fields.ts";

/** Tiny initializers (scalars, shapes) stay inline: moving them saves nothing. */
const MIN_EXTERNAL_BYTES = 64;

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const DATA_LOCATION_EXTERNAL = 1;

function varint(value: number): number[] {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

const encoder = new TextEncoder();

function lengthDelimited(number: number, payload: Uint8Array | number[]): number[] {
  return [...varint(number * 8 + WIRE_LENGTH_DELIMITED), ...varint(payload.length), ...payload];
}

function entry(key: string, value: string): number[] {
  return [...lengthDelimited(1, encoder.encode(key)), ...lengthDelimited(2, encoder.encode(value))];
}

/** Pieces of the output: slices of the input (no copy until the end) or new bytes. */
type Piece = Uint8Array;

function concat(pieces: Piece[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.length;
  }
  return out;
}

function wrap(number: number, body: Piece[]): Piece[] {
  const length = body.reduce((sum, p) => sum + p.length, 0);
  return [Uint8Array.from([...varint(number * 8 + WIRE_LENGTH_DELIMITED), ...varint(length)]), ...body];
}

/** A TensorProto with its raw_data moved out, or undefined to keep it as it is. */
function externalTensor(bytes: Uint8Array, start: number, end: number, location: string): Piece[] | undefined {
  let raw: Field | undefined;
  for (const field of fields(bytes, start, end)) {
    if (field.number === TENSOR_DATA_LOCATION || field.number === TENSOR_EXTERNAL_DATA) return undefined; // already external
    if (field.number === TENSOR_RAW_DATA && field.wireType === WIRE_LENGTH_DELIMITED) raw = field;
  }
  if (!raw || raw.end - raw.payloadStart < MIN_EXTERNAL_BYTES) return undefined;
  const reference = [
    ...lengthDelimited(TENSOR_EXTERNAL_DATA, entry("location", location)),
    ...lengthDelimited(TENSOR_EXTERNAL_DATA, entry("offset", String(raw.payloadStart))),
    ...lengthDelimited(TENSOR_EXTERNAL_DATA, entry("length", String(raw.end - raw.payloadStart))),
    ...varint(TENSOR_DATA_LOCATION * 8 + WIRE_VARINT),
    DATA_LOCATION_EXTERNAL,
  ];
  return [bytes.subarray(start, raw.start), bytes.subarray(raw.end, end), Uint8Array.from(reference)];
}

/**
 * The message in bytes[start, end) with each length-delimited field `number` replaced by what
 * `rewrite` makes of its payload (undefined: keep that field); undefined when nothing changed.
 */
function rewriteFields(
  bytes: Uint8Array,
  start: number,
  end: number,
  number: number,
  rewrite: (payloadStart: number, payloadEnd: number) => Piece[] | undefined,
): Piece[] | undefined {
  const pieces: Piece[] = [];
  let changed = false;
  for (const field of fields(bytes, start, end)) {
    const body = field.number === number && field.wireType === WIRE_LENGTH_DELIMITED ? rewrite(field.payloadStart, field.end) : undefined;
    if (body) {
      pieces.push(...wrap(number, body));
      changed = true;
    } else {
      pieces.push(bytes.subarray(field.start, field.end));
    }
  }
  return changed ? pieces : undefined;
}

/**
 * The model without its large initializers' bytes, which ORT is to read from `location` = the
 * original `bytes`; undefined when nothing is worth moving (or the bytes are not a plain ONNX file).
 */
export function externalizeInitializers(bytes: Uint8Array, location: string): Uint8Array | undefined {
  try {
    const pieces = rewriteFields(bytes, 0, bytes.length, MODEL_GRAPH, (graphStart, graphEnd) =>
      rewriteFields(bytes, graphStart, graphEnd, GRAPH_INITIALIZER, (tensorStart, tensorEnd) => externalTensor(bytes, tensorStart, tensorEnd, location)),
    );
    return pieces ? concat(pieces) : undefined;
  } catch {
    return undefined; // not what we expected: let ORT load (or reject) the file as it is
  }
}
