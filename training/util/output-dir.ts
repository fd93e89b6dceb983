/** Writes files into a temporary sibling directory and renames it into place: no partial output. */
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** The output directory is already there and replacing it was not asked for: the caller's to fix. */
export class OutputExistsError extends Error {
  override name = "OutputExistsError";
}

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

export async function writeDirectory(out: string, files: Record<string, Uint8Array | string>, force: boolean): Promise<void> {
  if ((await exists(out)) && !force) throw new OutputExistsError(`${out} already exists (use --force to replace it)`);
  const parent = dirname(out);
  await mkdir(parent, { recursive: true });
  const temp = join(parent, `.${basename(out)}.tmp-${process.pid}`);
  try {
    await mkdir(temp);
    for (const [name, content] of Object.entries(files)) await writeFile(join(temp, name), content);
    if (await exists(out)) await rm(out, { recursive: true });
    await rename(temp, out);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}
