/**
 * The v2 binary tensor format written and read by hand with DataView, from the spec (Triton's
 * binary data extension): little-endian, row-major, BOOL one byte, FP16 as IEEE half bits, BYTES
 * a 4-byte little-endian length then UTF-8. Independent of functions/protocol on purpose: the
 * tests use it as the reference for the Worker's codec.
 */
import { halfBits, halfValue } from "../fixtures/half-float.ts";
import type { JsonTensor } from "../fixtures/reference.ts";

/** Bytes per element of each fixed-size datatype. */
export const ELEMENT_BYTES: Record<string, number> = {
  BOOL: 1, UINT8: 1, INT8: 1, UINT16: 2, INT16: 2, FP16: 2, UINT32: 4, INT32: 4, FP32: 4, UINT64: 8, INT64: 8, FP64: 8,
};

const utf8 = new TextEncoder();

/** One tensor's values (flat, JSON-style: numbers, booleans, decimal strings for 64-bit ints, strings) → its wire bytes. */
export function encodeTensor(datatype: string, values: readonly unknown[]): Uint8Array {
  if (datatype === "BYTES") {
    const strings = values.map((v) => utf8.encode(String(v)));
    const bytes = new Uint8Array(strings.reduce((sum, s) => sum + 4 + s.byteLength, 0));
    const view = new DataView(bytes.buffer);
    let offset = 0;
    for (const s of strings) {
      view.setUint32(offset, s.byteLength, true);
      bytes.set(s, offset + 4);
      offset += 4 + s.byteLength;
    }
    return bytes;
  }
  const size = ELEMENT_BYTES[datatype];
  const bytes = new Uint8Array(values.length * size);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    const at = i * size;
    switch (datatype) {
      case "BOOL": return view.setUint8(at, v ? 1 : 0);
      case "UINT8": return view.setUint8(at, Number(v));
      case "INT8": return view.setInt8(at, Number(v));
      case "UINT16": return view.setUint16(at, Number(v), true);
      case "INT16": return view.setInt16(at, Number(v), true);
      case "FP16": return view.setUint16(at, halfBits(Number(v)), true);
      case "UINT32": return view.setUint32(at, Number(v), true);
      case "INT32": return view.setInt32(at, Number(v), true);
      case "FP32": return view.setFloat32(at, Number(v), true);
      case "UINT64": return view.setBigUint64(at, BigInt(v as string | number), true);
      case "INT64": return view.setBigInt64(at, BigInt(v as string | number), true);
      case "FP64": return view.setFloat64(at, Number(v), true);
      default: throw new Error(`no wire encoding for ${datatype}`);
    }
  });
  return bytes;
}

/** Wire bytes → values in JSON terms (64-bit integers as decimal strings, FP16 as numbers, BOOL as booleans). */
export function decodeTensor(datatype: string, bytes: Uint8Array, elements: number): unknown[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (datatype === "BYTES") {
    const strings: string[] = [];
    let offset = 0;
    for (let i = 0; i < elements; i++) {
      const length = view.getUint32(offset, true);
      strings.push(new TextDecoder().decode(bytes.subarray(offset + 4, offset + 4 + length)));
      offset += 4 + length;
    }
    if (offset !== bytes.byteLength) throw new Error(`BYTES tensor: ${bytes.byteLength - offset} stray bytes`);
    return strings;
  }
  const size = ELEMENT_BYTES[datatype];
  if (bytes.byteLength !== elements * size) throw new Error(`${datatype} tensor of ${elements} elements in ${bytes.byteLength} bytes`);
  return Array.from({ length: elements }, (_, i) => {
    const at = i * size;
    switch (datatype) {
      case "BOOL": return view.getUint8(at) !== 0;
      case "UINT8": return view.getUint8(at);
      case "INT8": return view.getInt8(at);
      case "UINT16": return view.getUint16(at, true);
      case "INT16": return view.getInt16(at, true);
      case "FP16": return halfValue(view.getUint16(at, true));
      case "UINT32": return view.getUint32(at, true);
      case "INT32": return view.getInt32(at, true);
      case "FP32": return view.getFloat32(at, true);
      case "UINT64": return view.getBigUint64(at, true).toString();
      case "INT64": return view.getBigInt64(at, true).toString();
      case "FP64": return view.getFloat64(at, true);
      default: throw new Error(`no wire decoding for ${datatype}`);
    }
  });
}

/** A request body in the binary form: header JSON, then the chunks; returns the body and the header's byte length. */
export function binaryRequest(header: unknown, chunks: readonly Uint8Array[]): { body: Uint8Array; headerLength: number } {
  const head = utf8.encode(JSON.stringify(header));
  const body = new Uint8Array(head.byteLength + chunks.reduce((sum, c) => sum + c.byteLength, 0));
  body.set(head);
  let offset = head.byteLength;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { body, headerLength: head.byteLength };
}

/** Every input in binary form: header entries with `binary_data_size`, and their chunks in order. */
export function binaryInputs(inputs: readonly JsonTensor[]): { entries: Array<Omit<JsonTensor, "data"> & { parameters: { binary_data_size: number } }>; chunks: Uint8Array[] } {
  const chunks = inputs.map((input) => encodeTensor(input.datatype, (input.data as unknown[]).flat(Infinity as 1)));
  const entries = inputs.map(({ data: _data, ...input }, i) => ({ ...input, parameters: { binary_data_size: chunks[i].byteLength } }));
  return { entries, chunks };
}
