/**
 * Seeded train/validation/test split, decided row by row as the rows stream past, without an
 * index array of all rows. Each group (a class, for classification; one group for regression)
 * gets exactly round(n·test) test and round(n·validation) validation rows, chosen by sequential
 * sampling (Knuth's Algorithm S) with a generator seeded from the seed and the group: the same
 * seed and the same rows in the same order give the same split, whatever format they came in.
 */
import { Rng } from "../util/rng.ts";

export type Part = 0 | 1 | 2;
export const TRAIN: Part = 0;
export const VALIDATION: Part = 1;
export const TEST: Part = 2;

export interface SplitFractions {
  validation: number;
  test: number;
}

interface GroupState {
  rng: Rng;
  remaining: number;
  test: number;
  validation: number;
}

export class StreamingSplit {
  /** Rows in each part, known before the first row is assigned. */
  readonly sizes: [number, number, number] = [0, 0, 0];
  private readonly groups: GroupState[];

  /** `groupSizes[g]`: how many rows of group g will be assigned. */
  constructor(groupSizes: readonly number[], fractions: SplitFractions, seed: number) {
    this.groups = groupSizes.map((n, g) => {
      const test = Math.round(n * fractions.test);
      const validation = Math.min(n - test, Math.round(n * fractions.validation));
      this.sizes[TEST] += test;
      this.sizes[VALIDATION] += validation;
      this.sizes[TRAIN] += n - test - validation;
      return { rng: new Rng((seed ^ 0x5eed) + Math.imul(g + 1, 0x9e3779b1)), remaining: n, test, validation };
    });
  }

  /** The part of the next row of group `group`. */
  assign(group: number): Part {
    const state = this.groups[group];
    if (state === undefined || state.remaining <= 0) throw new Error(`split: more rows of group ${group} than announced`);
    const u = state.rng.uniform() * state.remaining;
    state.remaining -= 1;
    if (u < state.test) return (state.test--, TEST);
    if (u < state.test + state.validation) return (state.validation--, VALIDATION);
    return TRAIN;
  }
}

export interface SplitIndices {
  train: number[];
  validation: number[];
  test: number[];
}

/** The split of rows 0..rows−1 as index lists (in row order); `groups`: a class index per row, or undefined. */
export function splitRows(rows: number, fractions: SplitFractions, seed: number, groups?: readonly number[]): SplitIndices {
  const sizes: number[] = [];
  for (let r = 0; r < rows; r++) {
    const g = groups ? groups[r] : 0;
    sizes[g] = (sizes[g] ?? 0) + 1;
  }
  const split = new StreamingSplit(Array.from(sizes, (n) => n ?? 0), fractions, seed);
  const out: SplitIndices = { train: [], validation: [], test: [] };
  const parts = [out.train, out.validation, out.test];
  for (let r = 0; r < rows; r++) parts[split.assign(groups ? groups[r] : 0)].push(r);
  return out;
}
