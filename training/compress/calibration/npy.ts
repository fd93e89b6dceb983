/**
 * NumPy's .npy and .npz files, as numpy.save / numpy.savez / numpy.savez_compressed write them
 * (format versions 1.0-3.0, little- and big-endian, C or Fortran order). An .npz is a zip of .npy
 * files, stored or deflated; it is read through its central directory (zip64 sizes included).
 * No third-party reader: npyjs needs cross-fetch and reads no .npz, and node:zlib inflates the rest.
 */
import { inflateRawSync } from "node:zlib";
import { fromHalfBits } from "../../../functions/protocol/float16.ts";

export type NpyData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

export interface NpyArray {
  /** NumPy's dtype code without the byte order: "f4", "i8", "b1", … */
  dtype: string;
  shape: number[];
  /** Values in C (row-major) order, native byte order. */
  data: NpyData;
}

export class NpyFormatError extends Error {
  override name = "NpyFormatError";
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** dtype code → typed array and size in bytes; f2 is widened to float32. */
const DTYPES: Record<string, { size: number; read: (view: DataView, offset: number, little: boolean) => number | bigint; make: (n: number) => NpyData }> = {
  f2: { size: 2, read: (v, o, l) => fromHalfBits(v.getUint16(o, l)), make: (n) => new Float32Array(n) },
  f4: { size: 4, read: (v, o, l) => v.getFloat32(o, l), make: (n) => new Float32Array(n) },
  f8: { size: 8, read: (v, o, l) => v.getFloat64(o, l), make: (n) => new Float64Array(n) },
  i1: { size: 1, read: (v, o) => v.getInt8(o), make: (n) => new Int8Array(n) },
  u1: { size: 1, read: (v, o) => v.getUint8(o), make: (n) => new Uint8Array(n) },
  b1: { size: 1, read: (v, o) => (v.getUint8(o) ? 1 : 0), make: (n) => new Uint8Array(n) },
  i2: { size: 2, read: (v, o, l) => v.getInt16(o, l), make: (n) => new Int16Array(n) },
  u2: { size: 2, read: (v, o, l) => v.getUint16(o, l), make: (n) => new Uint16Array(n) },
  i4: { size: 4, read: (v, o, l) => v.getInt32(o, l), make: (n) => new Int32Array(n) },
  u4: { size: 4, read: (v, o, l) => v.getUint32(o, l), make: (n) => new Uint32Array(n) },
  i8: { size: 8, read: (v, o, l) => v.getBigInt64(o, l), make: (n) => new BigInt64Array(n) },
  u8: { size: 8, read: (v, o, l) => v.getBigUint64(o, l), make: (n) => new BigUint64Array(n) },
};

/** The header dict, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } */
function parseHeader(text: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shape === undefined) throw new NpyFormatError(`not a .npy header: ${text.trim().slice(0, 80)}`);
  const dims = shape.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new NpyFormatError(`bad shape (${shape}) in the .npy header`);
  return { descr, fortran: fortran === "True", shape: dims };
}

/** From Fortran (column-major) order to C order. */
function toCOrder(data: NpyData, shape: number[]): NpyData {
  if (shape.length < 2) return data;
  const out = new (data.constructor as new (n: number) => NpyData)(data.length);
  const strides = shape.map((_, axis) => shape.slice(0, axis).reduce((n, d) => n * d, 1)); // Fortran strides
  const index = new Array<number>(shape.length).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let axis = 0; axis < shape.length; axis++) f += index[axis] * strides[axis];
    (out as { [i: number]: number | bigint })[c] = (data as { [i: number]: number | bigint })[f];
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      if (++index[axis] < shape[axis]) break;
      index[axis] = 0;
    }
  }
  return out;
}

