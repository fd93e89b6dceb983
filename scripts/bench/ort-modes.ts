/**
 * onnxruntime-web vs onnxruntime-node per-run time for each quantization mode. The web side is the
 * compression helper's own benchmark (training/bench/compress-bench.ts, a 1024×1024 layer at batch
 * 64, wasm, 1 thread), called as is; the node side times the same layer size, batch, modes and
 * run count through the project's ORT runner (training/compress/run-model.ts).
 */
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { decodeModel, encodeModel } from "../../training/onnx/model-io.ts";
import { quantizeModel } from "../../training/compress/quantize.ts";
import { QUANTIZE_MODES } from "../../training/compress/quantize-context.ts";
import { openModel, type Feeds } from "../../training/compress/run-model.ts";
import { inputRows, mlp } from "./models.ts";

export interface ModeTiming {
  mode: string;
  modelBytes: number;
  webMedianMs: number;
  nodeMedianMs: number;
  /** web / node: how much slower the Worker's engine runs this mode. */
  webOverNode: number;
}

interface CompressBenchRow {
  mode: string;
  bytes: number;
  medianMs: number;
}

const COMPRESS_BENCH = resolve(import.meta.dirname, "../../training/bench/compress-bench.ts");
const WIDTH = 1024;
const BATCH = 64;

function webTimings(runs: number): CompressBenchRow[] {
  const out = execFileSync(process.execPath, [COMPRESS_BENCH, "--json", "--runs", String(runs)], { encoding: "utf8", maxBuffer: 16 << 20 });
  return (JSON.parse(out) as { rows: CompressBenchRow[] }).rows;
}

async function nodeMedianMs(bytes: Uint8Array, feeds: Feeds, runs: number): Promise<number> {
  const runner = await openModel("node", bytes);
  for (let i = 0; i < 5; i++) await runner.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await runner.run(feeds);
    times.push(performance.now() - started);
  }
  await runner.release();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export async function measureOrtModes(runs: number): Promise<ModeTiming[]> {
  const web = webTimings(runs);
  const layer = mlp("layer", [WIDTH, WIDTH]).bytes;
  const feeds: Feeds = { x: { type: "float32", dims: [BATCH, WIDTH], data: Float32Array.from(inputRows([WIDTH], BATCH)) } };
  const timings: ModeTiming[] = [];
  for (const mode of ["fp32", ...QUANTIZE_MODES]) {
    const model = decodeModel(layer);
    if (mode !== "fp32") quantizeModel(model, { mode: mode as (typeof QUANTIZE_MODES)[number], blockSize: 32, perTensor: false, minElements: 0, keepBias: true });
    const nodeMs = await nodeMedianMs(encodeModel(model), feeds, runs);
    const webRow = web.find((row) => row.mode === mode);
    if (!webRow) throw new Error(`compress-bench reported no "${mode}" row`);
    timings.push({ mode, modelBytes: webRow.bytes, webMedianMs: webRow.medianMs, nodeMedianMs: nodeMs, webOverNode: webRow.medianMs / nodeMs });
  }
  return timings;
}
