/**
 * The CLI's errors for a version or alias the registry does not have, saying what it does have: the
 * model's versions (or aliases), or, when the model has none, that there is no such model and which
 * one was likely meant (shared/did-you-mean.ts, the Worker's rule too).
 */
import { didYouMean, inNaturalOrder } from "../../shared/did-you-mean.ts";
import { listAliasNames, listModelNames, listVersionIds, type RegistryBucket } from "../../functions/registry/store.ts";
import { PublishError } from "./publish.ts";

/** Up to this many names are listed. */
const LIST_AT_MOST = 10;

/** In natural order (2 before 10); of many, the last ones, which are the newest versions. */
function listing(names: readonly string[]): string {
  const sorted = inNaturalOrder(names);
  if (sorted.length <= LIST_AT_MOST) return sorted.join(", ");
  return `${sorted.length - LIST_AT_MOST} more, then ${sorted.slice(-LIST_AT_MOST).join(", ")}`;
}

async function noSuchModel(bucket: RegistryBucket, name: string): Promise<PublishError> {
  return new PublishError(`there is no model ${name} in this registry${didYouMean(name, await listModelNames(bucket))}`);
}

/** `NAME has no version V` with the versions it has, or `there is no model NAME`. */
export async function versionNotPublished(bucket: RegistryBucket, name: string, version: string): Promise<PublishError> {
  const versions = await listVersionIds(bucket, name);
  if (versions.length === 0) return noSuchModel(bucket, name);
  return new PublishError(`${name} has no version ${version}${didYouMean(version, versions)}; its versions: ${listing(versions)}`);
}

/** `NAME has no alias A` with the aliases it has, or `there is no model NAME`. */
export async function aliasNotPublished(bucket: RegistryBucket, name: string, alias: string): Promise<PublishError> {
  const [aliases, versions] = await Promise.all([listAliasNames(bucket, name), listVersionIds(bucket, name)]);
  if (aliases.length + versions.length === 0) return noSuchModel(bucket, name);
  return new PublishError(`${name} has no alias ${alias}${didYouMean(alias, aliases)}; its aliases: ${aliases.length ? listing(aliases) : "none"}`);
}
