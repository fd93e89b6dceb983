/** Bindings, variables and secrets of the Worker (see wrangler.toml and README "Security"). */
export interface Env {
  /** The model registry (layout in functions/registry/layout.ts). */
  MODELS: R2Bucket;
  /** MiB of model bytes kept as live sessions per isolate before LRU eviction. */
  MODEL_CACHE_BUDGET_MB?: string;
  /** Largest accepted request body in bytes. */
  MAX_BODY_BYTES?: string;
  /** Milliseconds an alias read from R2 is reused before it is read again. */
  ALIAS_CACHE_MS?: string;
  /** Most tensor elements (all inputs together) in one request. */
  MAX_TENSOR_ELEMENTS?: string;
  /** Most batch rows (dim 0, or v1 instances) in one request. */
  MAX_BATCH_ROWS?: string;
  /** Deepest nesting of a tensor's `data` arrays. */
  MAX_JSON_DEPTH?: string;

  /** Secret: JSON array of API key hashes (functions/security/api-keys.ts). */
  API_KEYS?: string;
  /** "true" lets requests without a key call every model. Off unless switched on. */
  ALLOW_ANONYMOUS?: string;
  /** Comma-separated models anyone may call without a key. */
  PUBLIC_MODELS?: string;
  /** Comma-separated origins allowed by CORS; empty (the default) sends no CORS headers. */
  CORS_ORIGINS?: string;
  /** Which requests get a JSON log line: "all" (the default), "errors" (status >= 400) or "off". */
  REQUEST_LOG?: string;

  /** Rate limiting (Workers rate-limiting bindings); each is optional. */
  RATE_LIMIT_KEY?: RateLimit;
  RATE_LIMIT_IP?: RateLimit;
  [tier: `RATE_LIMIT_${string}`]: RateLimit | undefined;
}
