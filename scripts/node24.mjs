#!/usr/bin/env node
// Runs a command with Node >= 22.18 first on PATH. wrangler, workerd's tooling, vitest and our
// TypeScript CLI (Node's built-in type stripping) need it; many machines still have Node 20.
// When the running Node is too old, Node 24 is installed once from the npm registry into the
// project-local, git-ignored .tooling/ prefix — the system Node is never touched.
// Plain JavaScript on purpose: this file must run on the old Node.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const toolingBin = join(root, ".tooling", "node_modules", ".bin");
const localBin = join(root, "node_modules", ".bin");

function recentEnough(version) {
  const [major, minor] = version.replace(/^v/, "").split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 18);
}

let pathPrefix = [localBin];
if (!recentEnough(process.versions.node)) {
  if (!existsSync(join(toolingBin, "node"))) {
    process.stderr.write(`Node ${process.versions.node} is too old; installing Node 24 into .tooling/ (once)...\n`);
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const install = spawnSync(npm, ["install", "--prefix", join(root, ".tooling"), "--no-audit", "--no-fund", "node@24"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (install.status !== 0) {
      process.stderr.write("could not install Node 24 from the npm registry\n");
      process.exit(1);
    }
  }
  pathPrefix = [toolingBin, localBin];
}

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write("usage: node scripts/node24.mjs <command> [args...]\n");
  process.exit(2);
}
// V8's code cache on disk for every Node started below (the CLI, wrangler, vitest and the processes
// they spawn): each `maas` command is a fresh Node that compiles miniflare, zod, protobufjs... again.
// Measured: `maas models` 0.98 -> 0.83 s of CPU. Node keys the cache by its version and each file's
// contents, so a stale entry is never used.
const compileCache = process.env.NODE_COMPILE_CACHE ?? join(root, "node_modules", ".cache", "node-compile-cache");
const env = { ...process.env, NODE_COMPILE_CACHE: compileCache, PATH: [...pathPrefix, process.env.PATH ?? ""].join(delimiter) };
const result = spawnSync(command, args, { stdio: "inherit", env, cwd: process.cwd() });
if (result.error) {
  process.stderr.write(`${command}: ${result.error.message}\n`);
  process.exit(1);
}
process.exit(result.status ?? (result.signal ? 128 : 1));
