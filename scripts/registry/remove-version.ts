/**
 * Removing a version: refused while an alias (or a side of its split) points at it. The manifest
 * goes first so no reader resolves the version any more, then the blob unless another version of
 * the model shares those bytes.
 */
import { blobKey, manifestKey } from "../../functions/registry/layout.ts";
import { listAliases, listManifests, readManifest, type RegistryBucket } from "../../functions/registry/store.ts";
import { versionNotPublished } from "./not-published.ts";
import { checkName, PublishError } from "./publish.ts";

export async function removeVersion(bucket: RegistryBucket, name: string, version: string): Promise<{ blobRemoved: boolean }> {
  checkName("model name", name);
  checkName("version", version);
  const manifest = await readManifest(bucket, name, version);
  if (!manifest) throw await versionNotPublished(bucket, name, version);
  const holders = (await listAliases(bucket, name)).filter((a) => a.version === version || a.split?.some((s) => s.version === version));
  if (holders.length) {
    throw new PublishError(`${name} version ${version} is in use by alias ${holders.map((a) => a.alias).join(", ")}; move the alias first (maas alias set)`);
  }
  await bucket.delete(manifestKey(name, version));
  const shared = (await listManifests(bucket, name)).some((m) => m.sha256 === manifest.sha256);
  if (!shared) await bucket.delete(blobKey(name, manifest.sha256));
  return { blobRemoved: !shared };
}
