/**
 * The typed TypeScript client of edge-maas.
 *
 *   const maas = createMaasClient("https://maas.example.com", { apiKey });
 *   const { predictions } = await maas.predict("iris", [{ sepal_length: 5.1, ... }]);
 *   const { outputs } = await maas.infer("mnist", [{ name: "x", datatype: "FP32", shape: [1, 784], data }]);
 *
 * `maas.rpc` is the full Hono RPC client (hono/client) typed from the Worker's routes (AppType),
 * for anything the friendly methods do not cover.
 */
import { hc } from "hono/client";
import type { AppType } from "../functions/index.ts";
import type { InferInput } from "../functions/protocol/v2-request.ts";
import type { TensorSpec } from "../functions/registry/manifest.ts";

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

export interface PredictResponse<Prediction = unknown> {
  predictions: Prediction[];
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

export function createMaasClient(baseUrl: string, options: MaasClientOptions = {}) {
  const rpc = createRpcClient(baseUrl, options);
  const models = rpc.v2.models[":name"];
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
    /** v1 :predict — batch rows, or raw records (`{feature: value}`) for trainer-made models. */
    predict: async <Prediction = unknown>(model: string, instances: unknown[]): Promise<PredictResponse<Prediction>> =>
      answer<PredictResponse<Prediction>>(await rpc.v1.models[":target"].$post({ param: { target: `${encodeURIComponent(model)}:predict` } }, jsonBody({ instances }))),
  };
}

export type MaasClient = ReturnType<typeof createMaasClient>;
