/**
 * The security headers of hono/secure-headers' defaults, set on every response. Hono's middleware
 * looks up `c.res.headers` again for each of its headers; this holds the list once per isolate and
 * sets it on the response's headers in one pass (issue 17 measured Hono's at ~17 µs per request on
 * workerd). test/worker/middleware.test.ts checks that the set is identical to secureHeaders()'s.
 */
import type { MiddlewareHandler } from "hono";

export const SECURE_HEADER_NAMES = [
  "Cross-Origin-Resource-Policy",
  "Cross-Origin-Opener-Policy",
  "Origin-Agent-Cluster",
  "Referrer-Policy",
  "Strict-Transport-Security",
  "X-Content-Type-Options",
  "X-DNS-Prefetch-Control",
  "X-Download-Options",
  "X-Frame-Options",
  "X-Permitted-Cross-Domain-Policies",
  "X-XSS-Protection",
] as const;
export const SECURE_HEADER_VALUES = ["same-origin", "same-origin", "?1", "no-referrer", "max-age=15552000; includeSubDomains", "nosniff", "off", "noopen", "SAMEORIGIN", "none", "0"] as const;

/** Sets hono/secure-headers' default headers on a response's headers, as its middleware does. */
export function setSecureHeaders(headers: Headers): void {
  for (let i = 0; i < SECURE_HEADER_NAMES.length; i++) headers.set(SECURE_HEADER_NAMES[i], SECURE_HEADER_VALUES[i]);
  headers.delete("X-Powered-By"); // as Hono's default removePoweredBy
}

/** As middleware, called like Hono's `secureHeaders()` (defaults only); the Worker sets them in functions/http/every-request.ts. */
export function secureHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    setSecureHeaders(c.res.headers);
  };
}
