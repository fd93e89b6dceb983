/**
 * Publishing a model: blob (content-addressed), then the version's manifest, then the aliases —
 * the order that keeps readers safe (functions/registry/layout.ts): an alias is only ever moved to
 * a version whose blob and manifest are already stored. Each step is idempotent, so running the
 * same push again after an interruption finishes it.
 */
import { DEFAULT_ALIAS, isValidName } from "../../functions/registry/layout.ts";
import type { AliasRecord, Manifest } from "../../functions/registry/manifest.ts";
import { listManifests, moveAlias, readAlias, readManifest, writeBlob, writeManifest, type RegistryBucket } from "../../functions/registry/store.ts";
import { manifestFor, sha256Hex, type ManifestOptions } from "./inspect-model.ts";

export class PublishError extends Error {
  override name = "PublishError";
}

/** Points between the steps; the push command can pause there (see interruption test). */
export type PublishStep = "after-blob" | "after-manifest";

export interface PublishRequest {
  bytes: Uint8Array;
  name: string;
  /** Default: the version that already holds these bytes, else the next integer. */
  version?: string;
  /** Default: ["latest"]. */
  aliases?: string[];
  quantization?: string;
  /** Measure the new version's batch-1 CPU time in onnxruntime-web for its manifest (maas push does). */
  measureCpu?: ManifestOptions["measureCpu"];
  /** Which float32 weights the Worker prepacks for a new version (an existing version keeps its manifest). */
  fp32Prepacking?: ManifestOptions["fp32Prepacking"];
  /** Called after each step (awaited): progress, or a test's pause. */
  onStep?: (step: PublishStep) => Promise<void> | void;
}

export interface PublishResult {
  manifest: Manifest;
  /** false when an identical blob was already stored. */
  blobUploaded: boolean;
  /** false when this version was already published with these bytes. */
  manifestWritten: boolean;
  /** Aliases moved (an alias already on this version, without a split, is left alone). */
  aliasesMoved: AliasRecord[];
}

export function checkName(kind: string, value: string): void {
  if (!isValidName(value)) throw new PublishError(`${kind} "${value}" is not valid (letters, digits, "_", "-", "."; at most 128)`);
}

/** The next integer version id after the largest integer id in use. */
export function nextVersion(existing: Manifest[]): string {
  const numbers = existing.map((m) => Number(m.version)).filter((n) => Number.isSafeInteger(n) && n >= 0);
  return String(numbers.length ? Math.max(...numbers) + 1 : 1);
}

export async function publishModel(bucket: RegistryBucket, request: PublishRequest): Promise<PublishResult> {
  const { bytes, name } = request;
  const aliases = request.aliases?.length ? [...new Set(request.aliases)] : [DEFAULT_ALIAS];
  checkName("model name", name);
  if (request.version !== undefined) checkName("version", request.version);
  for (const alias of aliases) checkName("alias", alias);

  const sha256 = sha256Hex(bytes);
  let version = request.version;
  if (version === undefined) {
    const manifests = await listManifests(bucket, name);
    version = manifests.find((m) => m.sha256 === sha256)?.version ?? nextVersion(manifests);
  }
  const existing = await readManifest(bucket, name, version);
  if (existing && existing.sha256 !== sha256) {
    throw new PublishError(`${name} version ${version} is already published with other bytes (sha256 ${existing.sha256.slice(0, 12)}…); versions are immutable, push a new version`);
  }
  // Loads the model in onnxruntime-node: an unloadable file is refused before anything is written.
  const manifest = existing ?? (await manifestFor(bytes, { name, version, quantization: request.quantization, measureCpu: request.measureCpu, fp32Prepacking: request.fp32Prepacking }));

  const blobUploaded = await writeBlob(bucket, name, sha256, bytes);
  await request.onStep?.("after-blob");
  if (!existing) await writeManifest(bucket, manifest);
  await request.onStep?.("after-manifest");

  const aliasesMoved: AliasRecord[] = [];
  for (const alias of aliases) {
    const current = await readAlias(bucket, name, alias);
    if (current && current.version === version && !current.split) continue;
    aliasesMoved.push(await moveAlias(bucket, name, alias, { version }));
  }
  return { manifest, blobUploaded, manifestWritten: !existing, aliasesMoved };
}
