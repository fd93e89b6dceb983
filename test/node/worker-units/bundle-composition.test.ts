/**
 * What goes into the Worker's script, from wrangler's own build (`wrangler deploy --dry-run
 * --metafile`): every byte of it is parsed and evaluated when an isolate starts, which Cloudflare
 * counts against a 1 s start-up limit. Two things kept out on purpose stay out: zod's ~40 locales
 * other than English (`import { z } from "zod"` kept them all, 650 KB of script instead of 297 KB;
 * `import * as z` lets the bundler drop them), and the Node-side code (training/, scripts/, protobufjs).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../..");
let outDir: string;
let inputs: Record<string, { bytesInOutput: number }>;

beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), "maas-bundle-"));
  execFileSync(join(ROOT, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", outDir, "--metafile", join(outDir, "meta.json")], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const meta = JSON.parse(readFileSync(join(outDir, "meta.json"), "utf8")) as { outputs: Record<string, { entryPoint?: string; inputs: typeof inputs }> };
  inputs = Object.values(meta.outputs).find((output) => output.entryPoint)!.inputs;
}, 120_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** Input files that put at least one byte into the script, relative to the project. */
const included = (): string[] => Object.entries(inputs).filter(([, input]) => input.bytesInOutput > 0).map(([path]) => path);

it("zod brings its English messages and no other locale", () => {
  const locales = included().filter((path) => path.includes("zod/v4/locales/"));
  expect(locales.map((path) => path.split("/").pop())).toEqual(["en.js"]);
});

it("no Node-side code: nothing from training/ or scripts/, no protobufjs", () => {
  const nodeSide = included().filter((path) => /^(training|scripts)\//.test(path) || path.includes("node_modules/protobufjs/"));
  expect(nodeSide).toEqual([]);
  // The Worker's own code is there (the check reads the right build).
  expect(included()).toContain("functions/index.ts");
});
