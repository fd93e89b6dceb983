/** Everything published, per model: versions (with sizes) and aliases — what `maas models` prints. */
import type { AliasRecord, Manifest } from "../../functions/registry/manifest.ts";
import { listAliases, listManifests, listModelNames, type RegistryBucket } from "../../functions/registry/store.ts";

export interface ModelListing {
  name: string;
  versions: Array<Pick<Manifest, "version" | "sha256" | "bytes" | "createdAt" | "quantization" | "compression" | "producer" | "cpu">>;
  aliases: Array<Pick<AliasRecord, "alias" | "version" | "split" | "updatedAt"> & { history: string[] }>;
}

export async function listRegistry(bucket: RegistryBucket): Promise<ModelListing[]> {
  const names = await listModelNames(bucket);
  return Promise.all(
    names.map(async (name) => {
      const [manifests, aliases] = await Promise.all([listManifests(bucket, name), listAliases(bucket, name)]);
      return {
        name,
        versions: manifests.map(({ version, sha256, bytes, createdAt, quantization, compression, producer, cpu }) => ({
          version,
          sha256,
          bytes,
          createdAt,
          quantization,
          ...(compression ? { compression } : {}),
          producer,
          ...(cpu ? { cpu } : {}),
        })),
        aliases: aliases
          .sort((a, b) => a.alias.localeCompare(b.alias))
          .map((a) => ({ alias: a.alias, version: a.version, ...(a.split ? { split: a.split } : {}), updatedAt: a.updatedAt, history: a.history.map((h) => h.version) })),
      };
    }),
  );
}
