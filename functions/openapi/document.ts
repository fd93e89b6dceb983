/**
 * The OpenAPI 3.1 document of the Worker, served at GET /openapi.json. Every route of
 * functions/routes/ is listed here (test/node/openapi/ checks both directions against the app's
 * routes and validates the document against the OpenAPI specification).
 */
import { SERVER_NAME, SERVER_VERSION } from "../routes/health.ts";
import { componentSchemas } from "./schemas.ts";

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description: string): Json => ({ description, content: { "application/json": { schema } } });
const errorResponse = (description: string): Json => json(ref("Error"), description);

const nameParam: Json = { name: "name", in: "path", required: true, schema: { type: "string" }, description: "model name" };
const versionParam: Json = { name: "version", in: "path", required: true, schema: { type: "string" }, description: "version id or alias" };
/** v1 keeps versions and labels apart: `/versions/{version}` takes a version id only, `/labels/{label}` an alias only. */
const versionIdParam: Json = { name: "version", in: "path", required: true, schema: { type: "string" }, description: "version id" };
const labelParam: Json = { name: "label", in: "path", required: true, schema: { type: "string" }, description: "label (alias), e.g. latest or stable" };

/** The errors every model route can answer with (README.md, Security). */
const modelErrors: Json = {
  "400": errorResponse("invalid request"),
  "401": errorResponse("no API key where one is needed, or an invalid key"),
  "403": errorResponse("the key may not call this model"),
  "404": errorResponse("unknown model or version"),
  "405": errorResponse("a method this path does not serve; the Allow header lists those it does"),
  "413": errorResponse("request body or tensors over the limits"),
  "429": errorResponse("rate limited; see Retry-After"),
  "503": errorResponse("the model cannot be served now (missing/corrupted blob, over the memory budget, storage error)"),
};

function operation(operationId: string, summary: string, ok: Json, extra: Json = {}): Json {
  return { operationId, summary, responses: { "200": ok, ...modelErrors }, ...extra };
}

/** Routes that do not need a key (health and the pages). */
const open: Json = { security: [] };

