/**
 * onnxruntime output tensors → v2 JSON. Written as one string without an intermediate array of
 * boxed numbers per element; int64 values are printed exactly (no rounding through doubles) and
 * non-finite floats, which JSON cannot carry, become null.
 */
import type { Tensor } from "../ort/runtime.ts";
import { DATATYPE_OF } from "../protocol/datatypes.ts";
import { fromHalfBits } from "../protocol/float16.ts";

function numbersJson(values: ArrayLike<number>): string {
  let text = "";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    text += (i ? "," : "") + (Number.isFinite(v) ? v : "null");
  }
  return `[${text}]`;
}

function dataJson(tensor: Tensor): string {
  const data = tensor.data as ArrayLike<unknown>;
  switch (tensor.type) {
    case "int64":
    case "uint64":
      return `[${Array.prototype.join.call(data, ",")}]`;
    case "bool":
      return `[${Array.prototype.map.call(data, (v) => (v ? "true" : "false")).join(",")}]`;
    case "string":
      return JSON.stringify(data);
    case "float16":
      // Without a native Float16Array, onnxruntime hands out the raw half-float bits.
      return data instanceof Uint16Array ? numbersJson(Array.from(data, fromHalfBits)) : numbersJson(data as ArrayLike<number>);
    default:
      return numbersJson(data as ArrayLike<number>);
  }
}

export function datatypeOfTensor(tensor: Tensor): string {
  return DATATYPE_OF[tensor.type] ?? tensor.type.toUpperCase();
}

/**
 * One entry of the v2 response's `outputs` array: with its values as `data`, or, given the byte
 * size of its values sent after the JSON header (binary tensor data extension), with that instead.
 */
export function outputJson(name: string, tensor: Tensor, binaryDataSize?: number): string {
  const values = binaryDataSize === undefined ? `"data":${dataJson(tensor)}` : `"parameters":{"binary_data_size":${binaryDataSize}}`;
  return `{"name":${JSON.stringify(name)},"datatype":"${datatypeOfTensor(tensor)}","shape":[${tensor.dims.join(",")}],${values}}`;
}

/** Plain JS values per output (used by the v1 protocol's row-wise predictions). */
export function tensorValues(tensor: Tensor): unknown[] {
  const data = tensor.data as ArrayLike<unknown>;
  if (tensor.type === "int64" || tensor.type === "uint64") {
    return Array.from(data as ArrayLike<bigint>, (v) => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()));
  }
  if (tensor.type === "bool") return Array.from(data, Boolean);
  if (tensor.type === "float16" && data instanceof Uint16Array) return Array.from(data, fromHalfBits);
  return Array.from(data, (v) => (typeof v === "number" && !Number.isFinite(v) ? null : v));
}
