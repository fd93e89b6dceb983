/** The per-isolate session cache with real sessions loaded from R2 by the Worker's own loader. */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { memoryCharge, type Manifest } from "../../functions/registry/manifest.ts";
import { loadModel } from "../../functions/sessions/load-model.ts";
import { runExclusive } from "../../functions/sessions/exclusive.ts";
import { ModelCache } from "../../functions/sessions/model-cache.ts";
import { publishFixture } from "./seed.ts";

const manifests = (): Manifest[] => inject("spare").map((f) => f.manifest);

/** The real loader, counting how often it runs. */
function countingLoader() {
  const loads: string[] = [];
  return {
    loads,
    load: (manifest: Manifest) => {
      loads.push(manifest.name);
      return loadModel(env.MODELS, manifest);
    },
  };
}

beforeAll(async () => {
  for (const fixture of inject("spare")) await publishFixture(env.MODELS, fixture);
});

describe("ModelCache", () => {
  it("concurrent first acquisitions share one load", async () => {
    const cache = new ModelCache(64 * 1024 * 1024);
    const { loads, load } = countingLoader();
    const leases = await Promise.all(Array.from({ length: 8 }, () => cache.acquire(manifests()[0], load)));
    expect(loads).toHaveLength(1);
    expect(leases.map((l) => l.source).sort()).toEqual(["joined", "joined", "joined", "joined", "joined", "joined", "joined", "loaded"]);
    expect(new Set(leases.map((l) => l.model.session)).size).toBe(1);
    leases.forEach((l) => l.release());
    const again = await cache.acquire(manifests()[0], load);
    expect(again.source).toBe("warm");
    expect(loads).toHaveLength(1);
    again.release();
  });

  it("two versions of the same bytes share a session, unless one prepacks its float32 weights and the other does not", async () => {
    // The fixture as published (its small float32 weights prepacked), and as an older manifest without prepackedBytes.
    const { prepackedBytes, ...withoutCopy } = manifests()[0];
    expect(prepackedBytes).toBeGreaterThan(0);
    const a: Manifest = { ...withoutCopy, version: "plain" };
    const sameBytes: Manifest = { ...a, version: "plain-copy" };
    const prepacked: Manifest = { ...a, version: "prepacked", prepackedBytes };
    const cache = new ModelCache(64 * 1024 * 1024);
    const { loads, load } = countingLoader();
    const plain = await cache.acquire(a, load);
    const shared = await cache.acquire(sameBytes, load);
    expect(shared.model.session).toBe(plain.model.session);
    expect(cache.has(prepacked)).toBe(false);
    const own = await cache.acquire(prepacked, load);
    expect(own.source).toBe("loaded");
    expect(own.model.session).not.toBe(plain.model.session);
    expect(loads).toEqual([a.name, a.name]);
    expect(cache.size).toBe(2);
    for (const lease of [plain, shared, own]) lease.release();
  });

  it("evicts the least recently used session when over budget, and reloads it on demand", async () => {
    const [a, b, c] = manifests();
    // Room for two of these (equal-sized) models, not three: the budget counts what each is charged (memoryBytes).
    const cache = new ModelCache(Math.floor(memoryCharge(a) * 2.5));
    const { loads, load } = countingLoader();
    (await cache.acquire(a, load)).release();
    (await cache.acquire(b, load)).release();
    (await cache.acquire(a, load)).release(); // a is now more recent than b
    (await cache.acquire(c, load)).release(); // over budget: b goes
    expect(cache.has(a)).toBe(true);
    expect(cache.has(b)).toBe(false);
    expect(cache.has(c)).toBe(true);
    const lease = await cache.acquire(b, load);
    expect(lease.source).toBe("loaded");
    expect(loads).toEqual([a.name, b.name, c.name, b.name]);
    lease.release();
  });

  it("a session in use is not released by eviction until its lease ends", async () => {
    const [a, b] = manifests();
    const cache = new ModelCache(Math.floor(memoryCharge(a) * 1.5));
    const { load } = countingLoader();
    const held = await cache.acquire(a, load);
    (await cache.acquire(b, load)).release(); // evicts a from the cache while `held` still uses it
    expect(cache.has(a)).toBe(false);
    const feeds = { x: new (await import("../../functions/ort/runtime.ts")).ort.Tensor("float32", new Float32Array(4), [1, 4]) };
    const outputs = await held.model.session.run(feeds);
    expect(outputs.probs.dims).toEqual([1, 3]);
    held.release();
  });

  it("makes room before a new model loads, so the new session can reuse the memory of the one it replaces", async () => {
    const [a, b] = manifests();
    const cache = new ModelCache(Math.floor(memoryCharge(a) * 1.5));
    const { loads, load } = countingLoader();
    const first = await cache.acquire(a, load);
    const replaced = first.model.session;
    first.release();
    const feeds = { x: new (await import("../../functions/ort/runtime.ts")).ort.Tensor("float32", new Float32Array(4), [1, 4]) };
    let replacedStillRuns: boolean | undefined;
    const second = await cache.acquire(b, async (manifest) => {
      await runExclusive(async () => undefined); // after every session call queued before this load
      replacedStillRuns = await replaced.run(feeds).then(() => true, () => false);
      return load(manifest);
    });
    expect(replacedStillRuns).toBe(false);
    expect(cache.has(a)).toBe(false);
    expect(cache.has(b)).toBe(true);
    expect(loads).toEqual([a.name, b.name]);
    second.release();
  });

  it("a failed load is not cached", async () => {
    const cache = new ModelCache(64 * 1024 * 1024);
    const missing = { ...manifests()[3], name: "never-published" };
    await expect(cache.acquire(missing, (m) => loadModel(env.MODELS, m))).rejects.toThrow(/blob is missing/);
    expect(cache.size).toBe(0);
  });
});