function paths(): Json {
  const metadata = json(ref("ModelMetadata"), "model metadata (v2), with registry details under parameters");
  const ready = json(ref("ModelReady"), "the version is loaded and ready");
  // The binary tensor data extension (functions/protocol/binary-tensors.ts): a JSON header of
  // Inference-Header-Content-Length bytes, then the raw tensors, in requests and responses.
  const binaryBody: Json = {
    schema: {
      type: "string",
      format: "binary",
      description: "binary tensor data extension: an InferRequest/InferResponse JSON header of Inference-Header-Content-Length bytes, then each tensor with parameters.binary_data_size as raw little-endian bytes, in order",
    },
  };
  const headerLengthParam: Json = {
    name: "Inference-Header-Content-Length",
    in: "header",
    required: false,
    schema: { type: "integer", minimum: 1 },
    description: "binary tensor data extension: byte length of the JSON header at the start of the body",
  };
  const infer = (operationId: string, parameters: Json[]) =>
    operation(
      operationId,
      "Run inference (Open Inference Protocol v2)",
      {
        description: "the outputs: JSON, or a JSON header plus binary tensors (with the Inference-Header-Content-Length header) when an output was asked for as binary data",
        headers: { "Inference-Header-Content-Length": { schema: { type: "integer" }, description: "byte length of the JSON header (binary responses only)" } },
        content: { "application/json": { schema: ref("InferResponse") }, "application/octet-stream": binaryBody },
      },
      {
        parameters: [...parameters, headerLengthParam],
        requestBody: { required: true, content: { "application/json": { schema: ref("InferRequest") }, "application/octet-stream": binaryBody } },
      },
    );
  const status = json(ref("ModelStatus"), "each version's status (GetModelStatusResponse)");
  const v1Metadata = json(ref("V1ModelMetadata"), "the signature (GetModelMetadataResponse)");
  const predict = (operationId: string, summary: string, parameters: Json[]) =>
    operation(operationId, summary, json(ref("PredictResponse"), "`predictions` for a row-format request, `outputs` for a columnar one"), {
      parameters,
      requestBody: { required: true, content: { "application/json": { schema: ref("PredictRequest") } } },
    });
  return {
    "/v2/health/live": { get: { operationId: "serverLive", summary: "Liveness", ...open, responses: { "200": json({ type: "object", properties: { live: { type: "boolean" } } }, "alive") } } },
    "/v2/health/ready": { get: { operationId: "serverReady", summary: "Readiness", ...open, responses: { "200": json({ type: "object", properties: { ready: { type: "boolean" } } }, "ready") } } },
    "/v2": {
      get: {
        operationId: "serverMetadata",
        summary: "Server metadata",
        ...open,
        responses: { "200": json({ type: "object", properties: { name: { type: "string" }, version: { type: "string" }, extensions: { type: "array", items: { type: "string" } } } }, "server metadata") },
      },
    },
    "/v2/models": { get: operation("listModels", "Models the caller may call, with versions and aliases", json(ref("ModelListing"), "the listing")) },
    "/v2/models/{name}": { get: operation("modelMetadata", "Metadata of the model's default version", metadata, { parameters: [nameParam] }) },
    "/v2/models/{name}/versions/{version}": { get: operation("modelVersionMetadata", "Metadata of a version", metadata, { parameters: [nameParam, versionParam] }) },
    "/v2/models/{name}/ready": { get: operation("modelReady", "Load the default version and report readiness", ready, { parameters: [nameParam] }) },
    "/v2/models/{name}/versions/{version}/ready": { get: operation("modelVersionReady", "Load a version and report readiness", ready, { parameters: [nameParam, versionParam] }) },
    "/v2/models/{name}/infer": { post: infer("infer", [nameParam]) },
    "/v2/models/{name}/versions/{version}/infer": { post: infer("inferVersion", [nameParam, versionParam]) },
    "/v2/repository/index": {
      post: operation("repositoryIndex", "Every version, with whether this isolate has it loaded", json(ref("RepositoryIndex"), "the index"), {
        requestBody: { required: false, content: { "application/json": { schema: ref("RepositoryIndexRequest") } } },
      }),
    },
    "/v1/models/{name}": { get: operation("v1ModelStatus", "Status of every version (v1, TensorFlow Serving)", status, { parameters: [nameParam] }) },
    "/v1/models/{name}/versions/{version}": { get: operation("v1VersionStatus", "Status of a version (v1)", status, { parameters: [nameParam, versionIdParam] }) },
    "/v1/models/{name}/labels/{label}": { get: operation("v1LabelStatus", "Status of the version a label points at (v1)", status, { parameters: [nameParam, labelParam] }) },
    "/v1/models/{name}/metadata": { get: operation("v1ModelMetadata", "Signature of the latest version (v1)", v1Metadata, { parameters: [nameParam] }) },
    "/v1/models/{name}/versions/{version}/metadata": { get: operation("v1VersionMetadata", "Signature of a version (v1)", v1Metadata, { parameters: [nameParam, versionIdParam] }) },
    "/v1/models/{name}/labels/{label}/metadata": { get: operation("v1LabelMetadata", "Signature of the version a label points at (v1)", v1Metadata, { parameters: [nameParam, labelParam] }) },
    "/v1/models/{name}:predict": { post: predict("predict", "Predict with the latest version (v1)", [nameParam]) },
    "/v1/models/{name}/versions/{version}:predict": { post: predict("predictVersion", "Predict with a version (v1)", [nameParam, versionIdParam]) },
    "/v1/models/{name}/labels/{label}:predict": { post: predict("predictLabel", "Predict with the version a label points at (v1)", [nameParam, labelParam]) },
    "/": { get: { operationId: "playground", summary: "The playground and model cards (HTML)", ...open, responses: { "200": { description: "the page", content: { "text/html": { schema: { type: "string" } } } } } } },
    "/openapi.json": { get: { operationId: "openApiDocument", summary: "This document", ...open, responses: { "200": json({ type: "object" }, "the OpenAPI document") } } },
    "/ui/charts": {
      post: {
        operationId: "renderCharts",
        summary: "Draw training curves and a confusion matrix (SVG) from the given data, with the trainer's chart code",
        ...open,
        requestBody: { required: true, content: { "application/json": { schema: ref("ChartsRequest") } } },
        responses: {
          "200": json(ref("ChartsResponse"), "the charts the data allows"),
          "400": errorResponse("invalid request"),
          "401": errorResponse("an invalid API key (none is needed)"),
          "413": errorResponse("request body too large"),
          "429": errorResponse("rate limited like the API (per key, or per IP); see Retry-After"),
        },
      },
    },
  };
}

export function openApiDocument(serverUrl: string): Json {
  return {
    openapi: "3.1.0",
    info: {
      title: SERVER_NAME,
      version: SERVER_VERSION,
      description: "ONNX models served at the edge over the Open Inference Protocol v2 and v1 :predict.",
    },
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }, {}],
    paths: paths(),
    components: {
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "an API key (maas keys create); optional when anonymous access is on" } },
      schemas: componentSchemas(),
    },
  };
}
