/**
 * The Worker's answers, made from a per-isolate template Response that already carries the
 * security headers (../security/secure-headers.ts) and the Content-Type. workerd copies a Response
 * handed to `new Response(body, init)` as its init in C++, which costs far less than setting the
 * same headers one by one on each response (raw workerd, median CPU per request over a bare worker
 * at a fixed 2,000 req/s, two runs of 10 alternating rounds: template + 2 headers set +10 / +23 µs;
 * the 11 headers set one by one +37 / +47 µs; a dictionary init with them +50 µs, a Headers object
 * as init +32 µs). everyRequest (every-request.ts) then adds
 * only Server-Timing to these; responses made elsewhere (Hono's own, its middleware's) get the
 * security headers set one by one there, so every response has them either way.
 *
 * Use these in place of `c.json` / `c.body`; every-request.ts adds the request id (request-id.ts).
 */
import type { TypedResponse } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { JSONParsed } from "hono/utils/types";
import { setSecureHeaders } from "../security/secure-headers.ts";

/** One template per status and content type: a handful per isolate. */
const templates = new Map<string, Response>();
/** The answers made here: they already have the security headers. */
const fromTemplate = new WeakSet<Response>();

function template(status: ContentfulStatusCode, contentType: string): Response {
  const key = `${status} ${contentType}`;
  let found = templates.get(key);
  if (!found) {
    const headers = new Headers({ "Content-Type": contentType });
    setSecureHeaders(headers);
    templates.set(key, (found = new Response(null, { status, headers })));
  }
  return found;
}

/** Whether `response` was made here (and so has the security headers already). */
export function hasSecureHeaders(response: Response): boolean {
  return fromTemplate.has(response);
}

/** An answer with this body, status and Content-Type; `headers` are added to it. */
export function answer(body: BodyInit, status: ContentfulStatusCode, contentType: string, headers?: Record<string, string>): Response {
  const response = new Response(body, template(status, contentType));
  if (headers) for (const name in headers) response.headers.set(name, headers[name]);
  fromTemplate.add(response);
  return response;
}

/** `c.json(value, status, headers)`, typed as Hono types it for hono/client. */
export function answerJson<T, U extends ContentfulStatusCode = 200>(
  value: T,
  status?: U,
  headers?: Record<string, string>,
): Response & TypedResponse<JSONParsed<T>, U, "json"> {
  return answer(JSON.stringify(value), status ?? 200, "application/json", headers) as Response & TypedResponse<JSONParsed<T>, U, "json">;
}
