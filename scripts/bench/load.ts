/** One bounded load run with autocannon (the same generator for every server), summarised. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import autocannon from "autocannon";

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Responses that were not 2xx, and connection errors/timeouts: a valid run has none. */
  failures: number;
  /**
   * CPU time (user + system, all threads) the serving process spent per request during the run,
   * from /proc: the server's own cost, without the load generator's share of the two cores that a
   * throughput figure carries. Undefined where /proc is not readable.
   */
  serverCpuUs?: number;
}

export interface LoadOptions {
  url: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  connections: number;
  durationSeconds: number;
  /** The serving process, for its CPU time per request (nothing else may load it during the run). */
  serverPid?: number;
}

let ticksPerSecond: number | undefined;

/** The process's user + system CPU time in µs, or undefined without /proc. */
function processCpuUs(pid: number): number | undefined {
  try {
    ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1e6;
  } catch {
    return undefined;
  }
}

function run(options: LoadOptions): Promise<autocannon.Result> {
  return autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: 30,
    ...(options.body === undefined
      ? { method: "GET" as const }
      : { method: "POST" as const, body: options.body, headers: options.headers ?? { "content-type": "application/json" } }),
  });
}

export async function measureLoad(options: LoadOptions, warmupSeconds: number): Promise<LoadResult> {
  if (warmupSeconds > 0) await run({ ...options, durationSeconds: warmupSeconds });
  const cpuBefore = options.serverPid === undefined ? undefined : processCpuUs(options.serverPid);
  const result = await run(options);
  const cpuAfter = options.serverPid === undefined ? undefined : processCpuUs(options.serverPid);
  return {
    requestsPerSecond: result.requests.total / Math.max(result.duration, 1e-9),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    failures: result.non2xx + result.errors + result.timeouts,
    ...(cpuBefore !== undefined && cpuAfter !== undefined && result.requests.total > 0 ? { serverCpuUs: (cpuAfter - cpuBefore) / result.requests.total } : {}),
  };
}

/** The round with the median throughput (its latencies with it): one slow round on a shared machine does not decide. */
export function medianRound(rounds: readonly LoadResult[]): LoadResult {
  const sorted = [...rounds].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
