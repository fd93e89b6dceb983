/** CORS from the CORS_ORIGINS allow-list: off (no CORS headers at all) unless origins are listed. */
import { cors } from "hono/cors";
import { STICKY_KEY_HEADER } from "../inference/run.ts";
import { perSettings } from "../per-settings.ts";
import { INFERENCE_HEADER_CONTENT_LENGTH } from "../protocol/binary-tensors.ts";

export const configuredCors = perSettings((settings) =>
  settings.corsOrigins.length === 0
    ? undefined
    : cors({
        origin: [...settings.corsOrigins],
        allowMethods: ["GET", "POST", "OPTIONS"],
        allowHeaders: ["Authorization", "Content-Type", STICKY_KEY_HEADER, INFERENCE_HEADER_CONTENT_LENGTH],
        exposeHeaders: ["Server-Timing", "X-Request-Id", "Retry-After", INFERENCE_HEADER_CONTENT_LENGTH],
        maxAge: 600,
      }),
);
