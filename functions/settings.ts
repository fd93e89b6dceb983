/** The Worker's tunables, read from its vars (wrangler.toml `[vars]`) with defaults. */
import type { Env } from "./env.ts";

export interface Settings {
  /** Bytes of models kept as live sessions per isolate. */
  modelCacheBudgetBytes: number;
  /** Largest request body accepted. */
  maxBodyBytes: number;
  /** How long an alias read from R2 is trusted before it is read again. */
  aliasCacheMs: number;
}

function positive(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return value !== undefined && value !== "" && Number.isFinite(parsed) && parsed >= 0 ? parsed : fallback;
}

export function readSettings(env: Env): Settings {
  return {
    modelCacheBudgetBytes: positive(env.MODEL_CACHE_BUDGET_MB, 64) * 1024 * 1024,
    maxBodyBytes: positive(env.MAX_BODY_BYTES, 8 * 1024 * 1024),
    aliasCacheMs: positive(env.ALIAS_CACHE_MS, 2000),
  };
}
