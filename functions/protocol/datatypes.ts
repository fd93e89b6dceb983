/**
 * Open Inference Protocol datatypes and their onnxruntime tensor types, with the per-element
 * checks that turn JSON values into typed-array contents.
 */
import type { Datatype } from "../registry/manifest.ts";
import { toHalfBits } from "./float16.ts";

export type OrtType =
  | "bool" | "uint8" | "uint16" | "uint32" | "uint64" | "int8" | "int16" | "int32" | "int64"
  | "float16" | "float32" | "float64" | "string";

export const ORT_TYPE_OF: Record<Datatype, OrtType> = {
  BOOL: "bool",
  UINT8: "uint8",
  UINT16: "uint16",
  UINT32: "uint32",
  UINT64: "uint64",
  INT8: "int8",
  INT16: "int16",
  INT32: "int32",
  INT64: "int64",
  FP16: "float16",
  FP32: "float32",
  FP64: "float64",
  BYTES: "string",
};

export const DATATYPE_OF: Record<string, Datatype> = Object.fromEntries(
  Object.entries(ORT_TYPE_OF).map(([datatype, ortType]) => [ortType, datatype as Datatype]),
);

export type TypedStorage =
  | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array
  | BigInt64Array | BigUint64Array | Float32Array | Float64Array;

type FixedSizeDatatype = Exclude<Datatype, "BYTES">;

export interface StorageConstructor {
  new (length: number): TypedStorage;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedStorage;
  readonly BYTES_PER_ELEMENT: number;
}

/** The typed array each fixed-size datatype is stored in (BOOL one byte each; FP16 as its bit patterns). */
export const STORAGE_OF: Record<FixedSizeDatatype, StorageConstructor> = {
  BOOL: Uint8Array, UINT8: Uint8Array, INT8: Int8Array, UINT16: Uint16Array, INT16: Int16Array, FP16: Uint16Array,
  UINT32: Uint32Array, INT32: Int32Array, FP32: Float32Array, UINT64: BigUint64Array, INT64: BigInt64Array, FP64: Float64Array,
};

const storage = (datatype: FixedSizeDatatype) => (n: number) => new STORAGE_OF[datatype](n);

/** How one datatype is stored and how a JSON element is checked and converted. */
export interface ElementCodec {
  allocate(length: number): TypedStorage | string[];
  /** Converts one JSON value, or returns undefined when it is not valid for the datatype. */
  convert(value: unknown): number | bigint | string | undefined;
}

function integer(min: number, max: number): (value: unknown) => number | undefined {
  return (value) => (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max ? value : undefined);
}

function bigInteger(min: bigint, max: bigint): (value: unknown) => bigint | undefined {
  return (value) => {
    let big: bigint;
    if (typeof value === "number" && Number.isSafeInteger(value)) big = BigInt(value);
    else if (typeof value === "string" && /^-?\d{1,20}$/.test(value)) big = BigInt(value); // beyond 2^53, as a string
    else return undefined;
    return big >= min && big <= max ? big : undefined;
  };
}

const finite = (value: unknown): number | undefined => (typeof value === "number" && Number.isFinite(value) ? value : undefined);

export const CODECS: Record<Datatype, ElementCodec> = {
  BOOL: { allocate: storage("BOOL"), convert: (v) => (v === true || v === 1 ? 1 : v === false || v === 0 ? 0 : undefined) },
  UINT8: { allocate: storage("UINT8"), convert: integer(0, 255) },
  UINT16: { allocate: storage("UINT16"), convert: integer(0, 65535) },
  UINT32: { allocate: storage("UINT32"), convert: integer(0, 4294967295) },
  UINT64: { allocate: storage("UINT64"), convert: bigInteger(0n, 2n ** 64n - 1n) },
  INT8: { allocate: storage("INT8"), convert: integer(-128, 127) },
  INT16: { allocate: storage("INT16"), convert: integer(-32768, 32767) },
  INT32: { allocate: storage("INT32"), convert: integer(-2147483648, 2147483647) },
  INT64: { allocate: storage("INT64"), convert: bigInteger(-(2n ** 63n), 2n ** 63n - 1n) },
  // Half floats travel as their bit patterns (what onnxruntime accepts everywhere).
  FP16: { allocate: storage("FP16"), convert: (v) => (typeof v === "number" && Number.isFinite(v) ? toHalfBits(v) : undefined) },
  FP32: { allocate: storage("FP32"), convert: finite },
  FP64: { allocate: storage("FP64"), convert: finite },
  BYTES: { allocate: (n) => new Array<string>(n), convert: (v) => (typeof v === "string" ? v : undefined) },
};

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };

/** FP codecs for models that accept NaN/±Infinity, which JSON can only carry as strings. */
function allowingNonFinite(codec: ElementCodec): ElementCodec {
  return { allocate: codec.allocate, convert: (v) => codec.convert(typeof v === "string" && v in NON_FINITE ? NON_FINITE[v] : v) };
}

export const NON_FINITE_CODECS: Record<Datatype, ElementCodec> = {
  ...CODECS,
  FP16: { allocate: CODECS.FP16.allocate, convert: (v) => (typeof v === "number" || (typeof v === "string" && v in NON_FINITE) ? toHalfBits(typeof v === "number" ? v : NON_FINITE[v]) : undefined) },
  FP32: allowingNonFinite({ allocate: CODECS.FP32.allocate, convert: (v) => (typeof v === "number" ? v : undefined) }),
  FP64: allowingNonFinite({ allocate: CODECS.FP64.allocate, convert: (v) => (typeof v === "number" ? v : undefined) }),
};

export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "number") return String(value);
  return typeof value;
}
