/**
 * What every response gets after the handler: Server-Timing, the security headers and (per
 * REQUEST_LOG) the JSON log line, in one layer. Hono's timing() and secureHeaders() do the first
 * two at a measurable cost on workerd (issue 17: ~8 and ~17 µs per request), so they are done here
 * the same way more cheaply; the parts keep their own modules (server-timing.ts,
 * ../security/secure-headers.ts, ../request-log.ts). Answers made by answer.ts carry the security
 * headers from their template already; others get them set here. Every response gets the request
 * id here, made by request-id.ts, which runs before this.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { perSettings } from "../per-settings.ts";
import { logLine } from "../request-log.ts";
import { setSecureHeaders } from "../security/secure-headers.ts";
import { hasSecureHeaders } from "./answer.ts";
import { REQUEST_ID_HEADER } from "./request-id.ts";
import { serverTimingValue, startServerTiming } from "./server-timing.ts";

function stampEveryResponse(log: "all" | "errors" | "off"): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = Date.now();
    const serverTiming = startServerTiming(c);
    await next();
    const timing = serverTimingValue(serverTiming);
    const res = c.res;
    res.headers.append("Server-Timing", timing);
    const id = c.get("requestId");
    if (id !== undefined) res.headers.set(REQUEST_ID_HEADER, id);
    if (!hasSecureHeaders(res)) setSecureHeaders(res.headers);
    if (log === "all" || (log === "errors" && res.status >= 400)) console.log(logLine(c, started, timing));
  };
}

export const everyRequest = perSettings(({ requestLog }) => stampEveryResponse(requestLog));
