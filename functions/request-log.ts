/**
 * One JSON line per request: what was asked, which model version answered, the status and
 * timings, and the caller's key *name* — never key material. (Hono's logger prints plain text;
 * log pipelines want JSON, hence our own line; functions/http/every-request.ts writes it.)
 * REQUEST_LOG picks which requests are logged: whole-bundle A/B runs on workerd put the line at
 * up to ~25 µs of CPU per request, most of it console.log itself (16-21 µs per call in a bare
 * worker on workerd, whatever the line's length; building the line is a few µs), so a deployment
 * that relies on Cloudflare's own invocation logs may keep only the errors, or none.
 */
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";

/** A JSON string value, or null. */
function jsonString(value: string | null | undefined): string {
  return value == null ? "null" : JSON.stringify(value);
}

/**
 * The line is concatenated field by field — the same JSON, keys and order as stringifying an object
 * of them, without building that object (issue 17: the log was ~25 µs of a request).
 */
export function logLine(c: Context<AppEnv>, started: number, serverTiming: string): string {
  const principal = c.get("principal");
  const served = c.get("servedModel");
  const res = c.res;
  return (
    '{"at":"' + new Date(started).toISOString() +
    '","requestId":' + jsonString(c.get("requestId")) +
    ',"method":' + jsonString(c.req.method) +
    ',"path":' + jsonString(c.req.path) +
    ',"status":' + res.status +
    ',"model":' + jsonString(served?.name) +
    ',"version":' + jsonString(served?.version) +
    ',"key":' + jsonString(principal?.kind === "key" ? principal.key.name : null) +
    ',"durationMs":' + (Date.now() - started) +
    ',"timing":' + jsonString(serverTiming) +
    "}"
  );
}
