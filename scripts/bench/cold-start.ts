/**
 * Cold start and memory of one model on a fresh workerd process: the first inference request's
 * time to answer (ORT wasm instantiation, R2 read, sha256, session creation, one run) and how much
 * the process's peak resident memory grew over its idle size for it.
 */
import { inputRows } from "./models.ts";
import type { ServerProcess } from "./server-process.ts";

export interface ColdStart {
  model: string;
  /** Whether the isolate had already started ORT (served another model) before this one. */
  isolate: "fresh" | "warm";
  modelBytes: number;
  /** First request sent → full answer received, ms. */
  firstAnswerMs: number;
  /** The Worker's own Server-Timing `load` for that request, ms. */
  serverLoadMs: number;
  /** A second request right after (warm), ms. */
  warmAnswerMs: number;
  idleRssBytes: number;
  peakRssBytes: number;
  /** peak − idle: what serving this model cost the isolate's process. */
  peakGrowthBytes: number;
}

function inferBody(widths: readonly number[]): string {
  return JSON.stringify({ inputs: [{ name: "x", shape: [1, widths[0]], datatype: "FP32", data: inputRows(widths, 1) }] });
}

async function timedInfer(server: ServerProcess, model: string, body: string): Promise<{ ms: number; serverTiming: string }> {
  const started = performance.now();
  const response = await fetch(`${server.baseUrl}/v2/models/${model}/infer`, { method: "POST", headers: { "content-type": "application/json" }, body });
  const text = await response.text();
  const ms = performance.now() - started;
  if (!response.ok) throw new Error(`${model}: ${response.status} ${text.slice(0, 300)}`);
  return { ms, serverTiming: response.headers.get("server-timing") ?? "" };
}

/**
 * `start` must give a process that has not served any model yet. With `prime`, another (tiny)
 * model is served first, so the figures leave out ORT's one-time start in the isolate.
 */
export async function measureColdStart(
  start: () => Promise<ServerProcess>,
  model: string,
  widths: readonly number[],
  modelBytes: number,
  prime?: { model: string; widths: readonly number[] },
): Promise<ColdStart> {
  const server = await start();
  try {
    if (prime) await timedInfer(server, prime.model, inferBody(prime.widths));
    const idle = server.memory().rssBytes;
    const body = inferBody(widths);
    const first = await timedInfer(server, model, body);
    const warm = await timedInfer(server, model, body);
    const { peakRssBytes } = server.memory();
    const load = /load;dur=([\d.]+)/.exec(first.serverTiming);
    return {
      model,
      isolate: prime ? "warm" : "fresh",
      modelBytes,
      firstAnswerMs: first.ms,
      serverLoadMs: load ? Number(load[1]) : NaN,
      warmAnswerMs: warm.ms,
      idleRssBytes: idle,
      peakRssBytes,
      peakGrowthBytes: peakRssBytes - idle,
    };
  } finally {
    await server.stop();
  }
}
