/**
 * Activation ranges for static int8: the fp32 model is run in onnxruntime-node on every calibration
 * sample, with the tensors to be quantized added as extra graph outputs (on a copy of the model), and
 * each tensor's range is taken over all samples:
 *   minmax      the smallest and largest value seen;
 *   percentile  the (100 − p)-th and p-th percentiles of all values seen (default p = 99.999, as
 *               onnxruntime's quantizer), from a 2048-bin histogram over the min-max range — a
 *               second pass over the samples; outliers beyond them are clipped.
 * Either range is widened to include 0, so that 0 stays exactly representable (padding, ReLU).
 */
import { decodeModel, encodeModel, DataType, type ModelProto } from "../../onnx/model-io.ts";
import { findConstantWeights } from "../find-weights.ts";
import { openModel, type Feeds, type ModelRunner, type PlainTensor } from "../run-model.ts";

export type CalibrationMethod = "minmax" | "percentile";
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ["minmax", "percentile"];
export const DEFAULT_PERCENTILE = 99.999;
const BINS = 2048;

export interface ActivationRange {
  min: number;
  max: number;
}

/** The ops whose data input gets a QuantizeLinear/DequantizeLinear pair when their weight is int8. */
export const STATIC_OPS = new Set(["Conv", "MatMul", "Gemm"]);

/**
 * The float tensors read as the data input (X of Conv, A of MatMul/Gemm) by main-graph Conv, MatMul
 * and Gemm nodes that have a constant weight: those calibration measures. (Inside If/Loop/Scan
 * bodies activations are not graph outputs one can add, so they keep fp32 activations.)
 */
export function calibrationTargets(model: ModelProto): string[] {
  const graph = model.graph!;
  const constants = findConstantWeights(model);
  const constantNames = new Set(constants.map((c) => c.name));
  const targets = new Set<string>();
  for (const weight of constants) {
    for (const use of weight.uses) {
      if (use.graph !== graph || !STATIC_OPS.has(use.op)) continue;
      const data = use.node.input?.[0];
      if (data && !constantNames.has(data)) targets.add(data);
    }
  }
  return [...targets];
}

/** The model with `names` added as float outputs (those already outputs or inputs are left as they are). */
function exposing(bytes: Uint8Array, names: readonly string[]): Uint8Array {
  const model = decodeModel(bytes);
  const graph = model.graph!;
  const present = new Set([...(graph.output ?? []), ...(graph.input ?? [])].map((v) => v.name));
  for (const name of names) {
    if (!present.has(name)) (graph.output ??= []).push({ name, type: { tensorType: { elemType: DataType.FLOAT } } });
  }
  return encodeModel(model);
}

function valuesOf(name: string, feeds: Feeds, outputs: Record<string, PlainTensor>): Float32Array {
  const t = outputs[name] ?? feeds[name];
  if (!t) throw new Error(`calibration: tensor "${name}" was not produced`);
  if (!(t.data instanceof Float32Array)) throw new Error(`calibration: tensor "${name}" is ${t.type}, not float32`);
  return t.data;
}

async function eachSample(runner: ModelRunner, samples: readonly Feeds[], names: readonly string[], visit: (name: string, values: Float32Array) => void): Promise<void> {
  for (const feeds of samples) {
    const outputs = await runner.run(feeds);
    for (const name of names) visit(name, valuesOf(name, feeds, outputs));
  }
}

/** `bytes`: the fp32 model (after any opset upgrade). Returns a range per name in `names`. */
export async function activationRanges(
  bytes: Uint8Array, names: readonly string[], samples: readonly Feeds[], method: CalibrationMethod, percentile = DEFAULT_PERCENTILE,
): Promise<Map<string, ActivationRange>> {
  const runner = await openModel("node", exposing(bytes, names));
  try {
    const seen = new Map<string, ActivationRange>(names.map((n) => [n, { min: Infinity, max: -Infinity }]));
    const counts = new Map<string, number>(names.map((n) => [n, 0]));
    await eachSample(runner, samples, names, (name, values) => {
      const r = seen.get(name)!;
      for (const v of values) {
        if (v < r.min) r.min = v;
        if (v > r.max) r.max = v;
      }
      counts.set(name, counts.get(name)! + values.length);
    });
    if (method === "percentile") {
      const histograms = new Map(names.map((n) => [n, new Float64Array(BINS)]));
      await eachSample(runner, samples, names, (name, values) => {
        const { min, max } = seen.get(name)!;
        const h = histograms.get(name)!;
        const width = (max - min) / BINS;
        for (const v of values) h[width > 0 ? Math.min(BINS - 1, Math.floor((v - min) / width)) : 0] += 1;
      });
      for (const name of names) {
        const { min, max } = seen.get(name)!;
        seen.set(name, percentileRange(histograms.get(name)!, min, max, counts.get(name)!, percentile));
      }
    }
    const ranges = new Map<string, ActivationRange>();
    for (const [name, r] of seen) {
      if (!Number.isFinite(r.min) || !Number.isFinite(r.max)) throw new Error(`calibration: tensor "${name}" has no finite values on the calibration data`);
      ranges.set(name, { min: Math.min(r.min, 0), max: Math.max(r.max, 0) });
    }
    return ranges;
  } finally {
    await runner.release();
  }
}

/**
 * The lower edge of the bin holding the (100 − p)-th percentile and the upper edge of the bin holding
 * the p-th, within [min, max]: whole bins, so a range never cuts into the bin of a kept value.
 */
export function percentileRange(histogram: Float64Array, min: number, max: number, count: number, percentile: number): ActivationRange {
  const width = (max - min) / histogram.length;
  if (!(width > 0)) return { min, max };
  const tail = (count * (100 - percentile)) / 100;
  let below = 0;
  let low = 0;
  while (low < histogram.length - 1 && below + histogram[low] <= tail) below += histogram[low++];
  let above = 0;
  let high = histogram.length - 1;
  while (high > low && above + histogram[high] <= tail) above += histogram[high--];
  return { min: min + low * width, max: high === histogram.length - 1 ? max : min + (high + 1) * width };
}
