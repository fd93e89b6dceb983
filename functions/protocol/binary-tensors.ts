/**
 * The binary tensor data extension of the v2 protocol (Triton's HTTP/REST binary data extension,
 * which KServe's v2 spec points to). A body is a JSON header of `Inference-Header-Content-Length`
 * bytes followed by raw tensor bytes: little-endian, row-major; BOOL one byte per element; BYTES
 * each element as a 4-byte little-endian length then its UTF-8 bytes. An input marks its share with
 * `parameters.binary_data_size`; outputs go binary with `parameters.binary_data` (per output) or
 * the request's `parameters.binary_data_output`.
 *
 * Used by the Worker (requests in, responses out), the TypeScript client and the benchmark, so
 * the wire format lives here only.
 */
import { badRequest } from "../errors.ts";
import type { Datatype } from "../registry/manifest.ts";
import { CODECS, STORAGE_OF, type TypedStorage } from "./datatypes.ts";
import { fillElements } from "./json-data.ts";
import { parseWith } from "./parse-with.ts";
import { binaryInferRequestSchema, type InferInput, type InferRequest } from "./v2-request.ts";

export const INFERENCE_HEADER_CONTENT_LENGTH = "Inference-Header-Content-Length";

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A v2 request whose inputs may carry binary data (what the inference handler works with). */
export type ParsedInferRequest = Omit<InferRequest, "inputs"> & { inputs: InferInput[] };

function isNonFinite(datatype: Datatype, storage: TypedStorage): boolean {
  if (datatype === "FP16") {
    // Exponent bits all ones: Infinity or NaN.
    for (const bits of storage as Uint16Array) if ((bits & 0x7c00) === 0x7c00) return true;
  } else if (datatype === "FP32" || datatype === "FP64") {
    for (const value of storage as Float32Array) if (!Number.isFinite(value)) return true;
  }
  return false;
}

/**
 * One input's raw bytes → typed storage for an onnxruntime tensor, checked: the byte count must
 * match the shape, BOOL bytes must be 0 or 1, BYTES must be well-formed UTF-8 strings, and FP
 * values finite unless the model accepts NaN/Infinity. Aligned bytes are viewed, not copied.
 */
export function decodeBinaryTensor(
  name: string,
  datatype: Datatype,
  bytes: Uint8Array,
  elements: number,
  options: { allowNonFinite?: boolean } = {},
): TypedStorage | string[] {
  if (datatype === "BYTES") return decodeStrings(name, bytes, elements);
  const Storage = STORAGE_OF[datatype];
  const size = Storage.BYTES_PER_ELEMENT;
  if (bytes.byteLength !== elements * size) {
    throw badRequest(`input "${name}" has ${bytes.byteLength} bytes of binary data, but its shape needs ${elements * size} (${elements} × ${size})`);
  }
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  const storage = new Storage(aligned.buffer, aligned.byteOffset, elements);
  if (datatype === "BOOL") {
    const bad = (storage as Uint8Array).findIndex((b) => b > 1);
    if (bad >= 0) throw badRequest(`input "${name}": element ${bad} is the byte ${storage[bad]}, not a valid BOOL (0 or 1)`);
  }
  if (!options.allowNonFinite && isNonFinite(datatype, storage)) {
    throw badRequest(`input "${name}" holds NaN or Infinity; this model does not accept them`);
  }
  return storage;
}

function decodeStrings(name: string, bytes: Uint8Array, elements: number): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const strings = new Array<string>(elements);
  let offset = 0;
  for (let i = 0; i < elements; i++) {
    if (offset + 4 > bytes.byteLength) throw badRequest(`input "${name}": binary BYTES data ends at element ${i} of ${elements}`);
    const length = view.getUint32(offset, true);
    offset += 4;
    if (offset + length > bytes.byteLength) throw badRequest(`input "${name}": element ${i} claims ${length} bytes, past the end of its binary data`);
    try {
      strings[i] = strictUtf8.decode(bytes.subarray(offset, offset + length));
    } catch {
      throw badRequest(`input "${name}": element ${i} is not valid UTF-8`);
    }
    offset += length;
  }
  if (offset !== bytes.byteLength) throw badRequest(`input "${name}" has ${bytes.byteLength - offset} bytes of binary data after its ${elements} elements`);
  return strings;
}

/** Tensor storage → its wire bytes (a view for typed arrays; length-prefixed UTF-8 for strings). */
export function encodeBinaryTensor(storage: ArrayBufferView | readonly string[]): Uint8Array {
  if (ArrayBuffer.isView(storage)) return new Uint8Array(storage.buffer, storage.byteOffset, storage.byteLength);
  const encoded = storage.map((s) => utf8.encode(s));
  const bytes = new Uint8Array(encoded.reduce((sum, e) => sum + 4 + e.byteLength, 0));
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const e of encoded) {
    view.setUint32(offset, e.byteLength, true);
    bytes.set(e, offset + 4);
    offset += 4 + e.byteLength;
  }
  return bytes;
}

