/**
 * EncodedData → what the trainer consumes: shuffled training batches and in-order chunks of the
 * validation and test parts. Rows are preprocessed (imputed, standardised — the graph's own
 * arithmetic, see preprocess.ts) and targets encoded as they are gathered, so the store keeps the
 * raw encoded rows once. In memory, every epoch shuffles the training rows; from the disk cache,
 * it shuffles the order of blocks of rows and the rows within each buffer of blocks it reads back
 * (the next buffer is read while the current one trains).
 */
import type { LossKind } from "../model/mlp.ts";
import type { BatchSource, ChunkSource, RowBatch } from "../model/batch-source.ts";
import type { Rng } from "../util/rng.ts";
import type { EncodedData } from "./encoded-data.ts";
import type { Part } from "./split.ts";

/** Rows per block of the disk cache: the unit of its shuffle and of its reads. */
const BLOCK_ROWS = 2048;
/** Rows evaluated per run of the validation or test part. */
export const CHUNK_ROWS = 16384;

interface RowEncoder {
  xCols: number;
  yCols: number;
  /** Store row `storeRow` (its raw features in `raw` at `from`) → batch row `k`. */
  put(raw: Float32Array, from: number, storeRow: number, batch: RowBatch, k: number): void;
}

function rowEncoder(data: EncodedData, loss: LossKind, preprocess: boolean): RowEncoder {
  const cols = data.store.cols;
  const { fill, mean, std } = data.preprocessing;
  const f = Math.fround;
  const classes = data.schema.classes?.length ?? 0;
  const targetCols = data.targets ? data.targets.length / (data.sizes[0] + data.sizes[1] + data.sizes[2]) : 0;
  const yCols = data.labels ? (loss === "bce" ? 1 : classes) : targetCols;
  const scaling = data.targetScaling;
  return {
    xCols: cols,
    yCols,
    put(raw, from, storeRow, batch, k) {
      const to = k * cols;
      if (preprocess) {
        for (let c = 0; c < cols; c++) {
          const v = raw[from + c];
          batch.x[to + c] = f(f((Number.isNaN(v) ? fill[c] : v) - mean[c]) / std[c]);
        }
      } else batch.x.set(raw.subarray(from, from + cols), to);
      if (data.labels) {
        const label = data.labels[storeRow];
        if (loss === "bce") batch.y[k] = label;
        else {
          batch.y.fill(0, k * yCols, (k + 1) * yCols);
          batch.y[k * yCols + label] = 1;
        }
      } else {
        for (let t = 0; t < yCols; t++) {
          const v = data.targets![storeRow * yCols + t];
          batch.y[k * yCols + t] = scaling ? f(f(v - scaling.mean[t]) / scaling.std[t]) : v;
        }
      }
    },
  };
}

function partStart(data: EncodedData, part: Part): number {
  return part === 0 ? 0 : part === 1 ? data.sizes[0] : data.sizes[0] + data.sizes[1];
}

function newBatch(rows: number, encoder: RowEncoder): RowBatch {
  return { x: new Float32Array(rows * encoder.xCols), y: new Float32Array(rows * encoder.yCols), count: 0 };
}

/** The training part as shuffled batches (preprocessed, targets encoded for `loss`). */
export function trainingBatches(data: EncodedData, loss: LossKind, bufferBytes = 32 << 20): BatchSource {
  const encoder = rowEncoder(data, loss, true);
  const rows = data.sizes[0];
  const inMemory = data.store.view(0, rows);
  const base = { rows, xCols: encoder.xCols, yCols: encoder.yCols };
  if (inMemory) {
    const order = Uint32Array.from({ length: rows }, (_, i) => i);
    return {
      ...base,
      async *epoch(rng: Rng, batchSize: number, shuffle: boolean) {
        if (shuffle) rng.shuffle(order);
        for (let start = 0; start < rows; start += batchSize) {
          const batch = newBatch(Math.min(batchSize, rows - start), encoder);
          for (let k = 0; k < batch.x.length / encoder.xCols; k++) encoder.put(inMemory, order[start + k] * encoder.xCols, order[start + k], batch, k);
          batch.count = batch.x.length / encoder.xCols;
          yield batch;
        }
      },
    };
  }
  const blocks = Math.ceil(rows / BLOCK_ROWS);
  const blocksPerBuffer = Math.max(1, Math.floor(bufferBytes / (BLOCK_ROWS * encoder.xCols * 4)));
  const blockOrder = Uint32Array.from({ length: blocks }, (_, i) => i);
  const buffers = [0, 1].map(() => new Float32Array(blocksPerBuffer * BLOCK_ROWS * encoder.xCols));
  /** Reads the blocks blockOrder[first..] into a buffer; resolves to the store row of each buffer row. */
  const load = async (first: number, buffer: Float32Array): Promise<Uint32Array> => {
    const chosen = blockOrder.subarray(first, Math.min(blocks, first + blocksPerBuffer));
    const storeRows: number[] = [];
    let at = 0;
    const reads = Array.from(chosen, (block) => {
      const start = block * BLOCK_ROWS;
      const count = Math.min(BLOCK_ROWS, rows - start);
      for (let r = 0; r < count; r++) storeRows.push(start + r);
      const into = buffer.subarray(at * encoder.xCols, (at + count) * encoder.xCols);
      at += count;
      return data.store.read(start, count, into);
    });
    await Promise.all(reads);
    return Uint32Array.from(storeRows);
  };
  return {
    ...base,
    async *epoch(rng: Rng, batchSize: number, shuffle: boolean) {
      if (shuffle) rng.shuffle(blockOrder);
      let batch = newBatch(Math.min(batchSize, rows), encoder);
      let done = 0;
      let which = 0;
      let pending = load(0, buffers[which]);
      for (let first = 0; first < blocks; first += blocksPerBuffer) {
        const storeRows = await pending;
        const buffer = buffers[which];
        which = 1 - which;
        if (first + blocksPerBuffer < blocks) pending = load(first + blocksPerBuffer, buffers[which]);
        const order = Uint32Array.from({ length: storeRows.length }, (_, i) => i);
        if (shuffle) rng.shuffle(order);
        for (const i of order) {
          encoder.put(buffer, i * encoder.xCols, storeRows[i], batch, batch.count++);
          if (batch.count * encoder.xCols === batch.x.length) {
            yield batch;
            done += batch.count;
            batch = newBatch(Math.min(batchSize, rows - done), encoder);
          }
        }
      }
    },
  };
}

/** A part in store order, in chunks of at most CHUNK_ROWS; `preprocess` false gives the raw encoded rows. */
export function partChunks(data: EncodedData, part: Part, loss: LossKind, preprocess: boolean): ChunkSource & { start: number } {
  const encoder = rowEncoder(data, loss, preprocess);
  const rows = data.sizes[part];
  const start = partStart(data, part);
  return {
    rows,
    start,
    async *chunks() {
      const raw = new Float32Array(Math.min(CHUNK_ROWS, rows) * encoder.xCols);
      for (let done = 0; done < rows; done += CHUNK_ROWS) {
        const count = Math.min(CHUNK_ROWS, rows - done);
        const view = data.store.view(start + done, count);
        const source = view ?? raw;
        if (!view) await data.store.read(start + done, count, raw);
        const batch = newBatch(count, encoder);
        for (let k = 0; k < count; k++) encoder.put(source, k * encoder.xCols, start + done + k, batch, k);
        batch.count = count;
        yield batch;
      }
    },
  };
}
