/** Where the local registry lives: one directory that `maas push --local` writes and `wrangler dev` reads. */
import { resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");
export const WRANGLER_CONFIG = resolve(REPO_ROOT, "wrangler.toml");

/**
 * The local state directory, passed to `wrangler dev --persist-to`. Git-ignored (`.maas/`).
 * MAAS_STATE_DIR moves it (the tests use a fresh one each).
 */
export function localStateDir(): string {
  return resolve(process.env.MAAS_STATE_DIR ?? resolve(REPO_ROOT, ".maas/state"));
}
