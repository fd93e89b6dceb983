/** The bucket a command works on: the local store (default) or, with --remote, the R2 bucket. */
import { CliError } from "../cli-error.ts";
import type { OpenBucket } from "./local-bucket.ts";
import { localStateDir } from "./paths.ts";
import { openRemoteBucket } from "./remote-bucket.ts";

export const TARGET_OPTIONS = {
  local: { type: "boolean", default: false },
  remote: { type: "boolean", default: false },
} as const;

export async function openRegistry(target: { local?: boolean; remote?: boolean }): Promise<OpenBucket> {
  if (target.local && target.remote) throw new CliError("--local and --remote exclude each other");
  if (target.remote) return openRemoteBucket();
  // Loaded only when needed: it starts miniflare, which --remote and refused arguments never need.
  const { openLocalBucket } = await import("./local-bucket.ts");
  return openLocalBucket(localStateDir());
}

/** Runs `work` on the opened bucket and always closes it (the local store runs a workerd process). */
export async function withRegistry<T>(target: { local?: boolean; remote?: boolean }, work: (opened: OpenBucket) => Promise<T>): Promise<T> {
  const opened = await openRegistry(target);
  try {
    return await work(opened);
  } finally {
    await opened.close();
  }
}
