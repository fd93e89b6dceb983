/**
 * What every response gets, in one middleware: a request id, Server-Timing, the security headers
 * and (per REQUEST_LOG) the JSON log line. It replaces Hono's requestId(), timing() and
 * secureHeaders() and our own log middleware, which did the same jobs in four async layers: on
 * workerd the four cost ~90 µs of CPU per request over a bare worker, each layer's await and its
 * own header reads and writes adding up (issue 17; `npm run bench`'s middleware line measures it).
 * The parts keep their own modules: request-id.ts, server-timing.ts, ../security/secure-headers.ts
 * and ../request-log.ts.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { perSettings } from "../per-settings.ts";
import { logLine } from "../request-log.ts";
import { setSecureHeaders } from "../security/secure-headers.ts";
import { REQUEST_ID_HEADER, requestIdFor } from "./request-id.ts";
import { serverTimingValue, startServerTiming } from "./server-timing.ts";

function stampEveryResponse(log: "all" | "errors" | "off"): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = Date.now();
    const requestId = requestIdFor(c.req.header(REQUEST_ID_HEADER));
    c.set("requestId", requestId);
    const serverTiming = startServerTiming(c);
    await next();
    const timing = serverTimingValue(serverTiming);
    const headers = c.res.headers;
    headers.set(REQUEST_ID_HEADER, requestId);
    headers.append("Server-Timing", timing);
    setSecureHeaders(headers);
    if (log === "all" || (log === "errors" && c.res.status >= 400)) console.log(logLine(c, started, timing));
  };
}

export const everyRequest = perSettings(({ requestLog }) => stampEveryResponse(requestLog));
