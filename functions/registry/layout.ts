/**
 * The published-model layout in the registry bucket (R2), defined once for the Worker and the
 * publisher. Blobs are content-addressed and immutable, manifests are immutable per version, and
 * aliases are the only records that ever change:
 *
 *   models/{name}/blobs/{sha256}.onnx             the ONNX bytes
 *   models/{name}/versions/{version}.json         the version's manifest (functions/registry/manifest.ts)
 *   models/{name}/aliases/{alias}.json            where an alias points (and where it pointed before)
 *
 * A publisher writes blob → manifest → alias, so a reader never finds an alias whose version is
 * incomplete.
 */

/** Model names, version ids and alias names: URL- and key-safe, no path tricks. */
export const NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,126}[A-Za-z0-9_-])?$/;
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;
export const DEFAULT_ALIAS = "latest";

export function isValidName(value: string): boolean {
  return NAME_PATTERN.test(value) && !value.includes("..");
}

export const MODELS_PREFIX = "models/";

export function modelPrefix(name: string): string {
  return `${MODELS_PREFIX}${name}/`;
}

export function blobKey(name: string, sha256: string): string {
  return `${modelPrefix(name)}blobs/${sha256}.onnx`;
}

export function manifestKey(name: string, version: string): string {
  return `${modelPrefix(name)}versions/${version}.json`;
}

export function aliasKey(name: string, alias: string): string {
  return `${modelPrefix(name)}aliases/${alias}.json`;
}

export function versionsPrefix(name: string): string {
  return `${modelPrefix(name)}versions/`;
}

export function aliasesPrefix(name: string): string {
  return `${modelPrefix(name)}aliases/`;
}