export function parseNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new NpyFormatError("not a .npy file (no \\x93NUMPY magic)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  if (major < 1 || major > 3) throw new NpyFormatError(`.npy format version ${major}.${bytes[7]} is not supported (1.0-3.0 are)`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  if (headerStart + headerLength > bytes.length) throw new NpyFormatError("truncated .npy header");
  const header = parseHeader(new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(headerStart, headerStart + headerLength)));
  const order = header.descr[0];
  const code = header.descr.slice(1);
  const dtype = DTYPES[code];
  if (!"<>|=".includes(order) || !dtype) throw new NpyFormatError(`dtype '${header.descr}' is not supported (numeric and bool arrays are)`);
  const count = header.shape.reduce((n, d) => n * d, 1);
  const start = headerStart + headerLength;
  if (start + count * dtype.size > bytes.length) throw new NpyFormatError(`truncated .npy data: shape (${header.shape.join(", ")}) of ${header.descr} needs ${count * dtype.size} bytes, the file has ${bytes.length - start}`);
  const little = order !== ">";
  const data = dtype.make(count);
  const target = data as { [i: number]: number | bigint };
  for (let i = 0; i < count; i++) target[i] = dtype.read(view, start + i * dtype.size, little);
  return { dtype: code, shape: header.shape, data: header.fortran ? toCOrder(data, header.shape) : data };
}

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  localHeaderOffset: number;
}

/** The central directory's entries (zip64 sizes and offsets read from the 0x0001 extra field). */
function zipEntries(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new NpyFormatError("not an .npz file (no zip end-of-central-directory record)");
  let count = view.getUint16(end + 10, true);
  let offset = view.getUint32(end + 16, true);
  if (end >= 20 && view.getUint32(end - 20, true) === 0x07064b50) {
    const zip64End = Number(view.getBigUint64(end - 12, true));
    count = Number(view.getBigUint64(zip64End + 32, true));
    offset = Number(view.getBigUint64(zip64End + 48, true));
  }
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (offset + 46 > bytes.length || view.getUint32(offset, true) !== 0x02014b50) throw new NpyFormatError("corrupt .npz central directory");
    const method = view.getUint16(offset + 10, true);
    let compressedSize = view.getUint32(offset + 20, true);
    let uncompressedSize = view.getUint32(offset + 24, true);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    let localHeaderOffset = view.getUint32(offset + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(offset + 46, offset + 46 + nameLength));
    for (let e = offset + 46 + nameLength; e + 4 <= offset + 46 + nameLength + extraLength;) {
      const id = view.getUint16(e, true);
      const size = view.getUint16(e + 2, true);
      if (id === 0x0001) {
        let p = e + 4;
        const next = (): number => Number(view.getBigUint64((p += 8) - 8, true));
        if (uncompressedSize === 0xffffffff) uncompressedSize = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
      }
      e += 4 + size;
    }
    entries.push({ name, method, compressedSize, localHeaderOffset });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function entryBytes(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== 0x04034b50) throw new NpyFormatError(`corrupt .npz entry ${entry.name}`);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const raw = bytes.subarray(start, start + entry.compressedSize);
  if (raw.length < entry.compressedSize) throw new NpyFormatError(`truncated .npz entry ${entry.name}`);
  if (entry.method === 0) return raw;
  if (entry.method === 8) return new Uint8Array(inflateRawSync(raw));
  throw new NpyFormatError(`.npz entry ${entry.name} uses zip compression method ${entry.method} (stored and deflated are supported)`);
}

/** The arrays of an .npz file by name (numpy.savez's keywords; the ".npy" suffix dropped). */
export function parseNpz(bytes: Uint8Array): Map<string, NpyArray> {
  const arrays = new Map<string, NpyArray>();
  for (const entry of zipEntries(bytes)) {
    if (entry.name.endsWith("/")) continue;
    const name = entry.name.replace(/\.npy$/, "");
    try {
      arrays.set(name, parseNpy(entryBytes(bytes, entry)));
    } catch (error) {
      if (error instanceof NpyFormatError) throw new NpyFormatError(`${name}: ${error.message}`);
      throw error;
    }
  }
  return arrays;
}
