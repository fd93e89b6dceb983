/**
 * The training data once encoded: features in a RowStore (laid out by part), the targets beside
 * them (class indices or regression values, same row order), and what preprocessing needs,
 * accumulated over the training rows as they are placed. Both readers (in-memory records and
 * files through DuckDB) feed rows in file order through a RowPlacer.
 */
import type { FeatureSchema } from "../../functions/registry/feature-schema.ts";
import type { ColumnReport } from "./infer-schema.ts";
import type { Preprocessing } from "./preprocess.ts";
import type { RowStore } from "./row-store.ts";
import { StreamingSplit, TRAIN } from "./split.ts";
import type { TargetScaling } from "./targets.ts";

/** A value that could not be read as a number, in a numeric column (treated as missing). */
export interface BadValue {
  /** Where it is: "line 12", "element 3", "row 7". */
  at: string;
  column: string;
  value: string;
}

export interface EncodedData {
  schema: FeatureSchema;
  columns: ColumnReport[];
  /** Data rows read (before rows without a target were dropped). */
  rowsRead: number;
  droppedRows: number;
  /** Rows per part: train, validation, test (store rows in that order). */
  sizes: [number, number, number];
  store: RowStore;
  /** Classification: the class index of each store row. */
  labels?: Int32Array;
  /** Regression: the target values of each store row (row-major, one column per target). */
  targets?: Float32Array;
  preprocessing: Preprocessing;
  targetScaling?: TargetScaling;
  /** The first few bad values; their total is in `columns[].badValues`. */
  badValues: BadValue[];
}

/** Mean and (population) deviation by Welford's update: one pass, stable, order-determined. */
class RunningMoments {
  readonly count: Float64Array;
  readonly mean: Float64Array;
  readonly m2: Float64Array;

  constructor(cols: number) {
    this.count = new Float64Array(cols);
    this.mean = new Float64Array(cols);
    this.m2 = new Float64Array(cols);
  }

  add(c: number, v: number): void {
    const n = ++this.count[c];
    const delta = v - this.mean[c];
    this.mean[c] += delta / n;
    this.m2[c] += delta * (v - this.mean[c]);
  }

  deviation(c: number): number {
    return this.count[c] ? Math.sqrt(this.m2[c] / this.count[c]) : 0;
  }
}

export interface PlacerSetup {
  schema: FeatureSchema;
  /** Rows per group (class, or one group for regression), in the order the groups are numbered. */
  groupSizes: number[];
  fractions: { validation: number; test: number };
  seed: number;
  standardize: boolean;
  store: (sizes: [number, number, number]) => RowStore;
}

/** Receives encoded rows in file order; assigns each its part, stores it, and accumulates statistics. */
export class RowPlacer {
  readonly split: StreamingSplit;
  readonly store: RowStore;
  readonly labels?: Int32Array;
  readonly targets?: Float32Array;
  private readonly numeric: boolean[];
  private readonly features: RunningMoments;
  private readonly targetMoments: RunningMoments;
  private readonly targetCols: number;
  private readonly next = [0, 0, 0];

  private readonly setup: PlacerSetup;

  constructor(setup: PlacerSetup) {
    this.setup = setup;
    const { schema } = setup;
    this.split = new StreamingSplit(setup.groupSizes, setup.fractions, setup.seed);
    const sizes = this.split.sizes;
    this.next = [0, sizes[0], sizes[0] + sizes[1]];
    const rows = sizes[0] + sizes[1] + sizes[2];
    this.store = setup.store(sizes);
    this.numeric = schema.features.flatMap((f) => (f.kind === "numeric" ? [true] : new Array<boolean>(f.categories.length).fill(false)));
    this.features = new RunningMoments(schema.inputWidth);
    this.targetCols = schema.task === "classification" ? 0 : (schema.targets ?? [schema.target]).length;
    this.targetMoments = new RunningMoments(this.targetCols);
    if (schema.task === "classification") this.labels = new Int32Array(rows);
    else this.targets = new Float32Array(rows * this.targetCols);
  }

  /** `target`: the class index (classification) or the target values (regression). */
  place(row: Float32Array, label: number, targets?: ArrayLike<number>): void {
    const part = this.split.assign(this.labels ? label : 0);
    const at = this.next[part]++;
    this.store.write(part, row);
    if (this.labels) this.labels[at] = label;
    else for (let k = 0; k < this.targetCols; k++) this.targets![at * this.targetCols + k] = targets![k];
    if (part !== TRAIN) return;
    for (let c = 0; c < row.length; c++) if (this.numeric[c] && !Number.isNaN(row[c])) this.features.add(c, row[c]);
    for (let k = 0; k < this.targetCols; k++) this.targetMoments.add(k, Math.fround(targets![k]));
  }

  preprocessing(): Preprocessing {
    const cols = this.numeric.length;
    const fill = new Float32Array(cols);
    const mean = new Float32Array(cols);
    const std = new Float32Array(cols).fill(1);
    for (let c = 0; c < cols; c++) {
      if (!this.numeric[c]) continue;
      fill[c] = this.features.mean[c];
      if (this.setup.standardize) {
        const s = this.features.deviation(c);
        mean[c] = this.features.mean[c];
        std[c] = s > 1e-12 ? s : 1;
      }
    }
    return { fill, mean, std };
  }

  /** The data once every row is placed: what the reading side knows, plus what the placer holds. */
  encoded(read: Pick<EncodedData, "schema" | "columns" | "rowsRead" | "droppedRows" | "badValues">): EncodedData {
    const { sizes } = this.split;
    return { ...read, sizes, store: this.store, labels: this.labels, targets: this.targets, preprocessing: this.preprocessing(), targetScaling: this.targetScaling() };
  }

  targetScaling(): TargetScaling | undefined {
    if (this.labels) return undefined;
    const mean = new Float32Array(this.targetCols);
    const std = new Float32Array(this.targetCols).fill(1);
    if (this.setup.standardize) {
      for (let k = 0; k < this.targetCols; k++) {
        const s = this.targetMoments.deviation(k);
        mean[k] = this.targetMoments.mean[k];
        std[k] = s > 1e-12 ? s : 1;
      }
    }
    return { mean, std };
  }
}
