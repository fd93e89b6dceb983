/**
 * API keys. Only their SHA-256 hashes are stored, in the Worker secret `API_KEYS` — a JSON array:
 *
 *   [{"name": "alice", "hash": "sha256:<64 hex>", "models": ["iris", "churn"], "tier": "HIGH"},
 *    {"name": "ci",    "hash": "sha256:<64 hex>", "models": "*"}]
 *
 * `models` is the list of models the key may call, or "*" for all. `tier` (optional) picks the
 * rate-limit binding `RATE_LIMIT_<TIER>` instead of the default `RATE_LIMIT_KEY`. Keys are 32
 * random bytes, so a plain SHA-256 is enough (no slow password hash needed). `maas keys create`
 * makes a key and prints its entry. Shared by the Worker and the CLI.
 */
import * as z from "zod";

export const API_KEY_PREFIX = "maas_";
const HASH_PREFIX = "sha256:";

export const apiKeyEntrySchema = z.object({
  name: z.string().min(1).max(64),
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  models: z.union([z.literal("*"), z.array(z.string().min(1))]),
  tier: z.string().regex(/^[A-Z0-9_]{1,32}$/).optional(),
});
export type ApiKeyEntry = z.infer<typeof apiKeyEntrySchema>;

/**
 * Each name and each hash at most once: a repeated hash would leave which entry (models, tier)
 * answers to the order of the list, and a repeated name would merge two keys' rate-limit buckets.
 */
export const apiKeysSchema = z.array(apiKeyEntrySchema).superRefine((entries, context) => {
  for (const field of ["hash", "name"] as const) {
    const first = new Map<string, number>();
    entries.forEach((entry, i) => {
      const earlier = first.get(entry[field]);
      if (earlier === undefined) first.set(entry[field], i);
      else context.addIssue({ code: "custom", path: [i, field], message: `the same ${field} as entry ${earlier}` });
    });
  }
});

/**
 * Parses the API_KEYS secret; a malformed secret is a configuration error, reported by where and
 * what (`API_KEYS is malformed at 2.hash: the same hash as entry 0`), never with a hash's value.
 */
export function parseApiKeys(text: string | undefined): ApiKeyEntry[] {
  if (!text || !text.trim()) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error("API_KEYS is not valid JSON");
  }
  const parsed = apiKeysSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`API_KEYS is malformed at ${issue.path.join(".") || "the top level"}: ${issue.message}`);
  }
  return parsed.data;
}

function toHex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function hashApiKey(key: string): Promise<string> {
  return HASH_PREFIX + toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
}

/** A new random key: `maas_` + 32 random bytes, base64url. */
export function generateApiKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return API_KEY_PREFIX + btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function constantTimeEqual(a: string, b: string): boolean {
  // Hashes have a fixed length; compare every byte whatever the first difference.
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/**
 * Keys already matched, per parsed API_KEYS list: hashing the presented key and comparing it with
 * every entry cost ~50 µs CPU per request in workerd, for an answer that only changes when the
 * secret does (a new secret is a new list, so a revoked key is never served from here). Only keys
 * that matched are kept, so callers sending made-up keys cannot grow it; the bound is for a
 * deployment with more live keys than that.
 */
const matchedKeys = new WeakMap<readonly ApiKeyEntry[], Map<string, ApiKeyEntry>>();
const MAX_MATCHED_KEYS = 1024;

/** The entry whose hash matches the presented key; every entry is compared, in constant time. */
export async function findApiKey(entries: readonly ApiKeyEntry[], presented: string): Promise<ApiKeyEntry | undefined> {
  let matched = matchedKeys.get(entries);
  if (!matched) matchedKeys.set(entries, (matched = new Map()));
  const known = matched.get(presented);
  if (known) return known;
  const hash = await hashApiKey(presented);
  let found: ApiKeyEntry | undefined;
  for (const entry of entries) if (constantTimeEqual(entry.hash, hash)) found = entry;
  if (found) {
    if (matched.size >= MAX_MATCHED_KEYS) matched.clear();
    matched.set(presented, found);
  }
  return found;
}

export function keyAllowsModel(entry: ApiKeyEntry, model: string): boolean {
  return entry.models === "*" || entry.models.includes(model);
}
