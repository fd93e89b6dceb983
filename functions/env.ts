/** Bindings and variables of the Worker (see wrangler.toml). */
export interface Env {
  /** The model registry (layout in functions/registry/layout.ts). */
  MODELS: R2Bucket;
  /** MiB of model bytes kept as live sessions per isolate before LRU eviction. */
  MODEL_CACHE_BUDGET_MB?: string;
  /** Largest accepted request body in bytes. */
  MAX_BODY_BYTES?: string;
  /** Milliseconds an alias read from R2 is reused before it is read again. */
  ALIAS_CACHE_MS?: string;
}