/**
 * An input's values for the wire: a typed array of the datatype's kind as it is, or JSON-style
 * values (flat or nested, as in `data`) checked and converted like a JSON request's.
 */
export function toTensorStorage(name: string, datatype: Datatype, values: ArrayLike<unknown> | readonly unknown[], elements: number): TypedStorage | string[] {
  if (datatype !== "BYTES" && values instanceof STORAGE_OF[datatype]) return values as TypedStorage;
  return fillElements(name, datatype, CODECS[datatype], Array.isArray(values) ? values : Array.from(values), elements);
}

function headerLength(value: string, bodyBytes: number): number {
  if (!/^\d+$/.test(value.trim())) throw badRequest(`${INFERENCE_HEADER_CONTENT_LENGTH} must be a byte count, got "${value.slice(0, 40)}"`);
  const length = Number(value);
  if (length > bodyBytes) throw badRequest(`${INFERENCE_HEADER_CONTENT_LENGTH} is ${length}, but the body has only ${bodyBytes} bytes`);
  if (length === 0) throw badRequest(`${INFERENCE_HEADER_CONTENT_LENGTH} is 0; the JSON header is required`);
  return length;
}

/**
 * A request body in the binary form → the inference request, each binary input holding its own
 * slice of the body. Every byte after the header must belong to exactly one input.
 */
export function parseBinaryInferRequest(body: Uint8Array, headerLengthValue: string): ParsedInferRequest {
  const length = headerLength(headerLengthValue, body.byteLength);
  let json: unknown;
  try {
    json = JSON.parse(strictUtf8.decode(body.subarray(0, length)));
  } catch {
    throw badRequest(`the first ${length} bytes (${INFERENCE_HEADER_CONTENT_LENGTH}) are not a valid JSON header`);
  }
  const header = parseWith(binaryInferRequestSchema, json, "inference request");
  let offset = length;
  const inputs = header.inputs.map((input): InferInput => {
    const size = input.parameters?.binary_data_size;
    if (size === undefined) {
      if (input.data === undefined) throw badRequest(`input "${input.name}" has neither data nor parameters.binary_data_size`);
      return { ...input, data: input.data };
    }
    if (input.data !== undefined) throw badRequest(`input "${input.name}" has both data and parameters.binary_data_size`);
    if (offset + size > body.byteLength) {
      throw badRequest(`input "${input.name}" needs ${size} bytes of binary data, but only ${body.byteLength - offset} are left`);
    }
    const binary = body.subarray(offset, offset + size);
    offset += size;
    return { ...input, data: undefined, binary };
  });
  if (offset !== body.byteLength) throw badRequest(`${body.byteLength - offset} bytes of binary data are left over after the last input`);
  return { ...header, inputs };
}

/** Whether an output is returned as binary data: its own `binary_data`, else the request's `binary_data_output`. */
export function wantsBinaryOutput(request: Pick<InferRequest, "parameters" | "outputs">, name: string): boolean {
  const own = request.outputs?.find((o) => o.name === name)?.parameters?.binary_data;
  return own ?? request.parameters?.binary_data_output ?? false;
}

/** JSON header + binary chunks → one body, with the header's byte length for `Inference-Header-Content-Length`. */
export function binaryBody(headerJson: string, chunks: readonly Uint8Array[]): { body: Uint8Array<ArrayBuffer>; headerLength: number } {
  const header = utf8.encode(headerJson);
  const body = new Uint8Array(header.byteLength + chunks.reduce((sum, c) => sum + c.byteLength, 0));
  body.set(header, 0);
  let offset = header.byteLength;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { body, headerLength: header.byteLength };
}

/** A tensor entry of a request or response header, as it travels. */
export interface WireTensor {
  name: string;
  datatype: string;
  shape: number[];
  parameters?: { binary_data_size?: number } & Record<string, unknown>;
  data?: unknown[];
}

/**
 * A body in the binary form → its JSON header and, for each of the header's tensors (picked by
 * `tensorsOf`) that has `parameters.binary_data_size`, its bytes, in order. Used by clients.
 */
export function readBinaryBody<Header>(
  body: Uint8Array,
  headerLength: number,
  tensorsOf: (header: Header) => readonly WireTensor[],
  parseJson: (text: string) => unknown = JSON.parse,
): { header: Header; binary: Map<WireTensor, Uint8Array> } {
  if (headerLength > body.byteLength) throw new Error(`binary body: header of ${headerLength} bytes in a body of ${body.byteLength}`);
  const header = parseJson(new TextDecoder().decode(body.subarray(0, headerLength))) as Header;
  const binary = new Map<WireTensor, Uint8Array>();
  let offset = headerLength;
  for (const tensor of tensorsOf(header)) {
    const size = tensor.parameters?.binary_data_size;
    if (size === undefined) continue;
    binary.set(tensor, body.subarray(offset, offset + size));
    offset += size;
  }
  if (offset !== body.byteLength) throw new Error(`binary body: ${body.byteLength - offset} bytes unaccounted for`);
  return { header, binary };
}
