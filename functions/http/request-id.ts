/**
 * The request id: the caller's `X-Request-Id` when it is a plausible id (the checks of
 * hono/request-id: at most 255 word characters, `-` or `=`), else a new UUID. It is echoed in the
 * response header and the log line, so a caller can quote it.
 */
export const REQUEST_ID_HEADER = "X-Request-Id";
const MAX_LENGTH = 255;

export function requestIdFor(given: string | undefined): string {
  return given && given.length <= MAX_LENGTH && !/[^\w\-=]/.test(given) ? given : crypto.randomUUID();
}
