/**
 * The alias cache as deployed (ALIAS_CACHE_MS non-zero; every other test sets 0): after an alias
 * moves, the old version answers until the cached alias is ALIAS_CACHE_MS old, and the new one from
 * then on — a promotion and a rollback both. The clock is moved with fake Date, not waited for.
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

beforeAll(async () => {
  await seedRegistry(testEnv.MODELS);
});

afterEach(() => vi.useRealTimers());

async function servedVersion(alias: string, bucket: Env["MODELS"] = testEnv.MODELS): Promise<string> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`http://maas.test/v2/models/mlp/versions/${alias}/infer`, {
      method: "POST",
      body: JSON.stringify({ inputs: [{ name: "x", datatype: "FP32", shape: [1, 4], data: [0.1, 0.2, 0.3, 0.4] }] }),
    }),
    { ...testEnv, MODELS: bucket, ALIAS_CACHE_MS: String(CACHE_MS) },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const body = await response.json<{ model_version: string }>();
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body.model_version;
}

it(`a moved alias is seen ${CACHE_MS} ms after it was last read, not before and not never`, async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  const start = Date.now();
  await moveAlias(testEnv.MODELS, "mlp", MOVED, { version: "1" });
  expect(await servedVersion(MOVED)).toBe("1"); // read from R2 at `start`

  await moveAlias(testEnv.MODELS, "mlp", MOVED, { version: "2" });
  vi.setSystemTime(start + CACHE_MS - 1);
  expect(await servedVersion(MOVED)).toBe("1");
  vi.setSystemTime(start + CACHE_MS);
  expect(await servedVersion(MOVED)).toBe("2"); // read again at start + CACHE_MS

  // A rollback the same way.
  await moveAlias(testEnv.MODELS, "mlp", MOVED, { version: "1" });
  vi.setSystemTime(start + 2 * CACHE_MS - 1);
  expect(await servedVersion(MOVED)).toBe("2");
  vi.setSystemTime(start + 2 * CACHE_MS);
  expect(await servedVersion(MOVED)).toBe("1");
});

it("requests that arrive together when the alias is due share one read of it", async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  await moveAlias(testEnv.MODELS, "mlp", SHARED, { version: "1" });
  // miniflare's R2, with the reads of the alias's record counted on the way.
  const aliasReads: string[] = [];
  const counted = new Proxy(testEnv.MODELS, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (property !== "get") return typeof value === "function" ? value.bind(target) : value;
      return (key: string, ...rest: unknown[]) => {
        if (key.includes(`/aliases/${SHARED}`)) aliasReads.push(key);
        return (value as (...args: unknown[]) => unknown).call(target, key, ...rest);
      };
    },
  });
  vi.setSystemTime(Date.now() + 10 * CACHE_MS); // whatever an earlier test cached is due
  expect(await Promise.all(Array.from({ length: 8 }, () => servedVersion(SHARED, counted)))).toEqual(Array(8).fill("1"));
  expect(aliasReads).toHaveLength(1);
  // Due again: one more read, again shared.
  await moveAlias(testEnv.MODELS, "mlp", SHARED, { version: "2" });
  vi.setSystemTime(Date.now() + CACHE_MS);
  expect(await Promise.all(Array.from({ length: 8 }, () => servedVersion(SHARED, counted)))).toEqual(Array(8).fill("2"));
  expect(aliasReads).toHaveLength(2);
});
