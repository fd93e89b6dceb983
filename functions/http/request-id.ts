/**
 * Request ids: Hono's requestId(), told not to write the header itself. Its `c.header()` makes
 * Hono build a Headers object for every request (~3 µs on workerd) that our answers never use —
 * answer.ts puts X-Request-Id on each answer it makes, and every-request.ts on the few responses
 * made elsewhere. The caller's own X-Request-Id is kept when Hono would keep it: up to 255
 * characters of letters, digits, `_`, `-` and `=`.
 */
import type { Context } from "hono";
import { requestId } from "hono/request-id";

export const REQUEST_ID_HEADER = "X-Request-Id";

function callersOrNewId(c: Context): string {
  const given = c.req.header(REQUEST_ID_HEADER);
  return given && given.length <= 255 && !/[^\w\-=]/.test(given) ? given : crypto.randomUUID();
}

export const requestIds = requestId({ headerName: "", generator: callersOrNewId });
