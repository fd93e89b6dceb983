/**
 * The benchmark's R2 store is a directory: one file per object key. The Node side publishes into it
 * through the registry's own writers (blob → manifest → alias); workerd reads the same files through
 * a disk service (see workerd-entry.js), and the Node server reads blobs from it directly.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { blobKey } from "../../functions/registry/layout.ts";
import type { Manifest } from "../../functions/registry/manifest.ts";
import { moveAlias, writeBlob, writeManifest, type RegistryBucket } from "../../functions/registry/store.ts";
import { manifestFor } from "../registry/inspect-model.ts";

/** get/put/head over files: all that publishing needs (listing is never used by the benchmark). */
function directoryBucket(root: string): RegistryBucket {
  const path = (key: string) => join(root, key);
  const bucket = {
    async get(key: string) {
      if (!existsSync(path(key))) return null;
      const bytes = readFileSync(path(key));
      return { key, size: bytes.byteLength, text: async () => bytes.toString("utf8"), arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) };
    },
    async head(key: string) {
      return existsSync(path(key)) ? { key } : null;
    },
    async put(key: string, value: string | Uint8Array | ArrayBuffer) {
      mkdirSync(dirname(path(key)), { recursive: true });
      writeFileSync(path(key), typeof value === "string" ? value : new Uint8Array(value as ArrayBuffer));
      return { key };
    },
  };
  return bucket as unknown as RegistryBucket;
}

export interface Published {
  name: string;
  manifest: Manifest;
  /** Where the blob's bytes are on disk. */
  blobPath: string;
}

/** Publishes `bytes` as version "1" of `name`, aliased `latest`, into the directory store. */
export async function publish(root: string, name: string, bytes: Uint8Array, quantization?: string): Promise<Published> {
  const bucket = directoryBucket(root);
  const manifest = await manifestFor(bytes, { name, version: "1", quantization, createdAt: new Date("2026-11-01T00:00:00Z") });
  await writeBlob(bucket, name, manifest.sha256, bytes);
  await writeManifest(bucket, manifest);
  await moveAlias(bucket, name, "latest", { version: "1" });
  return { name, manifest, blobPath: join(root, blobKey(name, manifest.sha256)) };
}
