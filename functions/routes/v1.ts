/**
 * The v1 protocol as TensorFlow Serving's REST API speaks it:
 *   POST /v1/models/{name}[/versions/{v}|/labels/{alias}]:predict
 *   GET  /v1/models/{name}[/versions/{v}|/labels/{alias}]            model status
 *   GET  /v1/models/{name}[/versions/{v}|/labels/{alias}]/metadata   the signature
 * Requests in row (`instances`) or columnar (`inputs`) format get `predictions` or `outputs`.
 * Models made by our trainer also take raw records (`{"sepal_length": 5.1, ...}`), held to the
 * feature schema (functions/registry/record-encoding.ts), and answer — records or array rows —
 * with label names or values.
 */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { badRequest, HttpError, notFound } from "../errors.ts";
import { answerJson } from "../http/answer.ts";
import { checkTensorLimits } from "../inference/limits.ts";
import { findManifest, infer, type InferenceResult } from "../inference/run.ts";
import { isolateState } from "../isolate.ts";
import { ort } from "../ort/runtime.ts";
import { readJsonBody } from "../protocol/read-json.ts";
import { isPlainObject } from "../protocol/parse-with.ts";
import { columnInputs, columnRecords, namesInputs, parsePredictRequest, rowInputs, type PredictRequest } from "../protocol/v1-request.ts";
import { answerColumns, columnOutputs, modelMetadata, modelStatus, rowPredictions } from "../protocol/v1-response.ts";
import { decodePredictions, encodeRecords, featureSchemaIn, FeatureSchemaError, type FeatureSchema } from "../registry/feature-schema.ts";
import type { Manifest } from "../registry/manifest.ts";
import { featureNames, type EncodedRecords } from "../registry/record-encoding.ts";
import { listManifests } from "../registry/store.ts";

/** How the path names the version: not at all (`latest`), by version id, or by label (alias). */
type VersionKind = "version" | "alias" | undefined;

const PREDICT = ":predict";

/** "iris:predict" → "iris"; a path segment without a method is a resource that only GET serves. */
function predictTarget(segment: string): string {
  const separator = segment.lastIndexOf(":");
  if (separator < 0) throw new HttpError(405, `POST is not allowed here; POST to ${segment}${PREDICT}, or GET the model's status`, { Allow: "GET, HEAD" });
  if (segment.slice(separator) !== PREDICT) {
    throw notFound(`unknown v1 method "${segment.slice(separator + 1)}"; the v1 method served is :predict`);
  }
  return segment.slice(0, separator);
}

/** A GET path segment ending in a method ("iris:predict") names the predict call, which only POST serves. */
function resource(segment: string): string {
  if (segment.includes(":")) throw new HttpError(405, `GET is not allowed on ${segment}; :predict takes POST`, { Allow: "POST" });
  return segment;
}

function outputsOf(result: InferenceResult) {
  return Object.fromEntries(result.outputs.map(({ name, tensor }) => [name, { data: tensor.data as ArrayLike<number | bigint>, dims: tensor.dims }]));
}

/** Answers in the feature schema's terms (label names or values), in the request's format, with what was imputed or ignored. */
function schemaAnswer(request: PredictRequest, manifest: Manifest, schema: FeatureSchema, result: InferenceResult, encoded?: EncodedRecords) {
  let answers: unknown[];
  try {
    answers = decodePredictions(schema, outputsOf(result));
  } catch (error) {
    if (error instanceof FeatureSchemaError) throw badRequest(`the model's outputs do not match its feature schema: ${error.message}`);
    throw error;
  }
  const body: Record<string, unknown> = request.format === "row" ? { predictions: answers } : { outputs: answerColumns(schema, answers) };
  if (encoded?.adjustments) body.adjustments = encoded.adjustments;
  body.model_version = manifest.version;
  return answerJson(body);
}

