/**
 * What each compression mode costs when the Worker serves it: onnxruntime-web (wasm, 1 thread)
 * memory and run time for one K×K MatMul layer (or, with --layer conv|depthwise, one 3×3
 * convolution of K channels on S×S, which is how int8-dynamic's ConvInteger was chosen for
 * ordinary convolutions and weight-only int8 for depthwise ones), handed to ORT as the Worker does
 * (functions/sessions/session-recipe.ts: external weights, prepacking, optimization level).
 * Memory is the growth of ORT's wasm heap, which never shrinks — so each mode runs in a fresh
 * process, and the figure is the heap's peak; beside it, the estimate the Worker's session cache
 * charges (heap-estimate.ts; test/node/worker-units/heap-estimate.test.ts holds it to this
 * measurement). Not a test itself: times depend on the machine.
 *   node training/bench/serving-modes.ts [--size 4096] [--runs 10] [--json]
 *   node training/bench/serving-modes.ts --layer conv|depthwise [--size 128] [--spatial 28] [--runs 10] [--json]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-web";
import { estimateHeapBytes } from "../../functions/sessions/heap-estimate.ts";
import { sessionRecipe } from "../../functions/sessions/session-recipe.ts";
import { quantizeModel } from "../compress/quantize.ts";
import { QUANTIZE_MODES, type QuantizeMode } from "../compress/quantize-context.ts";
import { decodeModel, encodeModel } from "../onnx/model-io.ts";
import { convLayerModel, layerModel } from "./layer-model.ts";

interface ModeFigures {
  mode: string;
  fileBytes: number;
  /** Growth of onnxruntime-web's wasm heap from loading the model and running it (the heap never shrinks: this is its peak). */
  wasmHeapBytes: number;
  /** What the Worker's session cache charges for the file (functions/sessions/heap-estimate.ts). */
  estimatedHeapBytes: number;
  batch1Ms: number;
  /** At batch 64 for a MatMul layer, 8 for a convolution (`batchN` in the JSON). */
  batchNMs: number;
}

const { values } = parseArgs({
  options: {
    size: { type: "string" },
    layer: { type: "string", default: "matmul" },
    spatial: { type: "string", default: "28" },
    runs: { type: "string", default: "10" },
    json: { type: "boolean", default: false },
    child: { type: "string" },
    model: { type: "string" },
  },
});
const layer = values.layer as "matmul" | "conv" | "depthwise";
if (!["matmul", "conv", "depthwise"].includes(layer)) throw new Error(`--layer must be matmul, conv or depthwise (got ${layer})`);
const size = Number(values.size ?? (layer === "matmul" ? 4096 : 128));
const spatial = Number(values.spatial);
const runs = Number(values.runs);
const batchN = layer === "matmul" ? 64 : 8;
const inputDims = (batch: number): number[] => (layer === "matmul" ? [batch, size] : [batch, size, spatial, spatial]);
const sourceModel = (): Uint8Array => (layer === "matmul" ? layerModel(size, size) : convLayerModel(size, spatial, layer === "depthwise"));
const layerName = layer === "matmul" ? `MatMul ${size}x${size}` : `${layer === "depthwise" ? "depthwise " : ""}Conv 3x3, ${size} channels on ${spatial}x${spatial}`;

function modelFor(mode: string): Uint8Array {
  const source = sourceModel();
  if (mode === "fp32") return source;
  const model = decodeModel(source);
  quantizeModel(model, { mode: mode as QuantizeMode, blockSize: 128, perTensor: false, minElements: 0, keepBias: false }); // CLI defaults
  return encodeModel(model);
}

async function medianRunMs(session: ort.InferenceSession, batch: number): Promise<number> {
  const dims = inputDims(batch);
  const x = new ort.Tensor("float32", Float32Array.from({ length: dims.reduce((n, d) => n * d, 1) }, (_, i) => Math.sin(i)), dims);
  await session.run({ x });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await session.run({ x });
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

/** onnxruntime-web's wasm memory, caught as its glue creates it. */
let wasmMemory: WebAssembly.Memory | undefined;
const NativeMemory = WebAssembly.Memory;
WebAssembly.Memory = function (descriptor: WebAssembly.MemoryDescriptor) {
  wasmMemory = new NativeMemory(descriptor);
  return wasmMemory;
} as unknown as typeof WebAssembly.Memory;

/** In the child process: one mode's model file, measured from an onnxruntime-web that has already started. */
async function measure(mode: string, path: string): Promise<ModeFigures> {
  ort.env.wasm.numThreads = 1;
  await (await ort.InferenceSession.create(layerModel(16, 16))).release(); // ORT's own start is not the mode's
  const bytes = new Uint8Array(readFileSync(path));
  const before = wasmMemory!.buffer.byteLength;
  const { model, options } = sessionRecipe(bytes);
  const session = await ort.InferenceSession.create(model, options);
  const batch1Ms = await medianRunMs(session, 1);
  const batchNMs = await medianRunMs(session, batchN);
  return { mode, fileBytes: bytes.length, wasmHeapBytes: wasmMemory!.buffer.byteLength - before, estimatedHeapBytes: estimateHeapBytes(bytes), batch1Ms, batchNMs };
}

if (values.child) {
  process.stdout.write(JSON.stringify(await measure(values.child, values.model!)));
} else {
  const rows: ModeFigures[] = [];
  const dir = mkdtempSync(join(tmpdir(), "serving-modes-"));
  try {
    for (const mode of ["fp32", ...QUANTIZE_MODES]) {
      const path = join(dir, `${mode}.onnx`);
      writeFileSync(path, modelFor(mode));
      const child = spawnSync(process.execPath, [import.meta.filename, "--child", mode, "--model", path, "--size", String(size), "--runs", String(runs), "--layer", layer, "--spatial", String(spatial)], {
        encoding: "utf8",
        maxBuffer: 1 << 20,
      });
      if (child.status !== 0) throw new Error(`${mode}: ${child.stderr.trim().split("\n").at(-1)}`);
      rows.push(JSON.parse(child.stdout) as ModeFigures);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ layer: layerName, batchN, runs, engine: "onnxruntime-web (wasm, 1 thread), session recipe of the Worker", rows }, null, 2)}\n`);
  } else {
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
    process.stdout.write(`${layerName} in onnxruntime-web (wasm, 1 thread, handed over as the Worker does), median of ${runs} runs, one process per mode\n`);
    process.stdout.write(`${"mode".padEnd(14)}${"file".padStart(11)}${"wasm heap".padStart(12)}${"estimated".padStart(12)}${"batch 1".padStart(11)}${`batch ${batchN}`.padStart(11)}\n`);
    for (const r of rows) {
      process.stdout.write(
        `${r.mode.padEnd(14)}${mib(r.fileBytes).padStart(11)}${`+${mib(r.wasmHeapBytes)}`.padStart(12)}${mib(r.estimatedHeapBytes).padStart(12)}${`${r.batch1Ms.toFixed(1)} ms`.padStart(11)}${`${r.batchNMs.toFixed(1)} ms`.padStart(11)}\n`,
      );
    }
  }
}
