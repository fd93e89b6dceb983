/** Files written by python3 + numpy (test/fixtures/tools.ts finds the interpreter), for the .npy/.npz reader and calibration tests. */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PYTHON, pythonModuleMissing } from "../../fixtures/tools.ts";

export const pythonNumpyMissing: string | undefined = pythonModuleMissing("numpy", "python3-numpy");

/** Runs `script` with numpy imported as np and `out` (a fresh directory) defined; returns the directory and stdout. */
export function withNumpy(script: string): { dir: string; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), "maas-numpy-"));
  const result = spawnSync(PYTHON, ["-c", `import numpy as np, json, sys, os\nout = sys.argv[1]\n${script}`, dir], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`python failed: ${result.stderr}`);
  return { dir, stdout: result.stdout };
}
