/** What one benchmark run measures, in full and in `--quick` size. */
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
      };
}

export interface LoadScenario {
  name: string;
  /** Model name, or undefined for the ping (GET /v2/health/live). */
  model?: "small" | "large";
  batch?: number;
  connections: number;
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
];

export function requestPath(scenario: LoadScenario): string {
  return scenario.model ? `/v2/models/${scenario.model}/infer` : "/v2/health/live";
}

export function requestBody(scenario: LoadScenario, widths: readonly number[]): string | undefined {
  if (!scenario.model || !scenario.batch) return undefined;
  return JSON.stringify({ inputs: [{ name: "x", shape: [scenario.batch, widths[0]], datatype: "FP32", data: inputRows(widths, scenario.batch) }] });
}
