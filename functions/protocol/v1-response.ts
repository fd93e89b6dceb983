/**
 * v1 answers in TensorFlow Serving's forms: `predictions` (row format: one entry per instance, an
 * object of named outputs when there are several), `outputs` (columnar: the tensor, or an object of
 * named tensors), GetModelStatusResponse and GetModelMetadataResponse as JSON.
 */
import { badRequest } from "../errors.ts";
import { tensorValues } from "../inference/outputs.ts";
import type { Tensor } from "../ort/runtime.ts";
import type { FeatureSchema } from "../registry/feature-schema.ts";
import type { Datatype, Manifest, TensorSpec } from "../registry/manifest.ts";
import { SIGNATURE_NAME } from "./v1-request.ts";

type NamedTensor = { name: string; tensor: Tensor };

function nest(values: readonly unknown[], dims: readonly number[], start: number, end: number): unknown {
  if (dims.length === 0) return values[start];
  if (dims.length === 1) return values.slice(start, end);
  const step = (end - start) / dims[0];
  const inner = dims.slice(1);
  return Array.from({ length: dims[0] }, (_, i) => nest(values, inner, start + i * step, start + (i + 1) * step));
}

/** Row format: one prediction per instance — the output's row, or an object of every output's row. */
export function rowPredictions(outputs: readonly NamedTensor[], rows: number): unknown[] {
  const perOutput = outputs.map(({ name, tensor }) => {
    if (tensor.dims[0] !== rows) {
      throw badRequest(`output "${name}" is not batched by instance (shape [${tensor.dims.join(", ")}]); use the columnar "inputs" format`);
    }
    return { name, rowDims: tensor.dims.slice(1), values: tensorValues(tensor) };
  });
  return Array.from({ length: rows }, (_, row) => {
    const rowOf = (o: (typeof perOutput)[number]) => {
      const size = o.values.length / rows;
      return nest(o.values, o.rowDims, row * size, (row + 1) * size);
    };
    if (perOutput.length === 1) return rowOf(perOutput[0]);
    const named: Record<string, unknown> = {};
    for (const o of perOutput) named[o.name] = rowOf(o);
    return named;
  });
}

/** Columnar format: the output's whole tensor, or an object of every output's. */
export function columnOutputs(outputs: readonly NamedTensor[]): unknown {
  const whole = ({ tensor }: NamedTensor) => {
    const values = tensorValues(tensor);
    return nest(values, tensor.dims, 0, values.length);
  };
  if (outputs.length === 1) return whole(outputs[0]);
  return Object.fromEntries(outputs.map((o) => [o.name, whole(o)]));
}

/**
 * Columnar format for answers in the feature schema's terms: a classifier's `label` and
 * `probabilities` each as a list over rows; a regressor's values as the one list.
 */
export function answerColumns(schema: FeatureSchema, answers: readonly unknown[]): unknown {
  if (schema.task !== "classification") return answers;
  const rows = answers as ReadonlyArray<{ label: string; probabilities: Record<string, number> }>;
  return { label: rows.map((a) => a.label), probabilities: rows.map((a) => a.probabilities) };
}

/** GetModelStatusResponse: every listed version is servable (it loads on its first request). */
export function modelStatus(versions: readonly string[]) {
  return {
    model_version_status: versions.map((version) => ({ version, state: "AVAILABLE", status: { error_code: "OK", error_message: "" } })),
  };
}

const TF_DTYPES: Record<Datatype, string> = {
  BOOL: "DT_BOOL",
  UINT8: "DT_UINT8",
  UINT16: "DT_UINT16",
  UINT32: "DT_UINT32",
  UINT64: "DT_UINT64",
  INT8: "DT_INT8",
  INT16: "DT_INT16",
  INT32: "DT_INT32",
  INT64: "DT_INT64",
  FP16: "DT_HALF",
  FP32: "DT_FLOAT",
  FP64: "DT_DOUBLE",
  BYTES: "DT_STRING",
};

function tensorInfo(spec: TensorSpec) {
  // proto3 JSON writes int64 as a string; -1 is a dimension of any size.
  return { dtype: TF_DTYPES[spec.datatype], tensor_shape: { dim: spec.shape.map((size) => ({ size: String(size) })), unknown_rank: false }, name: spec.name };
}

/** GetModelMetadataResponse: the model's one signature, its inputs and outputs. */
export function modelMetadata(manifest: Manifest) {
  const byName = (specs: readonly TensorSpec[]) => Object.fromEntries(specs.map((s) => [s.name, tensorInfo(s)]));
  return {
    model_spec: { name: manifest.name, signature_name: "", version: manifest.version },
    metadata: {
      signature_def: {
        signature_def: {
          [SIGNATURE_NAME]: { inputs: byName(manifest.inputs), outputs: byName(manifest.outputs), method_name: "tensorflow/serving/predict" },
        },
      },
    },
  };
}
