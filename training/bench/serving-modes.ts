/**
 * What each compression mode costs when the Worker serves it: onnxruntime-web (wasm, 1 thread)
 * memory and run time for one K×K MatMul layer, handed to ORT as the Worker does
 * (functions/sessions/session-recipe.ts: external weights, prepacking, optimization level).
 * Memory is the growth of ORT's wasm heap, which never shrinks — so each mode runs in a fresh
 * process, and the figure is the heap's peak; beside it, the estimate the Worker's session cache
 * charges (heap-estimate.ts; test/node/worker-units/heap-estimate.test.ts holds it to this
 * measurement). Not a test itself: times depend on the machine.
 *   node training/bench/serving-modes.ts [--size 4096] [--runs 10] [--json]
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
import { layerModel } from "./layer-model.ts";

interface ModeFigures {
  mode: string;
  fileBytes: number;
  /** Growth of onnxruntime-web's wasm heap from loading the model and running it (the heap never shrinks: this is its peak). */
  wasmHeapBytes: number;
  /** What the Worker's session cache charges for the file (functions/sessions/heap-estimate.ts). */
  estimatedHeapBytes: number;
  batch1Ms: number;
  batch64Ms: number;
}

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "4096" },
    runs: { type: "string", default: "10" },
    json: { type: "boolean", default: false },
    child: { type: "string" },
    model: { type: "string" },
  },
});
const size = Number(values.size);
const runs = Number(values.runs);

function modelFor(mode: string): Uint8Array {
  const source = layerModel(size, size);
  if (mode === "fp32") return source;
  const model = decodeModel(source);
  quantizeModel(model, { mode: mode as QuantizeMode, blockSize: 128, perTensor: false, minElements: 0, keepBias: false }); // CLI defaults
  return encodeModel(model);
}

async function medianRunMs(session: ort.InferenceSession, batch: number): Promise<number> {
  const x = new ort.Tensor("float32", Float32Array.from({ length: batch * size }, (_, i) => Math.sin(i)), [batch, size]);
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
  const batch64Ms = await medianRunMs(session, 64);
  return { mode, fileBytes: bytes.length, wasmHeapBytes: wasmMemory!.buffer.byteLength - before, estimatedHeapBytes: estimateHeapBytes(bytes), batch1Ms, batch64Ms };
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
      const child = spawnSync(process.execPath, [import.meta.filename, "--child", mode, "--model", path, "--size", String(size), "--runs", String(runs)], {
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
    process.stdout.write(`${JSON.stringify({ layer: `${size}x${size}`, runs, engine: "onnxruntime-web (wasm, 1 thread), session recipe of the Worker", rows }, null, 2)}\n`);
  } else {
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
    process.stdout.write(`MatMul ${size}x${size} in onnxruntime-web (wasm, 1 thread, handed over as the Worker does), median of ${runs} runs, one process per mode\n`);
    process.stdout.write(`${"mode".padEnd(14)}${"file".padStart(11)}${"wasm heap".padStart(12)}${"estimated".padStart(12)}${"batch 1".padStart(11)}${"batch 64".padStart(11)}\n`);
    for (const r of rows) {
      process.stdout.write(
        `${r.mode.padEnd(14)}${mib(r.fileBytes).padStart(11)}${`+${mib(r.wasmHeapBytes)}`.padStart(12)}${mib(r.estimatedHeapBytes).padStart(12)}${`${r.batch1Ms.toFixed(1)} ms`.padStart(11)}${`${r.batch64Ms.toFixed(1)} ms`.padStart(11)}\n`,
      );
    }
  }
}
