/**
 * What a caller who mistyped a model, version or alias name probably meant, added to the 404.
 * Only the error path pays for it: a listing of the registry (R2 list calls) on such a 404. The
 * model names offered are only those the caller may call; a model's versions and aliases are only
 * looked at once the caller has passed the model's access check (functions/security/auth.ts).
 */
import { didYouMean, inNaturalOrder } from "../../shared/did-you-mean.ts";
import { HttpError } from "../errors.ts";
import type { NotInRegistry } from "./resolve.ts";
import { listAliasNames, listModelNames, listVersionIds, type RegistryBucket } from "./store.ts";

/** Up to this many versions and aliases are named when none is a near miss. */
const LIST_AT_MOST = 10;
/**
 * Model names are looked for among the first this many pages of the listing (1000 each): what a
 * mistyped request may cost stays bounded however large the registry.
 */
const MODEL_PAGES = 2;

const quoted = (names: readonly string[]) => inNaturalOrder(names).map((n) => JSON.stringify(n)).join(", ");

/**
 * The model listing, shared by the 404s of one isolate for as long as an alias read is reused
 * (ALIAS_CACHE_MS): a caller repeating a mistyped request does not cost an R2 list call each time.
 */
const modelListings = new WeakMap<RegistryBucket, { readAt: number; names: Promise<string[]> }>();

function modelNames(bucket: RegistryBucket, cacheMs: number): Promise<string[]> {
  const cached = modelListings.get(bucket);
  if (cached && Date.now() - cached.readAt < cacheMs) return cached.names;
  const names = listModelNames(bucket, MODEL_PAGES);
  modelListings.set(bucket, { readAt: Date.now(), names });
  names.catch(() => modelListings.delete(bucket));
  return names;
}

async function modelSuggestion(bucket: RegistryBucket, model: string, mayCall: (model: string) => boolean, cacheMs: number): Promise<string> {
  return didYouMean(model, (await modelNames(bucket, cacheMs)).filter(mayCall));
}

async function versionSuggestion(bucket: RegistryBucket, error: NotInRegistry, asked: NonNullable<NotInRegistry["asked"]>, mayCall: (model: string) => boolean, cacheMs: number): Promise<string> {
  const [allVersions, allAliases] = await Promise.all([listVersionIds(bucket, error.model), listAliasNames(bucket, error.model)]);
  if (allVersions.length + allAliases.length === 0) return `; there is no model "${error.model}"${await modelSuggestion(bucket, error.model, mayCall, cacheMs)}`;
  const versions = asked.among === "aliases" ? [] : allVersions;
  const aliases = asked.among === "versions" ? [] : allAliases;
  const meant = didYouMean(asked.name, [...versions, ...aliases]);
  if (meant || versions.length + aliases.length > LIST_AT_MOST) return meant;
  const parts = [versions.length > 0 && `versions ${quoted(versions)}`, aliases.length > 0 && `${asked.among === "aliases" ? "labels" : "aliases"} ${quoted(aliases)}`].filter(Boolean);
  return parts.length > 0 ? `; it has ${parts.join(" and ")}` : "";
}

/**
 * The same 404 with a "did you mean" (or, for a version, the few there are) when the registry
 * offers one. A failed listing leaves the 404 as it was: the suggestion is a courtesy.
 */
export async function withSuggestion(error: NotInRegistry, bucket: RegistryBucket, mayCall: (model: string) => boolean, cacheMs: number): Promise<HttpError> {
  let suggestion: string;
  try {
    suggestion = error.asked === undefined ? await modelSuggestion(bucket, error.model, mayCall, cacheMs) : await versionSuggestion(bucket, error, error.asked, mayCall, cacheMs);
  } catch {
    return error;
  }
  return suggestion ? new HttpError(404, error.message + suggestion, error.headers) : error;
}
