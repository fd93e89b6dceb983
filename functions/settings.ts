/** The Worker's tunables, read once per env from its vars and secrets, with defaults. */
import type { Env } from "./env.ts";
import { parseApiKeys, type ApiKeyEntry } from "./security/api-keys.ts";

export interface Settings {
  /** Bytes of models kept as live sessions per isolate. */
  modelCacheBudgetBytes: number;
  maxBodyBytes: number;
  /** How long an alias read from R2 is trusted before it is read again. */
  aliasCacheMs: number;
  maxTensorElements: number;
  maxBatchRows: number;
  maxJsonDepth: number;
  apiKeys: ApiKeyEntry[];
  /** Set when API_KEYS cannot be parsed: every keyed request is refused rather than let through. */
  apiKeysError?: string;
  allowAnonymous: boolean;
  publicModels: ReadonlySet<string>;
  corsOrigins: readonly string[];
  requestLog: RequestLogMode;
}

/** "errors" logs responses with status >= 400 only; "off" skips the log middleware altogether. */
export type RequestLogMode = "all" | "errors" | "off";
const REQUEST_LOG_MODES: readonly RequestLogMode[] = ["all", "errors", "off"];

function requestLogMode(value: string | undefined): RequestLogMode {
  const mode = value?.trim().toLowerCase();
  return REQUEST_LOG_MODES.find((m) => m === mode) ?? "all";
}

/** MODEL_CACHE_BUDGET_MB when the var is unset: see README, "What fits in a Worker". */
export const DEFAULT_MODEL_CACHE_BUDGET_MB = 40;

function nonNegative(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return value !== undefined && value !== "" && Number.isFinite(parsed) && parsed >= 0 ? parsed : fallback;
}

function list(value: string | undefined): string[] {
  return (value ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}

function readSettings(env: Env): Settings {
  let apiKeys: ApiKeyEntry[] = [];
  let apiKeysError: string | undefined;
  try {
    apiKeys = parseApiKeys(env.API_KEYS);
  } catch (error) {
    apiKeysError = (error as Error).message;
  }
  return {
    modelCacheBudgetBytes: nonNegative(env.MODEL_CACHE_BUDGET_MB, DEFAULT_MODEL_CACHE_BUDGET_MB) * 1024 * 1024,
    maxBodyBytes: nonNegative(env.MAX_BODY_BYTES, 8 * 1024 * 1024),
    aliasCacheMs: nonNegative(env.ALIAS_CACHE_MS, 2000),
    maxTensorElements: nonNegative(env.MAX_TENSOR_ELEMENTS, 4 * 1024 * 1024),
    maxBatchRows: nonNegative(env.MAX_BATCH_ROWS, 4096),
    maxJsonDepth: nonNegative(env.MAX_JSON_DEPTH, 32),
    apiKeys,
    apiKeysError,
    allowAnonymous: env.ALLOW_ANONYMOUS === "true",
    publicModels: new Set(list(env.PUBLIC_MODELS)),
    corsOrigins: list(env.CORS_ORIGINS),
    requestLog: requestLogMode(env.REQUEST_LOG),
  };
}

/** Every var readSettings reads: settings are parsed again only when one of these changes. */
const SETTING_VARS = [
  "API_KEYS",
  "MODEL_CACHE_BUDGET_MB",
  "MAX_BODY_BYTES",
  "ALIAS_CACHE_MS",
  "MAX_TENSOR_ELEMENTS",
  "MAX_BATCH_ROWS",
  "MAX_JSON_DEPTH",
  "ALLOW_ANONYMOUS",
  "PUBLIC_MODELS",
  "CORS_ORIGINS",
  "REQUEST_LOG",
] as const satisfies readonly (keyof Env)[];

// Parsing API_KEYS (JSON + zod) on every request would cost more than the request. Settings are
// kept per env object, and, should the runtime hand a new env object with the same vars (nothing
// promises it keeps one per isolate), the last settings are reused: also the same object, which
// perSettings's per-settings middleware relies on.
const byEnv = new WeakMap<Env, Settings>();
let last: { vars: readonly (string | undefined)[]; settings: Settings } | undefined;

export function settingsOf(env: Env): Settings {
  const known = byEnv.get(env);
  if (known) return known;
  const vars = SETTING_VARS.map((name) => env[name]);
  if (!last || vars.some((value, i) => value !== last!.vars[i])) last = { vars, settings: readSettings(env) };
  byEnv.set(env, last.settings);
  return last.settings;
}
