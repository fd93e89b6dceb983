/**
 * Writes model.onnx, report.json and report.html into a temporary sibling directory and renames it
 * into place at the end, so a failure never leaves a partial output directory.
 */
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { CliError } from "../../scripts/cli-error.ts";
import type { PipelineResult } from "../pipeline.ts";
import { reportHtml } from "../report/html.ts";

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

export async function writeOutputDir(out: string, result: Pick<PipelineResult, "bytes" | "report">, force: boolean): Promise<void> {
  if ((await exists(out)) && !force) throw new CliError(`${out} already exists (use --force to replace it)`);
  const parent = dirname(out);
  await mkdir(parent, { recursive: true });
  const temp = join(parent, `.${basename(out)}.tmp-${process.pid}`);
  try {
    await mkdir(temp);
    await writeFile(join(temp, "model.onnx"), result.bytes);
    await writeFile(join(temp, "report.json"), `${JSON.stringify(result.report, null, 2)}\n`);
    await writeFile(join(temp, "report.html"), reportHtml(result.report));
    if (await exists(out)) await rm(out, { recursive: true });
    await rename(temp, out);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}
