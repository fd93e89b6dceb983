/**
 * The local R2 store, opened from Node with the very miniflare that wrangler runs (its own copy,
 * resolved from wrangler's folder), bound to the bucket wrangler.toml names. `wrangler dev
 * --persist-to DIR` keeps its files in DIR/v3 (it appends "v3" itself), so this and `maas serve`
 * read and write one store — also while the server runs (SQLite metadata; publish-flow.test.ts
 * pushes while a server runs).
 * Why not wrangler's getPlatformProxy, which does the same: importing wrangler costs ~1.5 s of CPU
 * for every CLI command; miniflare alone ~0.5 s.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import type { RegistryBucket } from "../../functions/registry/store.ts";
import { WRANGLER_CONFIG } from "./paths.ts";

export interface OpenBucket {
  bucket: RegistryBucket;
  /** Where the bucket is, for messages ("local store .maas/state", "s3 bucket X at URL"). */
  description: string;
  close(): Promise<void>;
}

/** The binding the Worker reads models from (functions/env.ts). */
const BINDING = "MODELS";

/** wrangler.toml's Worker name and its bucket for the MODELS binding (the store is kept per bucket). */
function workerConfig(): { worker: string; bucket: string } {
  const config = parseToml(readFileSync(WRANGLER_CONFIG, "utf8")) as { name?: string; r2_buckets?: Array<{ binding?: string; bucket_name?: string }> };
  const bucket = config.r2_buckets?.find((b) => b.binding === BINDING)?.bucket_name;
  if (!bucket) throw new Error(`${WRANGLER_CONFIG} has no [[r2_buckets]] entry with binding = "${BINDING}"`);
  return { worker: config.name ?? "worker", bucket };
}

type MiniflareModule = typeof import("miniflare");

/** wrangler's own miniflare, not whichever copy npm hoisted: the store's format is wrangler dev's. */
function wranglersMiniflare(): Promise<MiniflareModule> {
  const path = createRequire(import.meta.url).resolve("wrangler/package.json");
  return import(createRequire(path).resolve("miniflare")) as Promise<MiniflareModule>;
}

export async function openLocalBucket(stateDir: string): Promise<OpenBucket> {
  const { Miniflare, convertV4MiniflareOptions } = await wranglersMiniflare();
  const { worker, bucket: bucketName } = workerConfig();
  // The options wrangler's getPlatformProxy builds for the same job.
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        {
          // No Worker code runs: the instance exists for its R2 binding.
          name: worker,
          modules: true,
          script: "export default { fetch() { return new Response(null, { status: 404 }); } };",
          r2Buckets: { [BINDING]: { id: bucketName } },
        },
      ],
      resourcePersistencePath: join(stateDir, "v3"),
    }),
  );
  const bucket = (await miniflare.getR2Bucket(BINDING)) as unknown as RegistryBucket;
  return {
    bucket,
    description: `local store ${stateDir}`,
    close: () => miniflare.dispose(),
  };
}
