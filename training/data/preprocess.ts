/**
 * Standardisation and missing-value imputation, fitted on the training split. The same numbers
 * become nodes of the exported graph (see export/inference-graph.ts); `applyPreprocessing`
 * computes exactly what those nodes compute, in float32, for training.
 */
import type { FeatureSchema } from "../../functions/registry/feature-schema.ts";
import type { Matrix } from "../train.ts";

export interface Preprocessing {
  /** Per input column: the value a NaN becomes (the training mean; 0 for one-hot columns). */
  fill: Float32Array;
  mean: Float32Array;
  /** Never 0: a constant column gets 1. */
  std: Float32Array;
}

/** Which input columns are numeric (the others are one-hot). */
export function numericColumns(schema: FeatureSchema): boolean[] {
  return schema.features.flatMap((f) => (f.kind === "numeric" ? [true] : new Array<boolean>(f.categories.length).fill(false)));
}

export function fitPreprocessing(x: Matrix, numeric: readonly boolean[], standardize: boolean): Preprocessing {
  const { rows, cols, data } = x;
  const fill = new Float32Array(cols);
  const mean = new Float32Array(cols);
  const std = new Float32Array(cols).fill(1);
  for (let c = 0; c < cols; c++) {
    if (!numeric[c]) continue;
    let sum = 0;
    let count = 0;
    for (let r = 0; r < rows; r++) {
      const v = data[r * cols + c];
      if (!Number.isNaN(v)) (sum += v), count++;
    }
    const m = count ? sum / count : 0;
    let squares = 0;
    for (let r = 0; r < rows; r++) {
      const v = data[r * cols + c];
      if (!Number.isNaN(v)) squares += (v - m) ** 2;
    }
    const s = count ? Math.sqrt(squares / count) : 0;
    fill[c] = m;
    if (standardize) {
      mean[c] = m;
      std[c] = s > 1e-12 ? s : 1;
    }
  }
  return { fill, mean, std };
}

/** NaN → fill, then (x − mean) / std, each step rounded to float32 as the graph does. */
export function applyPreprocessing(p: Preprocessing, x: Matrix): Matrix {
  const out = new Float32Array(x.data.length);
  const f = Math.fround;
  for (let i = 0; i < out.length; i++) {
    const c = i % x.cols;
    const v = Number.isNaN(x.data[i]) ? p.fill[c] : x.data[i];
    out[i] = f(f(v - p.mean[c]) / p.std[c]);
  }
  return { data: out, rows: x.rows, cols: x.cols };
}

export function selectRows(x: Matrix, indices: readonly number[]): Matrix {
  const out = new Float32Array(indices.length * x.cols);
  indices.forEach((row, k) => out.set(x.data.subarray(row * x.cols, (row + 1) * x.cols), k * x.cols));
  return { data: out, rows: indices.length, cols: x.cols };
}
