/**
 * Target columns → the training target matrix: class indices and one-hot rows (or one 0/1
 * column for binary cross-entropy), or standardised regression values.
 */
import { categoryKey, toNumber, type FeatureSchema } from "../../functions/registry/feature-schema.ts";
import type { Matrix } from "../train.ts";
import type { DataRecord } from "./read-records.ts";

export function classIndices(schema: FeatureSchema, records: DataRecord[]): number[] {
  const index = new Map(schema.classes!.map((c, i) => [c, i]));
  return records.map((r) => index.get(categoryKey(r[schema.target])!)!);
}

export function oneHot(labels: readonly number[], classes: number, binary: boolean): Matrix {
  const cols = binary ? 1 : classes;
  const data = new Float32Array(labels.length * cols);
  labels.forEach((label, r) => {
    if (binary) data[r] = label;
    else data[r * cols + label] = 1;
  });
  return { data, rows: labels.length, cols };
}

export function regressionValues(schema: FeatureSchema, records: DataRecord[]): Matrix {
  const targets = schema.targets ?? [schema.target];
  const data = new Float32Array(records.length * targets.length);
  records.forEach((r, i) => targets.forEach((t, k) => (data[i * targets.length + k] = toNumber(r[t])!)));
  return { data, rows: records.length, cols: targets.length };
}

export interface TargetScaling {
  mean: Float32Array;
  std: Float32Array;
}

export function fitTargetScaling(y: Matrix, standardize: boolean): TargetScaling {
  const mean = new Float32Array(y.cols);
  const std = new Float32Array(y.cols).fill(1);
  if (!standardize) return { mean, std };
  for (let c = 0; c < y.cols; c++) {
    let sum = 0;
    for (let r = 0; r < y.rows; r++) sum += y.data[r * y.cols + c];
    const m = sum / y.rows;
    let squares = 0;
    for (let r = 0; r < y.rows; r++) squares += (y.data[r * y.cols + c] - m) ** 2;
    const s = Math.sqrt(squares / y.rows);
    mean[c] = m;
    std[c] = s > 1e-12 ? s : 1;
  }
  return { mean, std };
}

export function scaleTargets(s: TargetScaling, y: Matrix): Matrix {
  const f = Math.fround;
  const data = y.data.map((v, i) => f(f(v - s.mean[i % y.cols]) / s.std[i % y.cols]));
  return { data, rows: y.rows, cols: y.cols };
}