/** Raw records → the trainer's feature encoding → the model. */
async function predictRecords(c: Context<AppEnv>, request: PredictRequest, manifest: Manifest, schema: FeatureSchema, records: unknown[]) {
  checkTensorLimits([[records.length, schema.inputWidth]], isolateState(c.env).settings);
  let encoded: EncodedRecords;
  try {
    encoded = encodeRecords(schema, records, request.rules);
  } catch (error) {
    if (error instanceof FeatureSchemaError) throw badRequest(`${request.format === "row" ? "instances" : "inputs"}: ${error.message}`);
    throw error;
  }
  const result = await infer(c, manifest, () => ({ [schema.inputName]: new ort.Tensor("float32", encoded.data, [encoded.rows, encoded.cols]) }));
  return schemaAnswer(request, manifest, schema, result, encoded);
}

async function predict(c: Context<AppEnv>, name: string, version: string | undefined, pick: VersionKind) {
  const request = parsePredictRequest(await readJsonBody(c));
  const manifest = await findManifest(c, name, version, pick);
  const schema = featureSchemaIn(manifest.metadata);
  const { maxJsonDepth } = isolateState(c.env).settings;
  const value = request.value;
  if (request.format === "row") {
    const instances = value as unknown[];
    checkTensorLimits([[instances.length]], isolateState(c.env).settings);
    const first = instances[0];
    if (schema && isPlainObject(first) && !namesInputs(first, manifest.inputs, featureNames(schema))) {
      return predictRecords(c, request, manifest, schema, instances);
    }
    const result = await infer(c, manifest, rowInputs(instances, manifest.inputs, maxJsonDepth));
    if (schema) return schemaAnswer(request, manifest, schema, result);
    return answerJson({ predictions: rowPredictions(result.outputs, instances.length), model_version: manifest.version });
  }
  if (schema && isPlainObject(value) && !namesInputs(value, manifest.inputs, featureNames(schema))) {
    return predictRecords(c, request, manifest, schema, columnRecords(value));
  }
  const result = await infer(c, manifest, columnInputs(value, manifest.inputs, maxJsonDepth));
  if (schema) return schemaAnswer(request, manifest, schema, result);
  return answerJson({ outputs: columnOutputs(result.outputs), model_version: manifest.version });
}

async function status(c: Context<AppEnv>, name: string, version: string | undefined, pick: VersionKind) {
  if (version === undefined) {
    await findManifest(c, name, undefined); // the model must exist (and the caller may see it)
    return answerJson(modelStatus((await listManifests(c.env.MODELS, name)).map((m) => m.version)));
  }
  return answerJson(modelStatus([(await findManifest(c, name, version, pick)).version]));
}

async function metadata(c: Context<AppEnv>, name: string, version: string | undefined, pick: VersionKind) {
  return answerJson(modelMetadata(await findManifest(c, name, version, pick)));
}

// One param name per position (`:name`, then `:version` for versions and labels alike) keeps Hono on
// its RegExpRouter. The POST routes' last segment carries the method: "iris:predict", "2:predict".
export const v1 = new Hono<AppEnv>()
  .get("/v1/models/:name", (c) => status(c, resource(c.req.param("name")), undefined, undefined))
  .get("/v1/models/:name/versions/:version", (c) => status(c, c.req.param("name"), resource(c.req.param("version")), "version"))
  .get("/v1/models/:name/labels/:version", (c) => status(c, c.req.param("name"), resource(c.req.param("version")), "alias"))
  .get("/v1/models/:name/metadata", (c) => metadata(c, c.req.param("name"), undefined, undefined))
  .get("/v1/models/:name/versions/:version/metadata", (c) => metadata(c, c.req.param("name"), c.req.param("version"), "version"))
  .get("/v1/models/:name/labels/:version/metadata", (c) => metadata(c, c.req.param("name"), c.req.param("version"), "alias"))
  .post("/v1/models/:name", (c) => predict(c, predictTarget(c.req.param("name")), undefined, undefined))
  .post("/v1/models/:name/versions/:version", (c) => predict(c, c.req.param("name"), predictTarget(c.req.param("version")), "version"))
  .post("/v1/models/:name/labels/:version", (c) => predict(c, c.req.param("name"), predictTarget(c.req.param("version")), "alias"));
