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
 *   node training/bench/serving-modes.ts [--size 4096] [--depth 1] [--modes fp32,int8,...,int8-static] [--runs 10] [--json]
 *   node training/bench/serving-modes.ts --layer conv|depthwise [--size 128] [--spatial 28] [--runs 10] [--json]
 *   node training/bench/serving-modes.ts --models [--only mlp-layer,detector,classifier,recognizer,moonshine-encoder] [--runs 5] [--json]
 * With --models, whole third-party models instead of one layer (the pinned devDependencies the tests
 * use; third-party-models.ts), and the 4096×4096 layer at batch 1 for comparison: per mode, the
 * file and its ratio to fp32, the wasm heap, batch-1 time in onnxruntime-web and, as a reference,
 * in onnxruntime-node (1 intra-op thread too), each the median and the fastest of --runs (default
 * 5) after a warm-up. A mode that quantizes none of a
 * model's weights is reported with the reason instead of figures.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-web";
import { estimateHeapBytes } from "../../functions/sessions/heap-estimate.ts";
import { sessionRecipe } from "../../functions/sessions/session-recipe.ts";
import { prepackFp32 } from "../../functions/sessions/prepacking.ts";
import { quantizeModel, quantizeModelStatic } from "../compress/quantize.ts";
import { activationRanges, calibrationTargets } from "../compress/calibration/calibrate.ts";
import { QUANTIZE_MODES, type QuantizeMode } from "../compress/quantize-context.ts";
import { decodeModel, encodeModel } from "../onnx/model-io.ts";
import { convLayerModel, layerModel, stackedLayerModel } from "./layer-model.ts";
import { calibrationSamples, CLI_DEFAULTS, modelFiles, STATIC_INT8, SUBJECTS, type ModelFile, type Subject } from "./third-party-models.ts";

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
    depth: { type: "string", default: "1" },
    modes: { type: "string" },
    layer: { type: "string", default: "matmul" },
    spatial: { type: "string", default: "28" },
    runs: { type: "string", default: "10" },
    json: { type: "boolean", default: false },
    child: { type: "string" },
    model: { type: "string" },
    models: { type: "boolean", default: false },
    only: { type: "string" },
    subject: { type: "string" },
  },
});
const layer = values.layer as "matmul" | "conv" | "depthwise";
if (!["matmul", "conv", "depthwise"].includes(layer)) throw new Error(`--layer must be matmul, conv or depthwise (got ${layer})`);
const size = Number(values.size ?? (layer === "matmul" ? 4096 : 128));
const spatial = Number(values.spatial);
const depth = Number(values.depth);
if (!(Number.isInteger(depth) && depth >= 1) || (depth > 1 && layer !== "matmul")) throw new Error(`--depth must be a whole number ≥ 1, and above 1 only for --layer matmul (got ${values.depth})`);
const runs = Number(values.runs);
const batchN = layer === "matmul" ? 64 : 8;
const inputDims = (batch: number): number[] => (layer === "matmul" ? [batch, size] : [batch, size, spatial, spatial]);
/** The layer's input at `batch`: a deterministic signal (time does not depend on its values). */
const benchInput = (batch: number): Float32Array =>
  Float32Array.from({ length: inputDims(batch).reduce((n, d) => n * d, 1) }, (_, i) => Math.sin(i));
const sourceModel = (): Uint8Array =>
  layer === "matmul" ? (depth > 1 ? stackedLayerModel(size, depth) : layerModel(size, size)) : convLayerModel(size, spatial, layer === "depthwise");
const layerName = layer === "matmul" ? `${depth > 1 ? `${depth} stacked ` : ""}MatMul ${size}x${size}` : `${layer === "depthwise" ? "depthwise " : ""}Conv 3x3, ${size} channels on ${spatial}x${spatial}`;

async function modelFor(mode: string): Promise<Uint8Array> {
  const source = sourceModel();
  if (mode === "fp32") return source;
  const model = decodeModel(source);
  const options = { mode: (mode === STATIC_INT8 ? "int8" : mode) as QuantizeMode, ...CLI_DEFAULTS };
  if (mode !== STATIC_INT8) {
    quantizeModel(model, options);
    return encodeModel(model);
  }
  const samples = calibrationSamples({ x: { dims: inputDims(1), data: benchInput(1) } });
  quantizeModelStatic(model, options, await activationRanges(source, calibrationTargets(model), samples, "minmax"));
  return encodeModel(model);
}

