/**
 * `--remote`: the R2 bucket through its S3-compatible API, configured from the environment.
 *
 *   R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY   an R2 API token's S3 credentials (required)
 *   R2_ACCOUNT_ID                            gives the endpoint https://<ACCOUNT_ID>.r2.cloudflarestorage.com
 *   R2_ENDPOINT                              or an explicit endpoint (any S3-compatible server)
 *   R2_BUCKET                                default: bucket_name of the MODELS binding in wrangler.toml
 *   R2_REGION                                default: auto (what R2 expects)
 */
import { readFileSync } from "node:fs";
import { CliError } from "../cli-error.ts";
import type { OpenBucket } from "./local-bucket.ts";
import { WRANGLER_CONFIG } from "./paths.ts";
import { S3Bucket } from "./s3-bucket.ts";

export const REMOTE_ENV_HELP =
  "set R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY, and R2_ACCOUNT_ID or R2_ENDPOINT (see docs/deploy.md)";

/** bucket_name of the [[r2_buckets]] entry bound as MODELS. */
export function configuredBucketName(configPath = WRANGLER_CONFIG): string | undefined {
  const toml = readFileSync(configPath, "utf8");
  for (const table of toml.split(/^\s*\[\[r2_buckets\]\]\s*$/m).slice(1)) {
    const body = table.split(/^\s*\[/m)[0];
    if (/^\s*binding\s*=\s*"MODELS"/m.test(body)) return /^\s*bucket_name\s*=\s*"([^"]+)"/m.exec(body)?.[1];
  }
  return undefined;
}

export function openRemoteBucket(env: NodeJS.ProcessEnv = process.env): OpenBucket {
  const accessKeyId = env.R2_ACCESS_KEY_ID;
  const secretAccessKey = env.R2_SECRET_ACCESS_KEY;
  const endpoint = env.R2_ENDPOINT || (env.R2_ACCOUNT_ID ? `https://${env.R2_ACCOUNT_ID}.r2.cloudflarestorage.com` : undefined);
  if (!accessKeyId || !secretAccessKey || !endpoint) throw new CliError(`--remote needs credentials: ${REMOTE_ENV_HELP}`);
  try {
    new URL(endpoint);
  } catch {
    throw new CliError(`R2_ENDPOINT "${endpoint}" is not a URL`);
  }
  const bucket = env.R2_BUCKET || configuredBucketName();
  if (!bucket) throw new CliError("no bucket: set R2_BUCKET or bucket_name of the MODELS binding in wrangler.toml");
  const s3 = new S3Bucket({ endpoint, bucket, accessKeyId, secretAccessKey, region: env.R2_REGION || "auto" });
  return { bucket: s3.asRegistryBucket(), description: s3.description, close: async () => {} };
}
