/**
 * Finding the manifest that answers a request: `{name}` alone goes through the `latest` alias,
 * `{name}/versions/{v}` accepts a version id or an alias name. Manifests are immutable and kept
 * for the isolate's life; aliases are re-read after `aliasCacheMs`.
 */
import { notFound } from "../errors.ts";
import { DEFAULT_ALIAS, isValidName } from "./layout.ts";
import type { AliasRecord, Manifest } from "./manifest.ts";
import { readAlias, readManifest, type RegistryBucket } from "./store.ts";

export interface Resolved {
  manifest: Manifest;
  /** The alias the request went through, if any. */
  alias?: string;
}

// Both caches hold the read itself (a promise), so that the requests arriving while a record is
// being read share that one read: an isolate under load whose alias comes due would otherwise send
// one R2 read per request in flight (each a billed operation) and queue them all behind R2.
const manifestCache = new Map<string, Promise<Manifest | undefined>>();
const aliasCache = new Map<string, { record: Promise<AliasRecord | undefined>; readAt: number }>();
const MAX_CACHED = 1000;

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
}

/** Forgets `key` if what it holds is still the read in question (`held`): a newer read is kept. */
function forgetIfStill<V>(cache: Map<string, V>, key: string, held: (value: V) => boolean): void {
  const value = cache.get(key);
  if (value !== undefined && held(value)) cache.delete(key);
}

function cachedManifest(bucket: RegistryBucket, name: string, version: string): Promise<Manifest | undefined> {
  const key = `${name}\u0000${version}`;
  const hit = manifestCache.get(key);
  if (hit) return hit;
  const read = readManifest(bucket, name, version);
  remember(manifestCache, key, read);
  // Absent versions are not kept (they may be published later), nor failed reads.
  read.then(
    (manifest) => manifest || forgetIfStill(manifestCache, key, (v) => v === read),
    () => forgetIfStill(manifestCache, key, (v) => v === read),
  );
  return read;
}

function cachedAlias(bucket: RegistryBucket, name: string, alias: string, maxAgeMs: number): Promise<AliasRecord | undefined> {
  const key = `${name}\u0000${alias}`;
  const hit = aliasCache.get(key);
  const now = Date.now();
  if (hit && now - hit.readAt < maxAgeMs) return hit.record;
  const record = readAlias(bucket, name, alias);
  if (maxAgeMs > 0) {
    remember(aliasCache, key, { record, readAt: now });
    record.catch(() => forgetIfStill(aliasCache, key, (v) => v.record === record));
  }
  return record;
}

/**
 * Drops a cached manifest, for when its version turned out unservable (e.g. removed with `maas rm`
 * after this isolate cached it): the next request reads the registry again.
 */
export function forgetManifest(name: string, version: string): void {
  manifestCache.delete(`${name}\u0000${version}`);
}

/** FNV-1a, mapped to [0, 1): a stable position for a stickiness key. */
function stablePosition(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 2 ** 32;
}

/** Which version of an alias answers: its single target, or one side of its weighted split. */
export function pickVersion(record: AliasRecord, stickyKey?: string): string {
  if (!record.split) return record.version;
  const total = record.split.reduce((sum, s) => sum + s.weight, 0);
  const position = (stickyKey ? stablePosition(`${record.name}/${record.alias}/${stickyKey}`) : Math.random()) * total;
  let cumulative = 0;
  for (const side of record.split) {
    cumulative += side.weight;
    if (position < cumulative) return side.version;
  }
  return record.split[record.split.length - 1].version;
}

export interface ResolveOptions {
  stickyKey?: string;
  aliasCacheMs: number;
  /** Only a version id, or only an alias (v1's `/versions/{v}` and `/labels/{alias}`); default: either. */
  only?: "version" | "alias";
}

export async function resolveModel(
  bucket: RegistryBucket,
  name: string,
  versionOrAlias: string | undefined,
  options: ResolveOptions,
): Promise<Resolved> {
  if (!isValidName(name)) throw notFound(`model "${name}" not found`);
  if (versionOrAlias !== undefined && !isValidName(versionOrAlias)) {
    throw notFound(`version "${versionOrAlias}" of model "${name}" not found`);
  }
  if (versionOrAlias !== undefined && options.only !== "alias") {
    const manifest = await cachedManifest(bucket, name, versionOrAlias);
    if (manifest) return { manifest };
    if (options.only === "version") throw notFound(`version "${versionOrAlias}" of model "${name}" not found`);
  }
  const alias = versionOrAlias ?? DEFAULT_ALIAS;
  const record = await cachedAlias(bucket, name, alias, options.aliasCacheMs);
  if (!record) {
    if (versionOrAlias === undefined) throw notFound(`model "${name}" not found`);
    throw notFound(options.only === "alias" ? `label "${versionOrAlias}" of model "${name}" not found` : `version "${versionOrAlias}" of model "${name}" not found`);
  }
  const version = pickVersion(record, options.stickyKey);
  const manifest = await cachedManifest(bucket, name, version);
  if (!manifest) throw notFound(`alias "${alias}" of model "${name}" points at version "${version}", which does not exist`);
  return { manifest, alias };
}
