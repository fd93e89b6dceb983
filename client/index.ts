/**
 * The typed TypeScript client of edge-maas.
 *
 *   const maas = createMaasClient("https://maas.example.com", { apiKey });
 *   const { predictions } = await maas.predict("iris", [{ sepal_length: 5.1, ... }]);
 *   const { outputs } = await maas.infer("mnist", [{ name: "x", datatype: "FP32", shape: [1, 784], data }]);
 *   const { outputs } = await maas.inferBinary("mnist", [{ name: "x", datatype: "FP32", shape: [64, 784], data: pixels }]);
 *
 * `maas.rpc` is the full Hono RPC client (hono/client) typed from the Worker's routes (AppType),
 * for anything the friendly methods do not cover.
 */
import { hc } from "hono/client";
import type { AppType } from "../functions/index.ts";
import {
  binaryBody,
  decodeBinaryTensor,
  encodeBinaryTensor,
  INFERENCE_HEADER_CONTENT_LENGTH,
  readBinaryBody,
  toTensorStorage,
  type WireTensor,
} from "../functions/protocol/binary-tensors.ts";
import type { TypedStorage } from "../functions/protocol/datatypes.ts";
import type { JsonInferInput as InferInput } from "../functions/protocol/v2-request.ts";
import type { Datatype, TensorSpec } from "../functions/registry/manifest.ts";

export type { AppType, InferInput };

export interface MaasClientOptions {
  /** Sent as `Authorization: Bearer <key>`; leave out when anonymous access is on. */
  apiKey?: string;
  /** Another fetch (tests, a Service binding's fetch, a proxy). */
  fetch?: typeof fetch;
}

/** A non-2xx answer of the API, with the Worker's error message. */
export class MaasApiError extends Error {
  override name = "MaasApiError";
  readonly status: number;
  constructor(status: number, message: string) {
    super(`${status}: ${message}`);
    this.status = status;
  }
}

export interface InferOutput {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
}

export interface InferResponse {
  id?: string;
  model_name: string;
  model_version: string;
  outputs: InferOutput[];
}

/** An input for inferBinary: `data` as a typed array of the datatype's kind, or JSON-style values (flat or nested). */
export interface BinaryInferInput {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: ArrayLike<unknown> | readonly unknown[];
}

/**
 * An output of inferBinary: `data` is a typed array (Float32Array for FP32, BigInt64Array for
 * INT64, Uint8Array of 0/1 for BOOL, Uint16Array of half-float bits for FP16) or strings for BYTES.
 */
export interface BinaryInferOutput {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: TypedStorage | string[];
}

export interface BinaryInferResponse {
  id?: string;
  model_name: string;
  model_version: string;
  outputs: BinaryInferOutput[];
}

export interface PredictResponse<Prediction = unknown> {
  predictions: Prediction[];
  /** Per row, what was imputed or ignored (null: nothing); present only when some row had something (README, "Records are checked"). */
  adjustments?: Array<{ imputed?: string[]; ignored_categories?: Record<string, string>; ignored_fields?: string[] } | null>;
  model_version: string;
}

/** What a trainer-made classifier answers per record. */
export interface ClassPrediction {
  label: string;
  probabilities: Record<string, number>;
}

export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  parameters: Record<string, unknown> & { version: string; sha256: string; bytes: number };
}

