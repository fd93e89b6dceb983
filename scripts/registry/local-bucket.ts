/**
 * The local R2 store, opened from Node. wrangler's getPlatformProxy runs the same miniflare R2
 * that `wrangler dev --persist-to DIR` runs; it keeps its files in DIR/v3 (wrangler dev appends
 * "v3" itself, getPlatformProxy does not), so both read and write one store — also while the
 * server runs (SQLite metadata, checked by test/node/registry/local-serve.test.ts).
 */
import { join } from "node:path";
import { getPlatformProxy } from "wrangler";
import type { RegistryBucket } from "../../functions/registry/store.ts";
import { WRANGLER_CONFIG } from "./paths.ts";

export interface OpenBucket {
  bucket: RegistryBucket;
  /** Where the bucket is, for messages ("local store .maas/state", "s3 bucket X at URL"). */
  description: string;
  close(): Promise<void>;
}

export async function openLocalBucket(stateDir: string): Promise<OpenBucket> {
  const proxy = await getPlatformProxy<{ MODELS: R2Bucket }>({
    configPath: WRANGLER_CONFIG,
    persist: { path: join(stateDir, "v3") },
  });
  return {
    bucket: proxy.env.MODELS,
    description: `local store ${stateDir}`,
    close: () => proxy.dispose(),
  };
}
