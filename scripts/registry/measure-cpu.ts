/**
 * A version's CPU time per batch-1 request in onnxruntime-web, as the Worker runs it: the same
 * session recipe (functions/sessions/session-recipe.ts), single-threaded wasm, no proxy — here in
 * Node, on the publishing machine. Workers bill CPU time and the free plan stops a request at
 * 10 ms, so `maas push` records this figure in the manifest and warns above that limit.
 * Measured as process CPU time (user + system) around each run, median of several runs after a
 * warm-up run, so a busy machine's waiting is not counted.
 */
import * as ort from "onnxruntime-web";
import { ORT_TYPE_OF, STORAGE_OF } from "../../functions/protocol/datatypes.ts";
import type { Manifest, TensorSpec } from "../../functions/registry/manifest.ts";
import { sessionRecipe } from "../../functions/sessions/session-recipe.ts";

/** The Workers free plan's CPU time limit per request. */
export const FREE_PLAN_CPU_MS = 10;

const RUNTIME = `onnxruntime-web ${ort.env.versions.web} (wasm, 1 thread, in Node ${process.versions.node})`;
/** Runs after the warm-up: at least MIN_RUNS, and more while the total is under BUDGET_MS (at most MAX_RUNS). */
const MIN_RUNS = 5;
const MAX_RUNS = 30;
const BUDGET_MS = 300;

ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;
ort.env.logLevel = "error";

/** One batch-1 input: variable dims are 1; values are zero (valid for any datatype, in range for indices). */
function batchOneInput(spec: TensorSpec): ort.Tensor | undefined {
  if (spec.datatype === "BYTES") return undefined;
  const dims = spec.shape.map((d) => (d < 0 ? 1 : d));
  const length = dims.reduce((a, b) => a * b, 1);
  return new ort.Tensor(ORT_TYPE_OF[spec.datatype] as "float32", new STORAGE_OF[spec.datatype](length) as Float32Array, dims);
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/**
 * The median CPU ms of a batch-1 run, or undefined when the model takes string inputs (no generic
 * input to make). `prepackFp32`: the manifest's prepackedBytes is set, so the Worker prepacks.
 */
export async function measureBatch1Cpu(bytes: Uint8Array, inputs: readonly TensorSpec[], prepackFp32: boolean): Promise<Manifest["cpu"] | undefined> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const spec of inputs) {
    const tensor = batchOneInput(spec);
    if (!tensor) return undefined;
    feeds[spec.name] = tensor;
  }
  const recipe = sessionRecipe(bytes, prepackFp32); // as the Worker will run this version
  const session = await ort.InferenceSession.create(recipe.model, recipe.options as ort.InferenceSession.SessionOptions);
  try {
    await session.run(feeds); // the first run allocates and prepares kernels: the Worker's first request, not its steady cost
    const times: number[] = [];
    let total = 0;
    while (times.length < MAX_RUNS && (times.length < MIN_RUNS || total < BUDGET_MS)) {
      const start = process.cpuUsage();
      await session.run(feeds);
      const ms = cpuMsSince(start);
      times.push(ms);
      total += ms;
    }
    times.sort((a, b) => a - b);
    // Positive even when the run is faster than the clock's tick (1 µs).
    return { batch1Ms: Math.max(times[Math.floor(times.length / 2)], 0.001), runtime: RUNTIME };
  } finally {
    await session.release();
  }
}

/** One line for a model that cannot answer within the free plan's CPU limit, or undefined. */
export function cpuLimitWarning(manifest: Manifest): string | undefined {
  if (!manifest.cpu || manifest.cpu.batch1Ms <= FREE_PLAN_CPU_MS) return undefined;
  return (
    `warning: ${manifest.name} version ${manifest.version} takes ~${manifest.cpu.batch1Ms.toFixed(1)} ms of CPU per batch-1 request ` +
    `in onnxruntime-web (measured on this machine), over the Workers free plan's ${FREE_PLAN_CPU_MS} ms CPU limit per request: ` +
    `it needs a paid plan, or a smaller or int8-dynamic quantized model`
  );
}