/** The hono/client RPC client for the Worker's routes. */
export function createRpcClient(baseUrl: string, options: MaasClientOptions = {}) {
  return hc<AppType>(baseUrl, {
    headers: options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {},
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** What answer() needs of a response (hono/client's ClientResponse and fetch's Response both have it). */
interface TextResponse {
  ok: boolean;
  status: number;
  statusText: string;
  text(): Promise<string>;
}

/** A JSON request body, as per-request hono/client options (the routes read raw JSON, so it is not in their input types). */
function jsonBody(value: unknown) {
  return { headers: { "Content-Type": "application/json" }, init: { body: JSON.stringify(value) } };
}

async function answer<T>(response: TextResponse): Promise<T> {
  const text = await response.text();
  if (!response.ok) {
    let message = text || response.statusText;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? message;
    } catch {
      // not JSON: keep the text
    }
    throw new MaasApiError(response.status, message);
  }
  return JSON.parse(text) as T;
}

const elementCount = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The path of a v2 route for a model and an optional version or alias. */
function modelPath(model: string, version: string | undefined, action: string): string {
  const name = encodeURIComponent(model);
  return version === undefined ? `/v2/models/${name}/${action}` : `/v2/models/${name}/versions/${encodeURIComponent(version)}/${action}`;
}

export function createMaasClient(baseUrl: string, options: MaasClientOptions = {}) {
  const rpc = createRpcClient(baseUrl, options);
  const models = rpc.v2.models[":name"];
  const fetchFn = options.fetch ?? fetch;
  const base = baseUrl.replace(/\/+$/, "");
  return {
    rpc,
    /** The models this key may call, with their versions and aliases. */
    listModels: async () => answer<{ models: { name: string; versions: { version: string }[]; aliases: Record<string, unknown> }[] }>(await rpc.v2.models.$get()),
    metadata: async (model: string, version?: string): Promise<ModelMetadata> =>
      answer<ModelMetadata>(
        version === undefined
          ? await models.$get({ param: { name: encodeURIComponent(model) } })
          : await models.versions[":version"].$get({ param: { name: encodeURIComponent(model), version: encodeURIComponent(version) } }),
      ),
    /** v2 inference with tensors; `version` is a version id or an alias (default: the model's default). */
    infer: async (model: string, inputs: InferInput[], request: { version?: string; outputs?: string[]; id?: string } = {}): Promise<InferResponse> => {
      const json = {
        ...(request.id === undefined ? {} : { id: request.id }),
        inputs,
        ...(request.outputs ? { outputs: request.outputs.map((name) => ({ name })) } : {}),
      };
      const name = encodeURIComponent(model);
      const response =
        request.version === undefined
          ? await models.infer.$post({ param: { name } }, jsonBody(json))
          : await models.versions[":version"].infer.$post({ param: { name, version: encodeURIComponent(request.version) } }, jsonBody(json));
      return answer<InferResponse>(response);
    },
    /**
     * v2 inference with the binary tensor data extension both ways: no JSON number formatting or
     * parsing, typed arrays in and out — the fast path for large tensors.
     */
    inferBinary: async (model: string, inputs: BinaryInferInput[], request: { version?: string; outputs?: string[]; id?: string } = {}): Promise<BinaryInferResponse> => {
      const chunks = inputs.map((input) => encodeBinaryTensor(toTensorStorage(input.name, input.datatype, input.data, elementCount(input.shape))));
      const header = {
        ...(request.id === undefined ? {} : { id: request.id }),
        parameters: { binary_data_output: true },
        inputs: inputs.map(({ name, datatype, shape }, i) => ({ name, datatype, shape, parameters: { binary_data_size: chunks[i].byteLength } })),
        ...(request.outputs ? { outputs: request.outputs.map((name) => ({ name })) } : {}),
      };
      const { body, headerLength } = binaryBody(JSON.stringify(header), chunks);
      const response = await fetchFn(`${base}${modelPath(model, request.version, "infer")}`, {
        method: "POST",
        headers: {
          "Content-Type": "application/octet-stream",
          [INFERENCE_HEADER_CONTENT_LENGTH]: String(headerLength),
          ...(options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {}),
        },
        body,
      });
      if (!response.ok) return answer<never>(response);
      const bytes = new Uint8Array(await response.arrayBuffer());
      // A server may answer in plain JSON (no output was binary): the whole body is then the header.
      const length = Number(response.headers.get(INFERENCE_HEADER_CONTENT_LENGTH) ?? bytes.byteLength);
      const { header: answered, binary } = readBinaryBody<Omit<BinaryInferResponse, "outputs"> & { outputs: WireTensor[] }>(bytes, length, (h) => h.outputs);
      const outputs = answered.outputs.map((output): BinaryInferOutput => {
        const datatype = output.datatype as Datatype;
        const raw = binary.get(output);
        const elements = elementCount(output.shape);
        const data = raw ? decodeBinaryTensor(output.name, datatype, raw, elements, { allowNonFinite: true }) : toTensorStorage(output.name, datatype, output.data ?? [], elements);
        return { name: output.name, datatype, shape: output.shape, data };
      });
      return { ...answered, outputs };
    },
    /** v1 :predict — batch rows, or raw records (`{feature: value}`) for trainer-made models. */
    predict: async <Prediction = unknown>(model: string, instances: unknown[]): Promise<PredictResponse<Prediction>> =>
      answer<PredictResponse<Prediction>>(await rpc.v1.models[":name"].$post({ param: { name: `${encodeURIComponent(model)}:predict` } }, jsonBody({ instances }))),
  };
}

export type MaasClient = ReturnType<typeof createMaasClient>;
