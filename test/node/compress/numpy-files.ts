/** Files written by python3 + numpy (test/fixtures/tools.ts finds the interpreter), for the .npy/.npz reader and calibration tests. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
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

/**
 * An .npz written by numpy.savez from float32 arrays the test made (passed to Python as raw bytes):
 * calibration data for inputs JavaScript draws, in the file format users produce.
 */
export function savezFloat32(arrays: Record<string, { shape: number[]; data: Float32Array }>, fileName = "data.npz"): string {
  const dir = mkdtempSync(join(tmpdir(), "maas-npz-"));
  const names = Object.keys(arrays);
  names.forEach((name, i) => writeFileSync(join(dir, `${i}.f32`), arrays[name].data));
  const spec = JSON.stringify(names.map((name, i) => ({ name, file: `${i}.f32`, shape: arrays[name].shape })));
  withNumpy(`spec = json.loads(${JSON.stringify(spec)})
np.savez(os.path.join("${dir}", "${fileName}"), **{s["name"]: np.fromfile(os.path.join("${dir}", s["file"]), dtype="<f4").reshape(s["shape"]) for s in spec})`);
  return join(dir, fileName);
}
