/**
 * The alias cache as deployed (ALIAS_CACHE_MS non-zero; every other test sets 0): after an alias
 * moves, the old version answers until the cached alias is ALIAS_CACHE_MS old at the latest, and the
 * new one from then on — a promotion and a rollback both; in the last quarter of that time a request
 * is answered from the cache while one background read renews it (refresh-ahead), so no request
 * waits for R2 while traffic flows. The clock is moved with fake Date, not waited for.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeAll, expect, it, vi } from "vitest";
import type { Env } from "../../functions/env.ts";
import worker from "../../functions/index.ts";
import { moveAlias } from "../../functions/registry/store.ts";
import { seedRegistry } from "./seed.ts";

const testEnv = env as unknown as Env;
const CACHE_MS = 250;
// Each test moves its own alias: the isolate's alias cache outlives a test (and a file).
const MOVED = "alias-cache-moved";
const SHARED = "alias-cache-shared";
const AHEAD = "alias-cache-ahead";
/** Requests before this age of the cached alias start no background read (functions/registry/resolve.ts). */
const QUIET_MS = 0.75 * CACHE_MS - 1;

beforeAll(async () => {
  await seedRegistry(testEnv.MODELS);
});

afterEach(() => vi.useRealTimers());

/** The version that answered, and the request's execution context (its background work may still run). */
async function answer(alias: string, bucket: Env["MODELS"]): Promise<{ version: string; ctx: ExecutionContext }> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`http://maas.test/v2/models/mlp/versions/${alias}/infer`, {
      method: "POST",
      body: JSON.stringify({ inputs: [{ name: "x", datatype: "FP32", shape: [1, 4], data: [0.1, 0.2, 0.3, 0.4] }] }),
    }),
    { ...testEnv, MODELS: bucket, ALIAS_CACHE_MS: String(CACHE_MS) },
    ctx,
  );
  const body = await response.json<{ model_version: string }>();
  expect(response.status, JSON.stringify(body)).toBe(200);
  return { version: body.model_version, ctx };
}

async function servedVersion(alias: string, bucket: Env["MODELS"] = testEnv.MODELS): Promise<string> {
  const { version, ctx } = await answer(alias, bucket);
  await waitOnExecutionContext(ctx);
  return version;
}

/**
 * miniflare's R2, with the reads of `alias`'s record counted on the way and, while `held` is
 * pending, held back (as a slow R2 read would be).
 */
function watchedBucket(alias: string, held: Promise<void> = Promise.resolve()): { bucket: Env["MODELS"]; aliasReads: string[] } {
  const aliasReads: string[] = [];
  const bucket = new Proxy(testEnv.MODELS, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (property !== "get") return typeof value === "function" ? value.bind(target) : value;
      return async (key: string, ...rest: unknown[]) => {
        if (key.includes(`/aliases/${alias}`)) {
          aliasReads.push(key);
          await held;
        }
        return (value as (...args: unknown[]) => unknown).call(target, key, ...rest);
      };
    },
  });
  return { bucket, aliasReads };
}

it(`a moved alias is seen ${CACHE_MS} ms after it was last read at the latest, and not never`, async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  const start = Date.now();
  await moveAlias(testEnv.MODELS, "mlp", MOVED, { version: "1" });
  expect(await servedVersion(MOVED)).toBe("1"); // read from R2 at `start`

  await moveAlias(testEnv.MODELS, "mlp", MOVED, { version: "2" });
  vi.setSystemTime(start + QUIET_MS);
  expect(await servedVersion(MOVED)).toBe("1");
  vi.setSystemTime(start + CACHE_MS);
  expect(await servedVersion(MOVED)).toBe("2"); // read again at start + CACHE_MS

  // A rollback the same way.
  await moveAlias(testEnv.MODELS, "mlp", MOVED, { version: "1" });
  vi.setSystemTime(start + CACHE_MS + QUIET_MS);
  expect(await servedVersion(MOVED)).toBe("2");
  vi.setSystemTime(start + 2 * CACHE_MS);
  expect(await servedVersion(MOVED)).toBe("1");
});

it("in the last quarter of its time the cached alias answers while one background read renews it", async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  const start = Date.now();
  await moveAlias(testEnv.MODELS, "mlp", AHEAD, { version: "1" });
  expect(await servedVersion(AHEAD)).toBe("1"); // read from R2 at `start`
  await moveAlias(testEnv.MODELS, "mlp", AHEAD, { version: "2" });

  // R2 slow to answer the renewal: the requests are answered all the same, from the cache.
  let release!: () => void;
  const { bucket, aliasReads } = watchedBucket(AHEAD, new Promise<void>((resolve) => (release = resolve)));
  vi.setSystemTime(start + 0.8 * CACHE_MS);
  const first = await answer(AHEAD, bucket);
  const second = await answer(AHEAD, bucket);
  expect([first.version, second.version]).toEqual(["1", "1"]);
  expect(aliasReads).toHaveLength(1); // one renewal, not one per request

  release();
  await waitOnExecutionContext(first.ctx); // the renewal is the first request's background work
  await waitOnExecutionContext(second.ctx);
  // Renewed before it was due: the moved alias answers, with no read on the request's way.
  vi.setSystemTime(start + 0.8 * CACHE_MS + 1);
  expect(await servedVersion(AHEAD, bucket)).toBe("2");
  expect(aliasReads).toHaveLength(1);
  // The renewal counts from when it read: due CACHE_MS after that, not after the first read.
  vi.setSystemTime(start + CACHE_MS + 1);
  expect(await servedVersion(AHEAD, bucket)).toBe("2");
  expect(aliasReads).toHaveLength(1);
});

it("requests that arrive together when the alias is due share one read of it", async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  await moveAlias(testEnv.MODELS, "mlp", SHARED, { version: "1" });
  const { bucket: counted, aliasReads } = watchedBucket(SHARED);
  vi.setSystemTime(Date.now() + 10 * CACHE_MS); // whatever an earlier test cached is due
  expect(await Promise.all(Array.from({ length: 8 }, () => servedVersion(SHARED, counted)))).toEqual(Array(8).fill("1"));
  expect(aliasReads).toHaveLength(1);
  // Due again: one more read, again shared.
  await moveAlias(testEnv.MODELS, "mlp", SHARED, { version: "2" });
  vi.setSystemTime(Date.now() + CACHE_MS);
  expect(await Promise.all(Array.from({ length: 8 }, () => servedVersion(SHARED, counted)))).toEqual(Array(8).fill("2"));
  expect(aliasReads).toHaveLength(2);
});
