/**
 * The session cache's memory estimate (functions/sessions/heap-estimate.ts) against what
 * onnxruntime-web really holds: `npm run bench:serving`'s measurement — one 4096×4096 layer per
 * quantization mode, handed to ORT as the Worker does, wasm heap growth in a fresh process each.
 * The estimate must stay within -25%/+30% of the measured growth for every mode; without its
 * per-encoding terms it would be 6-10x low for int8 and int4 and 3x low for fp16.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { expect, it } from "vitest";
import { estimateHeapBytes } from "../../../functions/sessions/heap-estimate.ts";
import { manifestFor } from "../../../scripts/registry/inspect-model.ts";
import { layerModel } from "../../../training/bench/layer-model.ts";
import { quantizeModel } from "../../../training/compress/quantize.ts";
import { decodeModel, encodeModel } from "../../../training/onnx/model-io.ts";

interface Row {
  mode: string;
  fileBytes: number;
  wasmHeapBytes: number;
  estimatedHeapBytes: number;
}

it("estimates onnxruntime-web's memory for every quantization mode within -25%/+30% of the measured heap", () => {
  const script = resolve(import.meta.dirname, "../../../training/bench/serving-modes.ts");
  const run = spawnSync(process.execPath, [script, "--size", "4096", "--runs", "1", "--json"], { encoding: "utf8", maxBuffer: 1 << 20 });
  expect(run.status, run.stderr).toBe(0);
  const rows = (JSON.parse(run.stdout) as { rows: Row[] }).rows;
  expect(rows.map((r) => r.mode)).toEqual(["fp32", "int8", "int8-dynamic", "int4", "fp16"]);
  for (const row of rows) {
    const ratio = row.estimatedHeapBytes / row.wasmHeapBytes;
    expect(ratio, `${row.mode}: estimated ${row.estimatedHeapBytes} B, measured +${row.wasmHeapBytes} B`).toBeGreaterThan(0.75);
    expect(ratio, `${row.mode}: estimated ${row.estimatedHeapBytes} B, measured +${row.wasmHeapBytes} B`).toBeLessThan(1.3);
  }
  // The encodings ORT turns back into fp32 are charged well above their file size.
  const byMode = Object.fromEntries(rows.map((r) => [r.mode, r]));
  for (const mode of ["int8", "int4", "fp16"]) expect(byMode[mode].estimatedHeapBytes).toBeGreaterThan(2.5 * byMode[mode].fileBytes);
  expect(byMode["int8-dynamic"].estimatedHeapBytes).toBeLessThan(1.1 * byMode["int8-dynamic"].fileBytes);
}, 300_000);

it("the publisher writes the estimate into the manifest, which the Worker's session cache charges", async () => {
  const model = decodeModel(layerModel(512, 512));
  quantizeModel(model, { mode: "int4", blockSize: 128, perTensor: false, minElements: 0, keepBias: false });
  const bytes = encodeModel(model);
  const manifest = await manifestFor(bytes, { name: "layer", version: "1" });
  expect(manifest.bytes).toBe(bytes.length);
  expect(manifest.memoryBytes).toBe(estimateHeapBytes(bytes));
  expect(manifest.memoryBytes!).toBeGreaterThan(5 * manifest.bytes); // fp32 copies of 4-bit weights
});
