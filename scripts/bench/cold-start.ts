/**
 * Cold start and memory of one model on a fresh server process: how long the process took to start
 * answering (for the Worker: script evaluation, which starts onnxruntime-web), the first inference
 * request's time to answer (R2 read, sha256, session creation, one run), and memory: peak resident
 * size after the first answer against the idle size before it and against a baseline process.
 */
import { inputRows } from "./models.ts";
import type { ServerProcess } from "./server-process.ts";

export interface ColdStart {
  model: string;
  /** Fresh processes measured; the figures are those of the one with the median first answer. */
  processes: number;
  /** Every process's first answer, ms, in the order run. */
  firstAnswersMs: number[];
  /** Whether the isolate had already started ORT (served another model) before this one. */
  isolate: "fresh" | "warm";
  modelBytes: number;
  /** Process spawned → answering its readiness route, ms (the Worker's isolate start-up is in here). */
  startupMs: number;
  /** First request sent → full answer received, ms. */
  firstAnswerMs: number;
  /** The Worker's own Server-Timing `load` for that request, ms. */
  serverLoadMs: number;
  /** A second request right after (warm), ms. */
  warmAnswerMs: number;
  idleRssBytes: number;
  peakRssBytes: number;
  /** peak − idle: what the first request for this model added to the running process. */
  peakGrowthBytes: number;
  /**
   * peak − the baseline process's resident size (for the Worker: the same workerd with the same
   * compiled wasm module but no Worker code run): everything serving this model costs, including
   * onnxruntime-web's own start. Absent without a baseline.
   */
  servingBytes?: number;
}

export function inferBody(widths: readonly number[]): string {
  return JSON.stringify({ inputs: [{ name: "x", shape: [1, widths[0]], datatype: "FP32", data: inputRows(widths, 1) }] });
}

export async function timedInfer(server: ServerProcess, model: string, body: string): Promise<{ ms: number; serverTiming: string }> {
  const started = performance.now();
  const response = await fetch(`${server.baseUrl}/v2/models/${model}/infer`, { method: "POST", headers: { "content-type": "application/json" }, body });
  const text = await response.text();
  const ms = performance.now() - started;
  if (!response.ok) throw new Error(`${model}: ${response.status} ${text.slice(0, 300)}`);
  return { ms, serverTiming: response.headers.get("server-timing") ?? "" };
}

/**
 * measureColdStart on `processes` fresh processes: the run with the median first answer, so one
 * noisy process on a shared machine does not decide the figure.
 */
export async function medianColdStart(processes: number, measure: () => Promise<ColdStart>): Promise<ColdStart> {
  const runs: ColdStart[] = [];
  for (let i = 0; i < processes; i++) runs.push(await measure());
  const median = [...runs].sort((a, b) => a.firstAnswerMs - b.firstAnswerMs)[Math.floor(runs.length / 2)];
  return { ...median, processes, firstAnswersMs: runs.map((r) => r.firstAnswerMs) };
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
  baselineRssBytes?: number,
): Promise<ColdStart> {
  const spawned = performance.now();
  const server = await start();
  const startupMs = performance.now() - spawned;
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
      processes: 1,
      firstAnswersMs: [first.ms],
      isolate: prime ? "warm" : "fresh",
      modelBytes,
      startupMs,
      firstAnswerMs: first.ms,
      serverLoadMs: load ? Number(load[1]) : NaN,
      warmAnswerMs: warm.ms,
      idleRssBytes: idle,
      peakRssBytes,
      peakGrowthBytes: peakRssBytes - idle,
      ...(baselineRssBytes === undefined ? {} : { servingBytes: peakRssBytes - baselineRssBytes }),
    };
  } finally {
    await server.stop();
  }
}