async function medianRunMs(session: ort.InferenceSession, batch: number): Promise<number> {
  const dims = inputDims(batch);
  const x = new ort.Tensor("float32", benchInput(batch), dims);
  return medianMs(() => session.run({ x }));
}

async function medianMs(run: () => Promise<unknown>): Promise<number> {
  return (await timedRuns(run))[Math.floor(runs / 2)];
}

/** The times of `runs` runs after one warm-up, fastest first. */
async function timedRuns(run: () => Promise<unknown>): Promise<number[]> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
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
  const { model, options } = sessionRecipe(bytes, prepackFp32(bytes)); // as the Worker runs a file published now
  const session = await ort.InferenceSession.create(model, options);
  const batch1Ms = await medianRunMs(session, 1);
  const batchNMs = await medianRunMs(session, batchN);
  return { mode, fileBytes: bytes.length, wasmHeapBytes: wasmMemory!.buffer.byteLength - before, estimatedHeapBytes: estimateHeapBytes(bytes), batch1Ms, batchNMs };
}

if (values.models || values.subject) {
  await thirdParty();
} else if (values.child) {
  process.stdout.write(JSON.stringify(await measure(values.child, values.model!)));
} else {
  const rows: ModeFigures[] = [];
  const dir = mkdtempSync(join(tmpdir(), "serving-modes-"));
  try {
    const allModes: string[] = ["fp32", ...QUANTIZE_MODES, STATIC_INT8];
    const defaultModes = ["fp32", ...QUANTIZE_MODES];
    const modes = values.modes ? values.modes.split(",") : defaultModes;
    const unknown = modes.filter((m) => !allModes.includes(m));
    if (unknown.length) throw new Error(`--modes: unknown ${unknown.join(", ")} (one or more of ${allModes.join(", ")})`);
    for (const mode of modes) {
      const path = join(dir, `${mode}.onnx`);
      writeFileSync(path, await modelFor(mode));
      const child = spawnSync(process.execPath, [import.meta.filename, "--child", mode, "--model", path, "--size", String(size), "--depth", String(depth), "--runs", String(runs), "--layer", layer, "--spatial", String(spatial)], {
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

interface ModelFigures {
  model: string;
  kind: string;
  mode: string;
  /** Why the mode does not apply (no weight quantized); no figures then. */
  notApplicable?: string;
  /** Weights quantized / constant weights found, and the opset the file was upgraded to, if any. */
  quantized?: string;
  upgradedTo?: number;
  fileBytes?: number;
  ratio?: number;
  /** Growth of the wasm heap from loading and running this model (0 when it fit in what ORT had already). */
  wasmHeapBytes?: number;
  /** The whole wasm heap after the run: ORT's own start (one 16×16 layer loaded and released) plus this model. */
  wasmHeapTotalBytes?: number;
  estimatedHeapBytes?: number;
  /** Median of the runs, and the fastest (on a shared machine the fastest is the least disturbed). */
  webBatch1Ms?: number;
  webBatch1MinMs?: number;
  nodeBatch1Ms?: number;
  nodeBatch1MinMs?: number;
}

/** In the child process: one model file, measured as measure() does, then in onnxruntime-node. */
async function measureModel(subject: Subject, path: string): Promise<Pick<ModelFigures, "wasmHeapBytes" | "wasmHeapTotalBytes" | "estimatedHeapBytes" | "webBatch1Ms" | "webBatch1MinMs" | "nodeBatch1Ms" | "nodeBatch1MinMs">> {
  ort.env.wasm.numThreads = 1;
  await (await ort.InferenceSession.create(layerModel(16, 16))).release();
  const bytes = new Uint8Array(readFileSync(path));
  const before = wasmMemory!.buffer.byteLength;
  const { model, options } = sessionRecipe(bytes, prepackFp32(bytes)); // as the Worker runs a file published now
  const session = await ort.InferenceSession.create(model, options);
  const webFeeds = Object.fromEntries(Object.entries(subject.feeds()).map(([name, t]) => [name, new ort.Tensor("float32", t.data, t.dims)]));
  const web = await timedRuns(() => session.run(webFeeds));
  const wasmHeapTotalBytes = wasmMemory!.buffer.byteLength;
  const wasmHeapBytes = wasmHeapTotalBytes - before;
  await session.release();
  // onnxruntime-node on the same file, one intra-op thread, weight-only int8 with fp32 activations as in run-model.ts.
  const ortNode = await import("onnxruntime-node");
  const nodeSession = await ortNode.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, extra: { session: { qdq_matmulnbits_accuracy_level: "0" } } });
  const nodeFeeds = Object.fromEntries(Object.entries(subject.feeds()).map(([name, t]) => [name, new ortNode.Tensor("float32", t.data, t.dims)]));
  const node = await timedRuns(() => nodeSession.run(nodeFeeds));
  await nodeSession.release();
  const median = Math.floor(runs / 2);
  return {
    wasmHeapBytes, wasmHeapTotalBytes, estimatedHeapBytes: estimateHeapBytes(bytes),
    webBatch1Ms: web[median], webBatch1MinMs: web[0], nodeBatch1Ms: node[median], nodeBatch1MinMs: node[0],
  };
}

async function thirdParty(): Promise<void> {
  const runsHere = String(process.argv.includes("--runs") ? runs : 5);
  if (values.subject) {
    const subject = SUBJECTS.find((s) => s.id === values.subject)!;
    process.stdout.write(JSON.stringify(await measureModel(subject, values.model!)));
    return;
  }
  const only = values.only?.split(",");
  const subjects = SUBJECTS.filter((s) => !only || only.includes(s.id));
  if (only && subjects.length !== only.length) throw new Error(`--only takes ${SUBJECTS.map((s) => s.id).join(", ")}`);
  const rows: ModelFigures[] = [];
  const dir = mkdtempSync(join(tmpdir(), "serving-models-"));
  try {
    for (const subject of subjects) {
      const files: ModelFile[] = await modelFiles(subject, ["fp32", ...QUANTIZE_MODES, STATIC_INT8]);
      const fp32Bytes = files.find((f) => f.mode === "fp32")!.bytes!.length;
      for (const file of files) {
        const row: ModelFigures = { model: subject.label, kind: subject.kind, mode: file.mode };
        rows.push(row);
        if (!file.bytes) {
          row.notApplicable = file.notApplicable;
          process.stderr.write(`${subject.id} ${file.mode}: n/a (${file.notApplicable})\n`);
          continue;
        }
        Object.assign(row, { quantized: file.quantized, upgradedTo: file.upgradedTo, fileBytes: file.bytes.length, ratio: file.bytes.length / fp32Bytes });
        const path = join(dir, `${subject.id}-${file.mode}.onnx`);
        writeFileSync(path, file.bytes);
        const child = spawnSync(process.execPath, [import.meta.filename, "--subject", subject.id, "--model", path, "--runs", runsHere], { encoding: "utf8", maxBuffer: 1 << 20 });
        rmSync(path);
        if (child.status !== 0) {
          row.notApplicable = `does not run: ${child.stderr.trim().split("\n").at(-1)}`;
        } else {
          Object.assign(row, JSON.parse(child.stdout));
        }
        process.stderr.write(`${subject.id} ${file.mode}: ${JSON.stringify(row)}\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ runs: Number(runsHere), engine: "onnxruntime-web (wasm, 1 thread), session recipe of the Worker; onnxruntime-node 1 intra-op thread as reference", rows }, null, 2)}\n`);
    return;
  }
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
  process.stdout.write(`Third-party models, batch 1, median of ${runsHere} runs, one process per model and mode\n`);
  process.stdout.write(`${"model".padEnd(34)}${"mode".padEnd(14)}${"file".padStart(11)}${"ratio".padStart(8)}${"wasm heap".padStart(13)}${"(total)".padStart(12)}${"estimated".padStart(12)}${"web (min)".padStart(18)}${"node (min)".padStart(18)}\n`);
  for (const r of rows) {
    const head = `${r.model.padEnd(34)}${r.mode.padEnd(14)}`;
    if (r.notApplicable) {
      process.stdout.write(`${head}n/a: ${r.notApplicable}\n`);
      continue;
    }
    process.stdout.write(
      `${head}${mib(r.fileBytes!).padStart(11)}${`${r.ratio!.toFixed(3)}x`.padStart(8)}${`+${mib(r.wasmHeapBytes!)}`.padStart(13)}${mib(r.wasmHeapTotalBytes!).padStart(12)}${mib(r.estimatedHeapBytes!).padStart(12)}${`${r.webBatch1Ms!.toFixed(1)} (${r.webBatch1MinMs!.toFixed(1)}) ms`.padStart(18)}${`${r.nodeBatch1Ms!.toFixed(1)} (${r.nodeBatch1MinMs!.toFixed(1)}) ms`.padStart(18)}\n`,
    );
  }
}
