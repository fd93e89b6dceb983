/**
 * Moving aliases by hand: onto a version, onto a weighted split, or back (rollback). An alias is
 * only moved onto versions whose manifest and blob are both stored.
 */
import { blobKey } from "../../functions/registry/layout.ts";
import type { AliasRecord } from "../../functions/registry/manifest.ts";
import { moveAlias, readAlias, readManifest, writeAlias, type RegistryBucket } from "../../functions/registry/store.ts";
import { aliasNotPublished, versionNotPublished } from "./not-published.ts";
import { checkName, PublishError } from "./publish.ts";

export interface SplitSide {
  version: string;
  weight: number;
}

/** "3=90,4=10" → the sides of a split (weights are relative, need not add up to 100). */
export function parseSplit(text: string): SplitSide[] {
  const sides = text.split(",").map((part) => {
    const match = /^\s*([^=\s]+)\s*=\s*([0-9]*\.?[0-9]+)\s*$/.exec(part);
    if (!match) throw new PublishError(`split "${text}": each side is VERSION=WEIGHT, e.g. 3=90,4=10`);
    const weight = Number(match[2]);
    if (!(weight > 0)) throw new PublishError(`split "${text}": weight of ${match[1]} must be positive`);
    return { version: match[1], weight };
  });
  if (sides.length < 2) throw new PublishError(`split "${text}" needs at least two versions`);
  if (new Set(sides.map((s) => s.version)).size !== sides.length) throw new PublishError(`split "${text}" names a version twice`);
  return sides;
}

export async function requirePublished(bucket: RegistryBucket, name: string, version: string): Promise<void> {
  checkName("version", version);
  const manifest = await readManifest(bucket, name, version);
  if (!manifest) throw await versionNotPublished(bucket, name, version);
  if (!(await bucket.head(blobKey(name, manifest.sha256)))) throw new PublishError(`${name} version ${version} has no blob (an interrupted push? push it again)`);
}

/** Points ALIAS at one version, or spreads it over a split (its `version` is the heaviest side). */
export async function setAlias(bucket: RegistryBucket, name: string, alias: string, target: string | SplitSide[]): Promise<AliasRecord> {
  checkName("model name", name);
  checkName("alias", alias);
  const sides = typeof target === "string" ? [{ version: target, weight: 1 }] : target;
  for (const side of sides) await requirePublished(bucket, name, side.version);
  if (typeof target === "string") return moveAlias(bucket, name, alias, { version: target });
  const heaviest = [...target].sort((a, b) => b.weight - a.weight)[0];
  return moveAlias(bucket, name, alias, { version: heaviest.version, split: target });
}

/**
 * Moves the alias back to its previous target and drops that entry from the history, so repeated
 * rollbacks keep going back (v3 → v2 → v1) instead of toggling between the last two.
 */
export async function rollbackAlias(bucket: RegistryBucket, name: string, alias: string, now = new Date()): Promise<{ from: AliasRecord; to: AliasRecord }> {
  checkName("model name", name);
  checkName("alias", alias);
  const current = await readAlias(bucket, name, alias);
  if (!current) throw await aliasNotPublished(bucket, name, alias);
  const [previous, ...older] = current.history;
  if (!previous) throw new PublishError(`${name}/${alias} has no earlier target to roll back to`);
  for (const side of previous.split ?? [{ version: previous.version }]) await requirePublished(bucket, name, side.version);
  const record: AliasRecord = {
    name,
    alias,
    version: previous.version,
    ...(previous.split ? { split: previous.split } : {}),
    updatedAt: now.toISOString(),
    history: older,
  };
  await writeAlias(bucket, record);
  return { from: current, to: record };
}

export function describeTarget(record: Pick<AliasRecord, "version" | "split">): string {
  if (!record.split) return record.version;
  const total = record.split.reduce((n, s) => n + s.weight, 0);
  return record.split.map((s) => `${s.version} ${Math.round((1000 * s.weight) / total) / 10}%`).join(" / ");
}
