/**
 * Finding the manifest that answers a request: `{name}` alone goes through the `latest` alias,
 * `{name}/versions/{v}` accepts a version id or an alias name. Manifests are immutable and kept
 * for the isolate's life; aliases are re-read after `aliasCacheMs`, ahead of time while traffic flows.
 */
import { HttpError, notFound } from "../errors.ts";
import { DEFAULT_ALIAS, isValidName } from "./layout.ts";
import type { AliasRecord, Manifest } from "./manifest.ts";
import { readAlias, readManifest, type RegistryBucket } from "./store.ts";

/**
 * A name the registry does not have: the model, or the version or alias asked of it (`among` says
 * which names it could have been). A 404; functions/registry/suggest.ts adds what was likely meant.
 */
export class NotInRegistry extends HttpError {
  readonly model: string;
  readonly asked?: { name: string; among: "versions" | "aliases" | "versions and aliases" };
  constructor(model: string, asked?: NotInRegistry["asked"]) {
    super(404, asked === undefined ? `model "${model}" not found` : `${asked.among === "aliases" ? "label" : "version"} "${asked.name}" of model "${model}" not found`);
    this.model = model;
    this.asked = asked;
  }
}

/** Which names a version asked for could have been, by ResolveOptions.only. */
const AMONG = { version: "versions", alias: "aliases", either: "versions and aliases" } as const;

export interface Resolved {
  manifest: Manifest;
  /** The alias the request went through, if any. */
  alias?: string;
}

// Both caches hold the read itself (a promise), so that the requests arriving while a record is
// being read share that one read: an isolate under load whose alias comes due would otherwise send
// one R2 read per request in flight (each a billed operation) and queue them all behind R2.
const manifestCache = new Map<string, Promise<Manifest | undefined>>();
const aliasCache = new Map<string, CachedAlias>();
const MAX_CACHED = 1000;

interface CachedAlias {
  record: Promise<AliasRecord | undefined>;
  /** When the read began: the record is at least as new as R2 was then. */
  readAt: number;
  /** A background read replacing this entry has started (refresh-ahead). */
  refreshing?: boolean;
}

/**
 * Refresh-ahead: a request answered from an alias in the last quarter of its `aliasCacheMs` also
 * starts one background read of it, which replaces the entry before it is due. Without it every
 * request in flight when the alias came due waited for that R2 read (tens of ms on R2, every
 * `aliasCacheMs`): a p99 made of R2 latency. An alias still moves within `aliasCacheMs`.
 */
const REFRESH_AHEAD_AT = 0.75;

/** Keeps a background read alive after the response (the request's `waitUntil`). */
export type BackgroundTask = (task: Promise<unknown>) => void;

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

async function refreshAlias(bucket: RegistryBucket, key: string, name: string, alias: string, stale: CachedAlias, readAt: number): Promise<void> {
  try {
    const record = await readAlias(bucket, name, alias);
    // Only the entry this read was started for is replaced: one read since (after it ran out) is newer.
    if (aliasCache.get(key) === stale) aliasCache.set(key, { record: Promise.resolve(record), readAt });
  } catch {
    // The entry runs out as it would have; the read that follows then reports the failure.
  }
}

function cachedAlias(bucket: RegistryBucket, name: string, alias: string, maxAgeMs: number, background?: BackgroundTask): Promise<AliasRecord | undefined> {
  const key = `${name}\u0000${alias}`;
  const hit = aliasCache.get(key);
  const now = Date.now();
  if (hit && now - hit.readAt < maxAgeMs) {
    if (background && !hit.refreshing && now - hit.readAt >= maxAgeMs * REFRESH_AHEAD_AT) {
      hit.refreshing = true;
      background(refreshAlias(bucket, key, name, alias, hit, now));
    }
    return hit.record;
  }
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
  /** Where a background refresh of the alias can run past the response; without it, none starts. */
  background?: BackgroundTask;
  /** Only a version id, or only an alias (v1's `/versions/{v}` and `/labels/{alias}`); default: either. */
  only?: "version" | "alias";
}

export async function resolveModel(
  bucket: RegistryBucket,
  name: string,
  versionOrAlias: string | undefined,
  options: ResolveOptions,
): Promise<Resolved> {
  const missing = () => new NotInRegistry(name, versionOrAlias === undefined ? undefined : { name: versionOrAlias, among: AMONG[options.only ?? "either"] });
  if (!isValidName(name)) throw new NotInRegistry(name);
  if (versionOrAlias !== undefined && !isValidName(versionOrAlias)) throw missing();
  if (versionOrAlias !== undefined && options.only !== "alias") {
    const manifest = await cachedManifest(bucket, name, versionOrAlias);
    if (manifest) return { manifest };
    if (options.only === "version") throw missing();
  }
  const alias = versionOrAlias ?? DEFAULT_ALIAS;
  const record = await cachedAlias(bucket, name, alias, options.aliasCacheMs, options.background);
  if (!record) throw missing();
  const version = pickVersion(record, options.stickyKey);
  const manifest = await cachedManifest(bucket, name, version);
  if (!manifest) throw notFound(`alias "${alias}" of model "${name}" points at version "${version}", which does not exist`);
  return { manifest, alias };
}
