/**
 * How the trainer receives its rows: batches per epoch from a source, so the rows may sit in one
 * in-memory matrix or stream from a disk cache. `matrixSource` is the in-memory matrix case.
 */
import type { Rng } from "../util/rng.ts";

export interface RowBatch {
  x: Float32Array;
  y: Float32Array;
  /** Distillation soft targets, when the source has them. */
  soft?: Float32Array;
  count: number;
}

export interface BatchSource {
  rows: number;
  xCols: number;
  yCols: number;
  /**
   * One epoch's batches; `rng` shuffles (the source decides how), consumed in a fixed order. A
   * batch's arrays may be refilled once two more batches have been requested: a consumer may
   * prefetch the next batch while it uses the current one (as train() does), not keep batches.
   */
  epoch(rng: Rng, batchSize: number, shuffle: boolean): AsyncIterable<RowBatch>;
}

/** Rows read in order, in bounded chunks (validation and evaluation). */
export interface ChunkSource {
  rows: number;
  chunks(): AsyncIterable<RowBatch>;
}

interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

/** Copies the rows `order[start..end)` of a matrix into `out`. */
export function gatherRows(source: Matrix, order: Uint32Array, start: number, end: number, out: Float32Array): void {
  const cols = source.cols;
  for (let r = start; r < end; r++) {
    const from = order[r] * cols;
    out.set(source.data.subarray(from, from + cols), (r - start) * cols);
  }
}

/** Whole matrices in memory, reshuffled (Fisher–Yates on a row order) every epoch. */
export function matrixSource(x: Matrix, y: Matrix, soft?: Matrix): BatchSource {
  const order = Uint32Array.from({ length: x.rows }, (_, i) => i);
  return {
    rows: x.rows,
    xCols: x.cols,
    yCols: y.cols,
    async *epoch(rng, batchSize, shuffle) {
      if (shuffle) rng.shuffle(order);
      for (let start = 0; start < x.rows; start += batchSize) {
        const end = Math.min(x.rows, start + batchSize);
        const count = end - start;
        if (count === x.rows && !shuffle) {
          yield { x: x.data, y: y.data, soft: soft?.data, count };
          continue;
        }
        const batch: RowBatch = { x: new Float32Array(count * x.cols), y: new Float32Array(count * y.cols), count };
        gatherRows(x, order, start, end, batch.x);
        gatherRows(y, order, start, end, batch.y);
        if (soft) gatherRows(soft, order, start, end, (batch.soft = new Float32Array(count * soft.cols)));
        yield batch;
      }
    },
  };
}
