/**
 * Magnitude pruning: zero the smallest-magnitude entries of every MatMul/Gemm constant weight
 * (main graph and subgraphs), per layer or with one global threshold. Rewrites `model` in place;
 * the pruned weights stay dense fp32 (same file size; zeros compress under gzip and quantization).
 */
import { DataType, type ModelProto } from "../onnx/model-io.ts";
import { findConstantWeights, opFamily, type ConstantWeight } from "./find-weights.ts";

export type PruneScope = "layer" | "global";

export interface PruneOptions {
  sparsity: number;
  scope: PruneScope;
  minElements: number;
}

export interface PruneLayerReport {
  weight: string;
  graph: string;
  shape: number[];
  elements: number;
  zerosBefore: number;
  zerosAfter: number;
  keptBecause: string | undefined;
}

export interface PruneResult {
  layers: PruneLayerReport[];
  /** 1 = kept, 0 = pruned, per pruned weight (in its stored layout), for fine-tuning with the mask held. */
  masks: Map<string, Float32Array>;
}

/** The magnitude at or below which `count` of `values` fall (the count-th smallest |v|). */
function magnitudeThreshold(magnitudes: Float32Array, count: number): number {
  if (count <= 0) return -1;
  const sorted = Float32Array.from(magnitudes).sort();
  return sorted[Math.min(count, sorted.length) - 1];
}

function zeroCount(values: Float32Array): number {
  let n = 0;
  for (const v of values) if (v === 0) n += 1;
  return n;
}

function eligible(w: ConstantWeight, minElements: number): string | undefined {
  if (w.dims.length !== 2) return `rank ${w.dims.length} weight`;
  if (w.otherUses > 0 || w.biasUses.length > 0) return "also used by something other than a MatMul/Gemm weight input";
  if (w.values.length < minElements) return `${w.values.length} elements < --min-elements ${minElements}`;
  return undefined;
}

export function pruneModel(model: ModelProto, options: PruneOptions): PruneResult {
  if (!(options.sparsity >= 0 && options.sparsity < 1)) throw new Error(`sparsity must be in [0, 1), got ${options.sparsity}`);
  // Pruning covers MatMul/Gemm weights (a convolution's or an embedding's zeros buy nothing here).
  const weights = findConstantWeights(model).filter((w) => w.uses.length > 0 && w.uses.every((u) => opFamily(u.op) === "matmul"));
  const chosen = weights.filter((w) => eligible(w, options.minElements) === undefined);
  const masks = new Map<string, Float32Array>();

  let globalThreshold = -1;
  if (options.scope === "global" && chosen.length) {
    const all = new Float32Array(chosen.reduce((n, w) => n + w.values.length, 0));
    let offset = 0;
    for (const w of chosen) {
      for (let i = 0; i < w.values.length; i++) all[offset + i] = Math.abs(w.values[i]);
      offset += w.values.length;
    }
    globalThreshold = magnitudeThreshold(all, Math.floor(options.sparsity * all.length));
  }

  const layers = weights.map((w): PruneLayerReport => {
    const reason = eligible(w, options.minElements);
    const report = { weight: w.name, graph: w.ownerPath, shape: w.dims, elements: w.values.length, zerosBefore: zeroCount(w.values) };
    if (reason) return { ...report, zerosAfter: report.zerosBefore, keptBecause: reason };
    const target = Math.floor(options.sparsity * w.values.length);
    const magnitudes = Float32Array.from(w.values, Math.abs);
    const threshold = options.scope === "global" ? globalThreshold : magnitudeThreshold(magnitudes, target);
    const mask = new Float32Array(w.values.length).fill(1);
    // Per layer: exactly `target` entries (ties at the threshold broken by position); global: all ≤ threshold.
    let budget = options.scope === "global" ? Infinity : target;
    for (let i = 0; i < w.values.length; i++) if (magnitudes[i] < threshold) { mask[i] = 0; budget -= 1; }
    for (let i = 0; i < w.values.length && budget > 0; i++) if (magnitudes[i] === threshold) { mask[i] = 0; budget -= 1; }
    const pruned = Float32Array.from(w.values, (v, i) => v * mask[i] + 0); // + 0 turns −0 into 0
    w.tensor.dataType = DataType.FLOAT;
    w.tensor.rawData = new Uint8Array(pruned.buffer);
    w.tensor.floatData = [];
    masks.set(w.name, mask);
    return { ...report, zerosAfter: zeroCount(pruned), keptBecause: undefined };
  });
  return { layers, masks };
}
