/**
 * The request-body limit (MAX_BODY_BYTES), answered with the 413 JSON error whether or not the
 * client said how long its body is. A declared Content-Length is checked by Hono's bodyLimit
 * before anything is read. A body of unknown length (chunked) is counted as it streams; past the
 * limit the rest is read and thrown away before answering: a server that answers and closes with
 * the client's bytes still unread makes the client's TCP stack see a reset instead of the 413
 * (curl: "Recv failure: Connection reset by peer"). The draining stops at DRAIN_LIMIT_BYTES, so a
 * client cannot keep the Worker reading forever.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env.ts";
import { perSettings } from "../per-settings.ts";
import { answerJson } from "./answer.ts";

/** Bytes past the limit read (and discarded) so that the client gets the 413; beyond it, the answer goes out anyway. */
export const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

const tooLarge = (maxBytes: number) => answerJson({ error: `request body is larger than ${maxBytes} bytes` }, 413);

/** Reads the rest of a body, discarding it, up to `limit` bytes. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, limit: number): Promise<void> {
  let read = 0;
  while (read <= limit) {
    const { done, value } = await reader.read();
    if (done) return;
    read += value.byteLength;
  }
  await reader.cancel();
}

function limitStreamedBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const reader = c.req.raw.body!.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await drain(reader, DRAIN_LIMIT_BYTES);
        return tooLarge(maxBytes);
      }
      chunks.push(value);
    }
    const body = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    c.req.raw = new Request(c.req.raw, { body });
    return next();
  };
}

export const requestBodyLimit = perSettings(({ maxBodyBytes }) => {
  const declared = bodyLimit({ maxSize: maxBodyBytes, onError: () => tooLarge(maxBodyBytes) });
  const streamed = limitStreamedBody(maxBodyBytes);
  return (c, next) => {
    const { body, headers } = c.req.raw;
    if (!body) return next();
    // Hono's bodyLimit reads a chunked body too, but stops reading at the limit (see above).
    return headers.has("content-length") && !headers.has("transfer-encoding") ? declared(c, next) : streamed(c, next);
  };
});
