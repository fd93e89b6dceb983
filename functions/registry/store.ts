/**
 * Reading and writing registry records in a bucket. Works on any object store with R2's method
 * names — the Worker's R2 binding, miniflare's R2 in Node (local publishing) or an S3 adapter.
 */
import { aliasKey, aliasesPrefix, blobKey, manifestKey, MODELS_PREFIX, versionsPrefix } from "./layout.ts";
import { parseAliasRecord, parseManifest, type AliasRecord, type Manifest } from "./manifest.ts";

/** The part of R2Bucket the registry uses. */
export type RegistryBucket = Pick<R2Bucket, "get" | "put" | "head" | "list" | "delete">;

/**
 * A registry record could not be read: the store refused (a rejected get or read) or the record is
 * not valid JSON of its schema. The registry is at fault, not the request and not this code: the
 * Worker answers 503. Anything else thrown while reading is a bug and stays a 500.
 */
export class RegistryReadError extends Error {}

async function readRecord<T>(bucket: RegistryBucket, key: string, parse: (json: unknown) => T): Promise<T | undefined> {
  const failed = (what: string) => (error: unknown) => {
    throw new RegistryReadError(`${what} ${key}: ${String((error as Error)?.message ?? error).slice(0, 200)}`);
  };
  const object = await bucket.get(key).catch(failed("storage error reading"));
  if (!object) return undefined;
  const text = await object.text().catch(failed("storage error reading"));
  try {
    return parse(JSON.parse(text));
  } catch (error) {
    return failed("unreadable record")(error);
  }
}

export async function readManifest(bucket: RegistryBucket, name: string, version: string): Promise<Manifest | undefined> {
  return readRecord(bucket, manifestKey(name, version), parseManifest);
}

export async function readAlias(bucket: RegistryBucket, name: string, alias: string): Promise<AliasRecord | undefined> {
  return readRecord(bucket, aliasKey(name, alias), parseAliasRecord);
}

/** Lists every key under a prefix (R2 pages at 1000). */
async function listKeys(bucket: RegistryBucket, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}

/** Every model's name, sorted; `maxPages` stops after that many list calls (R2 pages at 1000 names). */
export async function listModelNames(bucket: RegistryBucket, maxPages = Infinity): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await bucket.list({ prefix: MODELS_PREFIX, delimiter: "/", cursor });
    names.push(...page.delimitedPrefixes.map((p) => p.slice(MODELS_PREFIX.length, -1)));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor && ++pages < maxPages);
  return names.sort();
}

function stripJson(keys: string[], prefix: string): string[] {
  return keys.filter((k) => k.endsWith(".json")).map((k) => k.slice(prefix.length, -".json".length));
}

export async function listVersionIds(bucket: RegistryBucket, name: string): Promise<string[]> {
  return stripJson(await listKeys(bucket, versionsPrefix(name)), versionsPrefix(name));
}

export async function listAliasNames(bucket: RegistryBucket, name: string): Promise<string[]> {
  return stripJson(await listKeys(bucket, aliasesPrefix(name)), aliasesPrefix(name));
}

export async function listManifests(bucket: RegistryBucket, name: string): Promise<Manifest[]> {
  const ids = await listVersionIds(bucket, name);
  const manifests = await Promise.all(ids.map((id) => readManifest(bucket, name, id)));
  return manifests
    .filter((m): m is Manifest => m !== undefined)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export async function listAliases(bucket: RegistryBucket, name: string): Promise<AliasRecord[]> {
  const names = await listAliasNames(bucket, name);
  const records = await Promise.all(names.map((alias) => readAlias(bucket, name, alias)));
  return records.filter((r): r is AliasRecord => r !== undefined);
}

// ---- writing (the publisher's primitives; the order blob → manifest → alias is the caller's) ----

export async function writeBlob(bucket: RegistryBucket, name: string, sha256: string, bytes: Uint8Array | ArrayBuffer): Promise<boolean> {
  const key = blobKey(name, sha256);
  if (await bucket.head(key)) return false; // content-addressed: identical bytes are already there
  await bucket.put(key, bytes, { sha256, httpMetadata: { contentType: "application/octet-stream" } });
  return true;
}

export async function writeManifest(bucket: RegistryBucket, manifest: Manifest): Promise<void> {
  const checked = parseManifest(manifest);
  await bucket.put(manifestKey(checked.name, checked.version), JSON.stringify(checked, null, 2), {
    httpMetadata: { contentType: "application/json" },
  });
}

export async function writeAlias(bucket: RegistryBucket, record: AliasRecord): Promise<void> {
  const checked = parseAliasRecord(record);
  await bucket.put(aliasKey(checked.name, checked.alias), JSON.stringify(checked, null, 2), {
    httpMetadata: { contentType: "application/json" },
  });
}

/** Points an alias at a version (or a split), keeping where it pointed before in its history. */
export async function moveAlias(
  bucket: RegistryBucket,
  name: string,
  alias: string,
  target: { version: string; split?: { version: string; weight: number }[] },
  now = new Date(),
): Promise<AliasRecord> {
  const previous = await readAlias(bucket, name, alias);
  const record: AliasRecord = {
    name,
    alias,
    version: target.version,
    ...(target.split ? { split: target.split } : {}),
    updatedAt: now.toISOString(),
    history: previous
      ? [{ version: previous.version, ...(previous.split ? { split: previous.split } : {}), updatedAt: previous.updatedAt }, ...previous.history].slice(0, 50)
      : [],
  };
  await writeAlias(bucket, record);
  return record;
}
