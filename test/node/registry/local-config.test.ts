/**
 * The rate-limit-free wrangler config that `maas serve` (and every local server the tests start)
 * runs with is written once and then left alone: a running wrangler dev restarts its Worker when the
 * file is replaced, and a request in flight then fails ("Your worker restarted mid-request"), as
 * one did when a second server started beside a running one.
 */
import { readFileSync, statSync } from "node:fs";
import { expect, it } from "vitest";
import { localWranglerConfig } from "../../../scripts/registry/local-config.ts";
import { WRANGLER_CONFIG } from "../../../scripts/registry/paths.ts";

it("a second server start does not replace the generated config that a running server watches", () => {
  const path = localWranglerConfig(false);
  const before = statSync(path);
  const again = localWranglerConfig(false);
  expect(again).toBe(path);
  const after = statSync(path);
  expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  // What it says: wrangler.toml without its rate limits, the sources still found from .maas/.
  const written = readFileSync(path, "utf8");
  expect(written).not.toMatch(/^\[\[ratelimits\]\]/m);
  expect(readFileSync(WRANGLER_CONFIG, "utf8")).toMatch(/^\[\[ratelimits\]\]/m);
  expect(written).toMatch(/^main = "\.\.\/functions\/index\.ts"$/m);
});

it("with rate limits on, wrangler.toml itself", () => {
  expect(localWranglerConfig(true)).toBe(WRANGLER_CONFIG);
});
