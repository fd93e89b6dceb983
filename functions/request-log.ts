/**
 * One JSON line per request: what was asked, which model version answered, the status and
 * timings, and the caller's key *name* — never key material. (Hono's logger prints plain text;
 * log pipelines want JSON, hence this small middleware.)
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.ts";

export const requestLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = Date.now();
  await next();
  const principal = c.get("principal");
  const served = c.get("servedModel");
  console.log(
    JSON.stringify({
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
    }),
  );
};
