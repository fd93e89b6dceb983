/**
 * A seeded classification problem big enough for the compression goals: `features` numeric
 * columns ~ N(0, 1), the class is the argmax of a fixed random two-layer tanh network of them plus a
 * little noise (so a wide MLP has something to learn and a tiny one does not fit it perfectly).
 */
import { Rng } from "../../../training/util/rng.ts";

export function syntheticRecords(rows: number, seed: number, features = 12, classes = 4): Record<string, unknown>[] {
  const shape = new Rng(1234); // the problem itself is fixed; `seed` draws the rows
  const hidden = 24;
  const w1 = Array.from({ length: features * hidden }, () => shape.normal() / Math.sqrt(features));
  const w2 = Array.from({ length: hidden * classes }, () => shape.normal() / Math.sqrt(hidden));
  const rng = new Rng(seed);
  const records: Record<string, unknown>[] = [];
  for (let r = 0; r < rows; r++) {
    const x = Array.from({ length: features }, () => rng.normal());
    const h = Array.from({ length: hidden }, (_, j) => Math.tanh(x.reduce((s, v, i) => s + v * w1[i * hidden + j], 0) * 2));
    const scores = Array.from({ length: classes }, (_, c) => h.reduce((s, v, j) => s + v * w2[j * classes + c], 0) + rng.normal() * 0.1);
    const label = scores.indexOf(Math.max(...scores));
    const record: Record<string, unknown> = {};
    x.forEach((v, i) => (record[`f${i}`] = Number(v.toFixed(4))));
    record.label = `c${label}`;
    records.push(record);
  }
  return records;
}
