/**
 * Calibration inputs for static int8 (`maas quantize --mode int8 --calibrate DATA`), from:
 *   .npz   one array per model input, named as the input (numpy.savez / savez_compressed);
 *   .npy   one array, for a model with a single input;
 *   .json  Open Inference Protocol v2 request bodies (one, or an array of them), as the typed
 *          client or `curl` sends them to /v2/models/NAME/infer.
 * The first axis of every array is the samples. An array with the input's rank is split along it
 * into batches of one (the model's batch axis); an array with one axis more gives each sample the
 * input's whole shape. float64 (NumPy's default) is narrowed to a float32 input, any integer array
 * widened to an int64 one; other mismatches, missing inputs and wrong shapes are errors.
 */
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { HttpError } from "../../../functions/errors.ts";
import { CODECS, ORT_TYPE_OF } from "../../../functions/protocol/datatypes.ts";
import { fillElements } from "../../../functions/protocol/json-data.ts";
import { describeZodError } from "../../../functions/protocol/parse-with.ts";
import { inferRequestSchema } from "../../../functions/protocol/v2-request.ts";
import type { Datatype } from "../../../functions/registry/manifest.ts";
import { DataType, type ModelProto } from "../../onnx/model-io.ts";
import type { Feeds, PlainTensor } from "../run-model.ts";
import { NpyFormatError, parseNpy, parseNpz, type NpyData } from "./npy.ts";

export class CalibrationDataError extends Error {
  override name = "CalibrationDataError";
}

export interface CalibrationSet {
  /** One feed per sample (a batch of one where the model has a batch axis). */
  feeds: Feeds[];
  samples: number;
  format: "npz" | "npy" | "v2-json";
}

/** An array as read, before it is matched to a model input. */
interface SampleArray {
  shape: number[];
  /** "float", "int", "bool" and the element type name for messages. */
  kind: "float" | "int" | "bool";
  dtype: string;
  data: NpyData | Float32Array | BigInt64Array;
}

interface ModelInput {
  name: string;
  elemType: number;
  /** Fixed dimensions; undefined where symbolic or absent. */
  dims: (number | undefined)[];
}

const TYPE_NAMES: Record<number, string> = { [DataType.FLOAT]: "float32", [DataType.DOUBLE]: "float64", [DataType.INT64]: "int64", [DataType.INT32]: "int32", [DataType.BOOL]: "bool" };

function modelInputs(model: ModelProto): ModelInput[] {
  const graph = model.graph!;
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  return (graph.input ?? []).filter((i) => i.name && !initializers.has(i.name)).map((i) => ({
    name: i.name!,
    elemType: i.type?.tensorType?.elemType ?? 0,
    dims: (i.type?.tensorType?.shape?.dim ?? []).map((d) => {
      const v = d.dimValue === undefined || d.dimValue === null ? NaN : Number(d.dimValue);
      return Number.isFinite(v) && v > 0 ? v : undefined;
    }),
  }));
}

function kindOfDtype(dtype: string): SampleArray["kind"] {
  return dtype.startsWith("f") ? "float" : dtype === "b1" ? "bool" : "int";
}

function readNumpy(path: string, bytes: Uint8Array, inputs: ModelInput[]): Map<string, SampleArray> {
  const arrays = new Map<string, SampleArray>();
  const add = (name: string, a: { dtype: string; shape: number[]; data: NpyData }): void => {
    arrays.set(name, { shape: a.shape, kind: kindOfDtype(a.dtype), dtype: a.dtype, data: a.data });
  };
  if (extname(path).toLowerCase() === ".npy") {
    if (inputs.length !== 1) throw new CalibrationDataError(`${path}: a .npy file holds one array, and the model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(", ")}): use an .npz with one array per input`);
    add(inputs[0].name, parseNpy(bytes));
  } else {
    for (const [name, a] of parseNpz(bytes)) add(name, a);
  }
  return arrays;
}

function httpMessage(error: unknown): never {
  if (error instanceof HttpError) throw new CalibrationDataError(error.message);
  throw error;
}

