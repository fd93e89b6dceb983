/**
 * Rate limiting with the Workers rate-limiting bindings: per key (RATE_LIMIT_KEY, or the key's
 * tier binding RATE_LIMIT_<TIER>) and per client IP for anonymous callers (RATE_LIMIT_IP).
 * A missing binding means no limit of that kind.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { HttpError } from "../errors.ts";

/** The period configured on the bindings (wrangler.toml); what Retry-After tells the client. */
const RETRY_AFTER_SECONDS = 60;

export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const principal = c.get("principal");
  const limiter =
    principal.kind === "key"
      ? (principal.key.tier ? c.env[`RATE_LIMIT_${principal.key.tier}`] : undefined) ?? c.env.RATE_LIMIT_KEY
      : c.env.RATE_LIMIT_IP;
  if (limiter) {
    const key = principal.kind === "key" ? `key:${principal.key.name}` : `ip:${c.req.header("CF-Connecting-IP") ?? "unknown"}`;
    const { success } = await limiter.limit({ key });
    if (!success) throw new HttpError(429, "rate limit exceeded; retry later", { "Retry-After": String(RETRY_AFTER_SECONDS) });
  }
  return next();
};
