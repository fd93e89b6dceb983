/** CORS from the CORS_ORIGINS allow-list: off (no CORS headers at all) unless origins are listed. */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../app-env.ts";
import { STICKY_KEY_HEADER } from "../inference/run.ts";
import { settingsOf, type Settings } from "../settings.ts";

const bySettings = new WeakMap<Settings, MiddlewareHandler>();

export const configuredCors: MiddlewareHandler<AppEnv> = (c, next) => {
  const settings = settingsOf(c.env);
  if (settings.corsOrigins.length === 0) return next();
  let middleware = bySettings.get(settings);
  if (!middleware) {
    middleware = cors({
      origin: settings.corsOrigins as string[],
      allowMethods: ["GET", "POST", "OPTIONS"],
      allowHeaders: ["Authorization", "Content-Type", STICKY_KEY_HEADER],
      exposeHeaders: ["Server-Timing", "X-Request-Id", "Retry-After"],
      maxAge: 600,
    });
    bySettings.set(settings, middleware);
  }
  return middleware(c, next);
};
