/** One bounded load run with autocannon (the same generator for every server), summarised. */
import autocannon from "autocannon";

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Responses that were not 2xx, and connection errors/timeouts: a valid run has none. */
  failures: number;
}

export interface LoadOptions {
  url: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  connections: number;
  durationSeconds: number;
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
  const result = await run(options);
  return {
    requestsPerSecond: result.requests.total / Math.max(result.duration, 1e-9),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

/** The round with the median throughput (its latencies with it): one slow round on a shared machine does not decide. */
export function medianRound(rounds: readonly LoadResult[]): LoadResult {
  const sorted = [...rounds].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
