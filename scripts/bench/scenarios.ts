/** What one benchmark run measures, in full and in `--quick` size. */
import { binaryBody, INFERENCE_HEADER_CONTENT_LENGTH } from "../../functions/protocol/binary-tensors.ts";
import { inputRows } from "./models.ts";

export interface BenchConfig {
  quick: boolean;
  /** Seconds per load run, after `warmupSeconds` of unrecorded load. */
  durationSeconds: number;
  warmupSeconds: number;
  /** The small MLP and the large (~25M-parameter) model served under load. */
  small: readonly number[];
  large: readonly number[];
  /** Models for cold start and memory, by nominal size. */
  cold: { label: string; widths: readonly number[] }[];
  /** Runs per quantization mode for the ORT web-vs-node timing. */
  ortRuns: number;
  /** Load rounds per scenario, the servers taking turns in each; the median round is reported. */
  rounds: number;
}

export function benchConfig(quick: boolean): BenchConfig {
  return quick
    ? {
        quick,
        durationSeconds: 2,
        warmupSeconds: 0.5,
        small: [10, 64, 3],
        large: [1024, 3072, 1024],
        cold: [
          { label: "1 MB", widths: [256, 512, 256] },
          { label: "25 MB", widths: [1024, 3072, 1024] },
        ],
        ortRuns: 10,
        rounds: 1,
      }
    : {
        quick,
        durationSeconds: 5,
        warmupSeconds: 1,
        small: [10, 64, 3],
        large: [1024, 4096, 4096, 1024],
        cold: [
          { label: "1 MB", widths: [256, 512, 256] },
          { label: "25 MB", widths: [1024, 3072, 1024] },
          { label: "100 MB", widths: [1024, 4096, 4096, 1024] },
        ],
        ortRuns: 30,
        rounds: 3,
      };
}

export interface LoadScenario {
  name: string;
  /** Model name, or undefined for the ping (GET /v2/health/live). */
  model?: "small" | "large";
  batch?: number;
  connections: number;
  /** Inputs and outputs in the v2 binary tensor data extension instead of JSON. */
  binary?: boolean;
  /** Slow scenarios run longer than the configured duration so that they complete several requests. */
  durationFactor?: number;
}

/** The large model at batch 64 takes long per request: fewer connections keep its latency readable. */
export const LOAD_SCENARIOS: readonly LoadScenario[] = [
  { name: "ping", connections: 16 },
  { name: "small MLP, batch 1", model: "small", batch: 1, connections: 16 },
  { name: "small MLP, batch 64", model: "small", batch: 64, connections: 16 },
  { name: "large MLP, batch 1", model: "large", batch: 1, connections: 8 },
  { name: "large MLP, batch 64", model: "large", batch: 64, connections: 1, durationFactor: 3 },
  { name: "large MLP, batch 64, binary", model: "large", batch: 64, connections: 1, durationFactor: 3, binary: true },
];

/** The peer Worker serves JSON inference only (one route). */
/**
 * The peer with our features runs where the goals are (the small MLP) and not on the large model:
 * a third 100 MB copy of it in the process, and minutes of load, for a figure no goal reads.
 */
export function peerWithFeaturesServes(scenario: LoadScenario): boolean {
  return peerServes(scenario) && scenario.model === "small";
}

export function peerServes(scenario: LoadScenario): boolean {
  return scenario.model !== undefined && !scenario.binary;
}

export function requestPath(scenario: LoadScenario): string {
  return scenario.model ? `/v2/models/${scenario.model}/infer` : "/v2/health/live";
}

export interface RequestBody {
  body: string | Buffer;
  headers: Record<string, string>;
}

/** `headers`: sent with every inference request (the API key); the ping goes without. */
export function requestBody(scenario: LoadScenario, widths: readonly number[], headers: Record<string, string> = {}): RequestBody | undefined {
  if (!scenario.model || !scenario.batch) return undefined;
  const shape = [scenario.batch, widths[0]];
  const rows = inputRows(widths, scenario.batch);
  if (!scenario.binary) {
    return { body: JSON.stringify({ inputs: [{ name: "x", shape, datatype: "FP32", data: rows }] }), headers: { ...headers, "content-type": "application/json" } };
  }
  const values = new Uint8Array(new Float32Array(rows).buffer);
  const header = { parameters: { binary_data_output: true }, inputs: [{ name: "x", shape, datatype: "FP32", parameters: { binary_data_size: values.byteLength } }] };
  const { body, headerLength } = binaryBody(JSON.stringify(header), [values]);
  return { body: Buffer.from(body), headers: { ...headers, "content-type": "application/octet-stream", [INFERENCE_HEADER_CONTENT_LENGTH]: String(headerLength) } };
}
