/**
 * Server-Timing as hono/timing writes it: handlers record metrics with hono/timing's `setMetric`,
 * `startTime` and `endTime` (they keep them in the `metric` variable set here), and the header ends
 * with the request's total, `total;dur=…;desc="Total Response Time"`. Timers still running at the
 * end are ended then, as hono/timing's autoEnd does.
 */
import type { Context } from "hono";
import { endTime } from "hono/timing";
import type { AppEnv } from "../app-env.ts";

const TOTAL = "total";

type Metrics = AppEnv["Variables"]["metric"];

export function startServerTiming(c: Context<AppEnv>): NonNullable<Metrics> {
  const metrics: NonNullable<Metrics> = { headers: [], timers: new Map([[TOTAL, { description: "Total Response Time", start: performance.now() }]]) };
  c.set("metric", metrics);
  return metrics;
}

/** The header's value; the metrics are final after this call. */
export function serverTimingValue(c: Context<AppEnv>, metrics: NonNullable<Metrics>): string {
  endTime(c, TOTAL);
  for (const name of metrics.timers.keys()) endTime(c, name);
  return metrics.headers.join(",");
}
