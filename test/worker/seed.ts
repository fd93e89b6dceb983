/** Seeds the test R2 bucket through the registry module — the same calls the publisher makes. */
import { inject } from "vitest";
import { moveAlias, writeBlob, writeManifest, type RegistryBucket } from "../../functions/registry/store.ts";

export function fixtureBytes(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

type Fixture = ReturnType<typeof inject<"published">>[number];

/** Publishes one fixture in the publisher's order: blob, manifest, then the `latest` alias. */
export async function publishFixture(bucket: RegistryBucket, fixture: Fixture): Promise<void> {
  await writeBlob(bucket, fixture.name, fixture.manifest.sha256, fixtureBytes(fixture.base64));
  await writeManifest(bucket, fixture.manifest);
  await moveAlias(bucket, fixture.name, "latest", { version: fixture.version });
}

export async function seedRegistry(bucket: RegistryBucket): Promise<void> {
  for (const fixture of inject("published")) await publishFixture(bucket, fixture);
  await moveAlias(bucket, "mlp", "stable", { version: "1" });
}
