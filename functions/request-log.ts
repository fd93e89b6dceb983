/**
 * One JSON line per request: what was asked, which model version answered, the status and
 * timings, and the caller's key *name* — never key material. (Hono's logger prints plain text;
 * log pipelines want JSON, hence this small middleware.) REQUEST_LOG picks which requests are
 * logged: the line costs ~25 µs of CPU per inference on workerd (console.log ~14 of it), a sixth
 * of a small model's request, so a deployment that relies on Cloudflare's own invocation logs may
 * keep only the errors, or none.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.ts";
import { perSettings } from "./per-settings.ts";

function logLine(c: Context<AppEnv>, started: number): string {
  const principal = c.get("principal");
  const served = c.get("servedModel");
  return JSON.stringify({
    at: new Date(started).toISOString(),
    requestId: c.get("requestId"),
    method: c.req.method,
    path: c.req.path,
    status: c.res.status,
    model: served?.name ?? null,
    version: served?.version ?? null,
    key: principal?.kind === "key" ? principal.key.name : null,
    durationMs: Date.now() - started,
    timing: c.res.headers.get("Server-Timing"),
  });
}

function logRequests(errorsOnly: boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = Date.now();
    await next();
    if (!errorsOnly || c.res.status >= 400) console.log(logLine(c, started));
  };
}

export const requestLog = perSettings(({ requestLog: mode }) => (mode === "off" ? undefined : logRequests(mode === "errors")));
