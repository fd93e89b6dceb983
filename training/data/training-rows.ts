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
  /**
   * Encodes `count` rows into `batch` from row 0: batch row k is raw row i = `rawRows[k]` of `raw`
   * (i = k when `rawRows` is undefined), which is store row `storeOf[i]` (`storeFirst + i` when
   * `storeOf` is undefined).
   */
  put(raw: Float32Array, rawRows: Uint32Array | undefined, storeOf: Uint32Array | undefined, storeFirst: number, count: number, batch: RowBatch): void;
}

/**
 * One loop per batch over locals (no per-row calls or property loads), rows copied with `set`
 * when they need no preprocessing; the same float32 arithmetic as applyPreprocessing, so the
 * trained bytes do not depend on how the rows were gathered.
 */
function rowEncoder(data: EncodedData, loss: LossKind, preprocess: boolean): RowEncoder {
  const cols = data.store.cols;
  const { fill, mean, std } = data.preprocessing;
  const f = Math.fround;
  const classes = data.schema.classes?.length ?? 0;
  const targetCols = data.targets ? data.targets.length / (data.sizes[0] + data.sizes[1] + data.sizes[2]) : 0;
  const labels = data.labels;
  const targets = data.targets;
  const yCols = labels ? (loss === "bce" ? 1 : classes) : targetCols;
  const scaling = data.targetScaling;
  const oneHot = labels !== undefined && loss !== "bce";
  return {
    xCols: cols,
    yCols,
    put(raw, rawRows, storeOf, storeFirst, count, batch) {
      const x = batch.x;
      const y = batch.y;
      for (let k = 0; k < count; k++) {
        const from = (rawRows === undefined ? k : rawRows[k]) * cols;
        const to = k * cols;
        if (preprocess) {
          for (let c = 0; c < cols; c++) {
            const v = raw[from + c];
            x[to + c] = f(f((v !== v ? fill[c] : v) - mean[c]) / std[c]);
          }
        } else x.set(raw.subarray(from, from + cols), to);
      }
      if (oneHot) y.fill(0, 0, count * yCols);
      for (let k = 0; k < count; k++) {
        const i = rawRows === undefined ? k : rawRows[k];
        const storeRow = storeOf === undefined ? storeFirst + i : storeOf[i];
        if (labels !== undefined) {
          if (oneHot) y[k * yCols + labels[storeRow]] = 1;
          else y[k] = labels[storeRow];
        } else {
          for (let t = 0; t < yCols; t++) {
            const v = targets![storeRow * yCols + t];
            y[k * yCols + t] = scaling ? f(f(v - scaling.mean[t]) / scaling.std[t]) : v;
          }
        }
      }
      batch.count = count;
    },
  };
}

function partStart(data: EncodedData, part: Part): number {
  return part === 0 ? 0 : part === 1 ? data.sizes[0] : data.sizes[0] + data.sizes[1];
}

function newBatch(rows: number, encoder: RowEncoder): RowBatch {
  return { x: new Float32Array(rows * encoder.xCols), y: new Float32Array(rows * encoder.yCols), count: 0 };
}

/**
 * Batches of `batchSize` rows from three sets of arrays used in turn, so a batch is refilled only
 * after two more were requested (BatchSource's contract); a shorter last batch gets its own.
 */
function batchRing(batchSize: number, encoder: RowEncoder): (count: number) => RowBatch {
  const ring = [0, 1, 2].map(() => newBatch(batchSize, encoder));
  let turn = 0;
  return (count) => {
    if (count !== batchSize) return newBatch(count, encoder);
    turn = (turn + 1) % ring.length;
    return ring[turn];
  };
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
        const take = batchRing(Math.min(batchSize, rows), encoder);
        for (let start = 0; start < rows; start += batchSize) {
          const count = Math.min(batchSize, rows - start);
          const batch = take(count);
          encoder.put(inMemory, order.subarray(start, start + count), undefined, 0, count, batch);
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
    let total = 0;
    for (const block of chosen) total += Math.min(BLOCK_ROWS, rows - block * BLOCK_ROWS);
    const storeRows = new Uint32Array(total);
    let at = 0;
    const reads = Array.from(chosen, (block) => {
      const start = block * BLOCK_ROWS;
      const count = Math.min(BLOCK_ROWS, rows - start);
      for (let r = 0; r < count; r++) storeRows[at + r] = start + r;
      const into = buffer.subarray(at * encoder.xCols, (at + count) * encoder.xCols);
      at += count;
      return data.store.read(start, count, into);
    });
    await Promise.all(reads);
    return storeRows;
  };
  return {
    ...base,
    async *epoch(rng: Rng, batchSize: number, shuffle: boolean) {
      if (shuffle) rng.shuffle(blockOrder);
      const size = Math.min(batchSize, rows);
      const take = batchRing(size, encoder);
      // A batch begun at the end of one buffer and ended in the next: its raw rows and store rows.
      const storeRowsOf = new Uint32Array(size);
      const staging = new Float32Array(size * encoder.xCols);
      let pendingRows = 0;
      let done = 0;
      let which = 0;
      let pending = load(0, buffers[which]);
      for (let first = 0; first < blocks; first += blocksPerBuffer) {
        const storeRows = await pending;
        const buffer = buffers[which];
        which = 1 - which;
        if (first + blocksPerBuffer < blocks) pending = load(first + blocksPerBuffer, buffers[which]);
        const order = new Uint32Array(storeRows.length);
        for (let r = 0; r < order.length; r++) order[r] = r;
        if (shuffle) rng.shuffle(order);
        let i = 0;
        if (pendingRows > 0) {
          // A batch begun in the previous buffer: its raw rows were kept in `staging`.
          const more = Math.min(size - pendingRows, order.length);
          for (let k = 0; k < more; k++) {
            const r = order[k];
            staging.set(buffer.subarray(r * encoder.xCols, (r + 1) * encoder.xCols), (pendingRows + k) * encoder.xCols);
            storeRowsOf[pendingRows + k] = storeRows[r];
          }
          pendingRows += more;
          i = more;
          const count = Math.min(size, rows - done);
          if (pendingRows === count) {
            const batch = take(count);
            encoder.put(staging, undefined, storeRowsOf, 0, count, batch);
            done += count;
            pendingRows = 0;
            yield batch;
          }
        }
        while (i < order.length) {
          const count = Math.min(size, rows - done);
          if (order.length - i < count) {
            // The rest of this buffer starts a batch that the next buffer completes.
            const rest = order.length - i;
            for (let k = 0; k < rest; k++) {
              const r = order[i + k];
              staging.set(buffer.subarray(r * encoder.xCols, (r + 1) * encoder.xCols), k * encoder.xCols);
              storeRowsOf[k] = storeRows[r];
            }
            pendingRows = rest;
            break;
          }
          const batch = take(count);
          encoder.put(buffer, order.subarray(i, i + count), storeRows, 0, count, batch);
          done += count;
          i += count;
          yield batch;
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
        encoder.put(source, undefined, undefined, start + done, count, batch);
        yield batch;
      }
    },
  };
}
