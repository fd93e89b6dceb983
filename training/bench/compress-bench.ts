/**
 * Inference time of each compression mode vs fp32 in onnxruntime-web (wasm, 1 thread, as in the
 * Worker), for one 1024×1024 MatMul layer at batch 64. Not a test: timings depend on the machine.
 *   node training/bench/compress-bench.ts [--runs 50] [--json]
 */
import { parseArgs } from "node:util";
import { decodeModel, encodeModel } from "../onnx/model-io.ts";
import { quantizeModel } from "../compress/quantize.ts";
import { QUANTIZE_MODES } from "../compress/quantize-context.ts";
import { compareOutputs } from "../compress/output-difference.ts";
import { openModel, runOnce, type Feeds } from "../compress/run-model.ts";
import { Rng } from "../util/rng.ts";
import { layerModel } from "./layer-model.ts";

const K = 1024;
const N = 1024;
const BATCH = 64;

async function timeRuns(bytes: Uint8Array, feeds: Feeds, runs: number): Promise<{ medianMs: number; minMs: number }> {
  const runner = await openModel("web", bytes);
  for (let i = 0; i < 5; i++) await runner.run(feeds); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await runner.run(feeds);
    times.push(performance.now() - start);
  }
  await runner.release();
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)], minMs: times[0] };
}

const { values } = parseArgs({ options: { runs: { type: "string", default: "50" }, json: { type: "boolean", default: false } } });
const runs = Number(values.runs);
const source = layerModel(K, N);
const rng = new Rng(11);
const feeds: Feeds = { x: { type: "float32", dims: [BATCH, K], data: Float32Array.from({ length: BATCH * K }, () => rng.normal()) } };
const reference = await runOnce("node", source, feeds);

const rows: { mode: string; bytes: number; medianMs: number; minMs: number; relativeL2: number }[] = [];
const fp32 = await timeRuns(source, feeds, runs);
rows.push({ mode: "fp32", bytes: source.length, ...fp32, relativeL2: 0 });
for (const mode of QUANTIZE_MODES) {
  const model = decodeModel(source);
  quantizeModel(model, { mode, blockSize: 128, perTensor: false, minElements: 0, keepBias: false }); // CLI defaults
  const bytes = encodeModel(model);
  const [difference] = compareOutputs(reference, await runOnce("web", bytes, feeds));
  rows.push({ mode, bytes: bytes.length, ...(await timeRuns(bytes, feeds, runs)), relativeL2: difference.relativeL2 });
}

if (values.json) process.stdout.write(`${JSON.stringify({ layer: `${K}x${N}`, batch: BATCH, runs, engine: "onnxruntime-web (wasm, 1 thread)", rows }, null, 2)}\n`);
else {
  process.stdout.write(`MatMul [${BATCH},${K}]x[${K},${N}] in onnxruntime-web (wasm, 1 thread), ${runs} runs after 5 warm-up\n`);
  process.stdout.write(`${"mode".padEnd(13)}${"file".padStart(12)}${"median ms".padStart(11)}${"min ms".padStart(9)}${"vs fp32".padStart(9)}${"rel L2".padStart(11)}\n`);
  for (const r of rows) {
    process.stdout.write(
      `${r.mode.padEnd(13)}${`${(r.bytes / 1024).toFixed(0)} KiB`.padStart(12)}${r.medianMs.toFixed(2).padStart(11)}${r.minMs.toFixed(2).padStart(9)}` +
      `${`${(r.medianMs / fp32.medianMs).toFixed(2)}x`.padStart(9)}${r.relativeL2.toExponential(2).padStart(11)}\n`,
    );
  }
}
