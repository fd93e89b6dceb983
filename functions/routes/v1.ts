/**
 * The v1 (TensorFlow-Serving style) protocol for single-input models:
 * `POST /v1/models/{name}:predict` with `{"instances": [row, ...]}` → `{"predictions": [...]}`.
 * Each instance is one batch row of the model's input; each prediction is that row of the
 * output (or an object of outputs when the model has several). Models made by our trainer also
 * take raw records (`{"sepal_length": 5.1, ...}`) and answer with label names or values.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { badRequest, notFound } from "../errors.ts";
import { MAX_DATA_DEPTH } from "../protocol/json-data.ts";
import { checkTensorLimits } from "../inference/limits.ts";
import { tensorValues } from "../inference/outputs.ts";
import { findManifest, infer } from "../inference/run.ts";
import { isolateState } from "../isolate.ts";
import { ort, type Tensor } from "../ort/runtime.ts";
import { readJsonBody } from "../protocol/read-json.ts";
import { parseWith, type InferInput } from "../protocol/v2-request.ts";
import { decodePredictions, encodeRecords, FeatureSchemaError, parseFeatureSchema, type FeatureSchema } from "../registry/feature-schema.ts";
import type { Manifest } from "../registry/manifest.ts";

const predictRequestSchema = z.object({ instances: z.array(z.unknown()).min(1) });

/** The dims of a nested array, read along its first elements. */
function nestedShape(value: unknown): number[] {
  const shape: number[] = [];
  let current = value;
  while (Array.isArray(current)) {
    if (shape.length >= MAX_DATA_DEPTH) throw badRequest(`instances are nested deeper than ${MAX_DATA_DEPTH} levels`);
    shape.push(current.length);
    current = current[0];
  }
  return shape;
}

function nest(values: unknown[], dims: readonly number[]): unknown {
  if (dims.length === 0) return values[0];
  if (dims.length === 1) return values;
  const step = values.length / dims[0];
  return Array.from({ length: dims[0] }, (_, i) => nest(values.slice(i * step, (i + 1) * step), dims.slice(1)));
}

/** Row `row` of a batch-major tensor as nested JS values. */
function rowOf(values: unknown[], tensor: Tensor, row: number): unknown {
  const rowDims = tensor.dims.slice(1);
  const size = rowDims.reduce((a, b) => a * b, 1);
  return nest(values.slice(row * size, (row + 1) * size), rowDims);
}

function featureSchemaOf(manifest: Manifest): FeatureSchema | undefined {
  try {
    return parseFeatureSchema(manifest.metadata ?? {});
  } catch {
    return undefined; // a malformed schema: the model is still servable as plain tensors
  }
}

const isRecord = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);

/** Raw records → the trainer's feature encoding → label names or values. */
async function predictRecords(c: Context<AppEnv>, manifest: Manifest, schema: FeatureSchema, instances: unknown[]) {
  let encoded: ReturnType<typeof encodeRecords>;
  try {
    encoded = encodeRecords(schema, instances);
  } catch (error) {
    if (error instanceof FeatureSchemaError) throw badRequest(`instances: ${error.message}`);
    throw error;
  }
  const outputNames = [schema.outputs.probabilities, schema.outputs.label, schema.outputs.prediction].filter((n): n is string => !!n);
  const result = await infer(
    c,
    manifest,
    () => ({ [schema.inputName]: new ort.Tensor("float32", encoded.data, [encoded.rows, encoded.cols]) }),
    outputNames,
  );
  const outputs = Object.fromEntries(
    result.outputs.map(({ name, tensor }) => [name, { data: tensor.data as ArrayLike<number | bigint>, dims: tensor.dims }]),
  );
  return c.json({ predictions: decodePredictions(schema, outputs), model_version: manifest.version });
}

async function predict(c: Context<AppEnv>, target: string) {
  const separator = target.lastIndexOf(":");
  if (separator < 0 || target.slice(separator + 1) !== "predict") throw notFound(`unknown v1 method in "${target}"; use {name}:predict`);
  const name = target.slice(0, separator);
  const { instances } = parseWith(predictRequestSchema, await readJsonBody(c), "predict request");
  checkTensorLimits([[instances.length]], isolateState(c.env).settings);
  const manifest = await findManifest(c, name, undefined);
  const schema = featureSchemaOf(manifest);
  if (schema && isRecord(instances[0])) return predictRecords(c, manifest, schema, instances);
  if (manifest.inputs.length !== 1) {
    throw badRequest(`model "${name}" has ${manifest.inputs.length} inputs; the v1 protocol serves single-input models — use v2 /infer`);
  }
  const spec = manifest.inputs[0];
  const input: InferInput = { name: spec.name, datatype: spec.datatype, shape: [instances.length, ...nestedShape(instances[0])], data: instances };
  const result = await infer(c, manifest, [input]);
  const perOutput = result.outputs.map(({ name, tensor }) => {
    if (tensor.dims[0] !== instances.length) {
      throw badRequest(`output "${name}" is not batched by instance (shape [${tensor.dims.join(", ")}]); use v2 /infer`);
    }
    return { name, tensor, values: tensorValues(tensor) };
  });
  const predictions = instances.map((_, row) =>
    perOutput.length === 1
      ? rowOf(perOutput[0].values, perOutput[0].tensor, row)
      : Object.fromEntries(perOutput.map((o) => [o.name, rowOf(o.values, o.tensor, row)])),
  );
  return c.json({ predictions, model_version: manifest.version });
}

export const v1 = new Hono<AppEnv>()
  .get("/v1/models/:name", async (c) => {
    const manifest = await findManifest(c, c.req.param("name"), undefined);
    return c.json({ name: manifest.name, version: manifest.version, ready: true });
  })
  // `:name` here is "name:predict"; the same param name as the GET route keeps Hono on its
  // RegExpRouter (different names at one position make it fall back to the slower TrieRouter).
  .post("/v1/models/:name", (c) => predict(c, c.req.param("name")));
