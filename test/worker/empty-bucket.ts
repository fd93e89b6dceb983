/**
 * Runs before every Worker test file. The worker project shares one isolate across files
 * (`isolate: false` in vitest.config.ts: importing onnxruntime-web and the Worker once instead of
 * per file halves the project's time), so the R2 bucket is shared too. Each file starts from an
 * empty bucket and seeds what it needs, as it did when every file had its own storage.
 */
import { env } from "cloudflare:workers";

const bucket = (env as unknown as { MODELS: R2Bucket }).MODELS;
let cursor: string | undefined;
do {
  const page = await bucket.list({ cursor, limit: 1000 });
  if (page.objects.length > 0) await bucket.delete(page.objects.map((o) => o.key));
  cursor = page.truncated ? page.cursor : undefined;
} while (cursor !== undefined);