/** v2 request bodies: each input's tensors concatenated along the first axis, body after body. */
function readV2Json(path: string, bytes: Uint8Array): Map<string, SampleArray> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new CalibrationDataError(`${path}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const bodies = Array.isArray(parsed) ? parsed : [parsed];
  const parts = new Map<string, { datatype: string; shape: number[]; values: (Float32Array | BigInt64Array | Uint8Array | Float64Array)[] }>();
  bodies.forEach((body, b) => {
    const request = inferRequestSchema.safeParse(body);
    if (!request.success) throw new CalibrationDataError(`${path}: request ${b}: not a v2 inference request: ${describeZodError(request.error, body, inferRequestSchema)}`);
    for (const input of request.data.inputs) {
      const datatype = input.datatype as Datatype;
      if (!["FP32", "FP64", "FP16", "INT64", "INT32", "INT16", "INT8", "UINT8", "BOOL"].includes(datatype)) {
        throw new CalibrationDataError(`${path}: request ${b}: input "${input.name}" has datatype ${input.datatype} (numeric ones are read)`);
      }
      const count = input.shape.reduce((n, d) => n * d, 1);
      const codec = datatype.startsWith("FP") ? CODECS.FP64 : datatype === "BOOL" ? CODECS.BOOL : CODECS.INT64;
      let values;
      try {
        values = fillElements(input.name, datatype, codec, input.data, count) as Float64Array | BigInt64Array | Uint8Array;
      } catch (error) {
        httpMessage(error);
      }
      const entry = parts.get(input.name) ?? { datatype, shape: input.shape, values: [] };
      if (entry.shape.length !== input.shape.length || entry.shape.slice(1).some((d, i) => d !== input.shape[i + 1])) {
        throw new CalibrationDataError(`${path}: request ${b}: input "${input.name}" has shape [${input.shape.join(", ")}], an earlier request [${entry.shape.join(", ")}]: only the first axis may differ`);
      }
      if (entry.values.length) entry.shape = [entry.shape[0] + input.shape[0], ...entry.shape.slice(1)];
      entry.values.push(values);
      parts.set(input.name, entry);
    }
  });
  const arrays = new Map<string, SampleArray>();
  for (const [name, { datatype, shape, values }] of parts) {
    const total = values.reduce((n, v) => n + v.length, 0);
    const kind: SampleArray["kind"] = datatype.startsWith("FP") ? "float" : datatype === "BOOL" ? "bool" : "int";
    const data = kind === "float" ? new Float64Array(total) : kind === "bool" ? new Uint8Array(total) : new BigInt64Array(total);
    let at = 0;
    for (const v of values) {
      (data as Float64Array).set(v as Float64Array, at);
      at += v.length;
    }
    arrays.set(name, { shape, kind, dtype: ORT_TYPE_OF[datatype as Datatype], data });
  }
  return arrays;
}

/** The values of rows [from, to) of `a` converted to the input's element type. */
function rows(a: SampleArray, from: number, to: number, input: ModelInput): PlainTensor["data"] {
  const per = a.shape.slice(1).reduce((n, d) => n * d, 1);
  const slice = a.data.subarray(from * per, to * per);
  switch (input.elemType) {
    case DataType.FLOAT:
      return slice instanceof Float32Array ? slice : Float32Array.from(slice as Float64Array);
    case DataType.DOUBLE:
      return Float64Array.from(slice as Float32Array);
    case DataType.INT64:
      return slice instanceof BigInt64Array ? slice : BigInt64Array.from(slice as unknown as ArrayLike<number>, (v) => BigInt(v));
    case DataType.INT32:
      return Int32Array.from(slice as unknown as ArrayLike<number | bigint>, (v) => Number(v));
    case DataType.BOOL:
      return Uint8Array.from(slice as unknown as ArrayLike<number>);
    default:
      throw new CalibrationDataError(`input "${input.name}" has ONNX element type ${input.elemType}, which calibration does not read`);
  }
}

function accepts(input: ModelInput, a: SampleArray): boolean {
  if (input.elemType === DataType.FLOAT || input.elemType === DataType.DOUBLE) return a.kind === "float";
  if (input.elemType === DataType.INT64 || input.elemType === DataType.INT32) return a.kind === "int";
  if (input.elemType === DataType.BOOL) return a.kind === "bool";
  return false;
}

const shapeText = (dims: (number | undefined)[]): string => `(${dims.map((d) => d ?? "N").join(", ")})`;

/** The array shapes that fit an input: S rows on its first (batch) axis, or S whole inputs. */
function sampleShapes(dims: (number | undefined)[]): string {
  const whole = `(S, ${dims.map((d) => d ?? "N").join(", ")})`;
  if (dims.length === 0) return `(S)`;
  return dims[0] === undefined || dims[0] === 1 ? `(S${dims.slice(1).map((d) => `, ${d ?? "N"}`).join("")}) or ${whole}` : whole;
}

/** Reads DATA and splits it into one feed per sample for `model`; every problem is one CalibrationDataError line. */
export function readCalibrationData(path: string, model: ModelProto): CalibrationSet {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new CalibrationDataError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const extension = extname(path).toLowerCase();
  if (![".npz", ".npy", ".json"].includes(extension)) throw new CalibrationDataError(`${path}: calibration data is read from .npz, .npy or .json (v2 request bodies) files`);
  const inputs = modelInputs(model);
  let arrays: Map<string, SampleArray>;
  try {
    arrays = extension === ".json" ? readV2Json(path, bytes) : readNumpy(path, bytes, inputs);
  } catch (error) {
    if (error instanceof NpyFormatError) throw new CalibrationDataError(`${path}: ${error.message}`);
    throw error;
  }
  const missing = inputs.filter((i) => !arrays.has(i.name));
  if (missing.length) {
    throw new CalibrationDataError(`${path} has no array for model input${missing.length > 1 ? "s" : ""} ${missing.map((i) => `"${i.name}"`).join(", ")} (it has: ${[...arrays.keys()].join(", ") || "nothing"})`);
  }
  let samples: number | undefined;
  const plans = inputs.map((input) => {
    const a = arrays.get(input.name)!;
    if (!accepts(input, a)) throw new CalibrationDataError(`${path}: input "${input.name}" is ${TYPE_NAMES[input.elemType] ?? `ONNX type ${input.elemType}`}; its array is ${a.dtype}`);
    const rank = input.dims.length;
    // Rank equal: the first axis is the model's batch axis, one row per sample; one more: each sample is a whole input.
    const perSample = a.shape.length === rank ? [1, ...a.shape.slice(1)] : a.shape.length === rank + 1 ? a.shape.slice(1) : undefined;
    const fits = perSample !== undefined && perSample.every((d, axis) => input.dims[axis] === undefined || input.dims[axis] === d);
    if (!fits || a.shape.length === 0) {
      throw new CalibrationDataError(
        `${path}: input "${input.name}" has shape ${shapeText(input.dims)}; its array has shape (${a.shape.join(", ")}), expected ${sampleShapes(input.dims)} for S samples`,
      );
    }
    if (samples !== undefined && a.shape[0] !== samples) throw new CalibrationDataError(`${path}: the arrays have different sample counts (first axis ${samples} and ${a.shape[0]} for "${input.name}")`);
    samples = a.shape[0];
    return { input, a, perSample };
  });
  if (!samples) throw new CalibrationDataError(`${path}: no samples (the first axis is 0)`);
  const feeds: Feeds[] = [];
  for (let s = 0; s < samples; s++) {
    const feed: Feeds = {};
    for (const { input, a, perSample } of plans) {
      feed[input.name] = { type: TYPE_NAMES[input.elemType] ?? "float32", dims: perSample, data: rows(a, s, s + 1, input) };
    }
    feeds.push(feed);
  }
  return { feeds, samples, format: extension === ".npz" ? "npz" : extension === ".npy" ? "npy" : "v2-json" };
}
