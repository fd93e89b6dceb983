/**
 * The Server-Timing header: handlers add metrics (`recordMetric`, or `timed` around a step) and
 * the header ends with the request's total — the same header hono/timing writes
 * (`load;dur=0.0;desc="session warm",infer;dur=1.0,total;dur=1.0;desc="Total Response Time"`),
 * assembled without its per-metric Map and regex escaping: descriptions are this Worker's own
 * words, never the caller's, with no quote or backslash (issue 17: Hono's cost ~8 µs per request).
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";

/** The metrics of one request, in the order recorded: `name;dur=…[;desc="…"]` entries. */
export interface ServerTiming {
  entries: string[];
  start: number;
}

function entry(name: string, milliseconds: number, description?: string): string {
  return description === undefined ? `${name};dur=${milliseconds.toFixed(1)}` : `${name};dur=${milliseconds.toFixed(1)};desc="${description}"`;
}

export function startServerTiming(c: Context<AppEnv>): ServerTiming {
  const timing: ServerTiming = { entries: [], start: performance.now() };
  c.set("serverTiming", timing);
  return timing;
}

export function recordMetric(c: Context<AppEnv>, name: string, milliseconds: number, description?: string): void {
  c.get("serverTiming")?.entries.push(entry(name, milliseconds, description));
}

/** Runs `step` and records how long it took, whether it succeeded or threw. */
export async function timed<T>(c: Context<AppEnv>, name: string, step: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await step();
  } finally {
    recordMetric(c, name, performance.now() - start);
  }
}

/** The header's value, with the total last. */
export function serverTimingValue(timing: ServerTiming): string {
  timing.entries.push(entry("total", performance.now() - timing.start, "Total Response Time"));
  return timing.entries.join(",");
}
