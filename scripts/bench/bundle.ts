/** Builds the Worker bundle with wrangler (as `wrangler deploy` would) and measures it. */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export interface BundleSize {
  files: { name: string; bytes: number; gzipBytes: number }[];
  rawBytes: number;
  gzipBytes: number;
}

/** `config`: another wrangler.toml (the benchmark's peer Worker), bundled the same way. */
export function buildBundle(root: string, outDir: string, config?: string): void {
  rmSync(outDir, { recursive: true, force: true });
  execFileSync("wrangler", ["deploy", "--dry-run", "--outdir", outDir, ...(config ? ["--config", config] : [])], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
}

/** Raw and gzip (level 9) size of what is uploaded: the script and its wasm module. */
export function measureBundle(outDir: string): BundleSize {
  const files = readdirSync(outDir)
    .filter((name) => name.endsWith(".js") || name.endsWith(".wasm"))
    .map((name) => {
      const bytes = readFileSync(join(outDir, name));
      return { name, bytes: bytes.byteLength, gzipBytes: gzipSync(bytes, { level: 9 }).byteLength };
    });
  return {
    files,
    rawBytes: files.reduce((sum, f) => sum + f.bytes, 0),
    gzipBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0),
  };
}
