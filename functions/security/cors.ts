/** CORS from the CORS_ORIGINS allow-list: off (no CORS headers at all) unless origins are listed. */
import { cors } from "hono/cors";
import { STICKY_KEY_HEADER } from "../inference/run.ts";
import { perSettings } from "../per-settings.ts";

export const configuredCors = perSettings((settings) =>
  settings.corsOrigins.length === 0
    ? undefined
    : cors({
        origin: [...settings.corsOrigins],
        allowMethods: ["GET", "POST", "OPTIONS"],
        allowHeaders: ["Authorization", "Content-Type", STICKY_KEY_HEADER],
        exposeHeaders: ["Server-Timing", "X-Request-Id", "Retry-After"],
        maxAge: 600,
      }),
);
