/** The independent check: Python onnx's checker with full_check (see test/fixtures/tools.ts where python3-onnx is missing). */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { PYTHON, pythonModuleMissing } from "../../fixtures/tools.ts";

export const pythonOnnxMissing: string | undefined = pythonModuleMissing("onnx", "python3-onnx");

/** Runs onnx.checker.check_model(full_check=True); returns the error text, or "" when the model passes. */
export function checkWithPythonOnnx(bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), "maas-check-"));
  const path = join(dir, "model.onnx");
  writeFileSync(path, bytes);
  const script = "import onnx,sys\nonnx.checker.check_model(sys.argv[1], full_check=True)";
  const result = spawnSync(PYTHON, ["-c", script, path], { encoding: "utf8" });
  return result.status === 0 ? "" : (result.stderr.trim().split("\n").pop() ?? "failed");
}

/** Python onnx re-serialises the model (C++ protobuf keeps unknown fields): must give the same bytes. */
export function pythonReserialize(bytes: Uint8Array): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "maas-rt-"));
  const path = join(dir, "model.onnx");
  writeFileSync(path, bytes);
  const script = "import onnx,sys\nm=onnx.load(sys.argv[1])\nsys.stdout.buffer.write(m.SerializeToString())";
  const result = spawnSync(PYTHON, ["-c", script, path], { maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(String(result.stderr));
  return new Uint8Array(result.stdout);
}
