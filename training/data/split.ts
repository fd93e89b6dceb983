/**
 * Seeded train/validation/test split. Classification splits are stratified (each class is
 * shuffled and dealt out in proportion) so small datasets keep every class in every split.
 */
import { Rng } from "../util/rng.ts";

export interface SplitIndices {
  train: number[];
  validation: number[];
  test: number[];
}

function splitGroup(indices: number[], validation: number, test: number, out: SplitIndices): void {
  const n = indices.length;
  const nTest = Math.round(n * test);
  const nValidation = Math.round(n * validation);
  out.test.push(...indices.slice(0, nTest));
  out.validation.push(...indices.slice(nTest, nTest + nValidation));
  out.train.push(...indices.slice(nTest + nValidation));
}

/** `groups`: a class index per row (stratified) or undefined (plain shuffle). */
export function splitRows(rows: number, fractions: { validation: number; test: number }, seed: number, groups?: readonly number[]): SplitIndices {
  const rng = new Rng(seed ^ 0x5eed);
  const out: SplitIndices = { train: [], validation: [], test: [] };
  if (!groups) {
    const all = Array.from({ length: rows }, (_, i) => i);
    rng.shuffle(all);
    splitGroup(all, fractions.validation, fractions.test, out);
  } else {
    const byGroup = new Map<number, number[]>();
    groups.forEach((g, i) => (byGroup.get(g) ?? byGroup.set(g, []).get(g)!).push(i));
    for (const key of [...byGroup.keys()].sort((a, b) => a - b)) {
      const members = byGroup.get(key)!;
      rng.shuffle(members);
      splitGroup(members, fractions.validation, fractions.test, out);
    }
    for (const part of [out.train, out.validation, out.test]) rng.shuffle(part);
  }
  return out;
}
