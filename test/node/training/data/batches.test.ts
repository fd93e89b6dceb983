/**
 * The training batches from a file's rows, against references computed apart: the training part's
 * raw rows preprocessed by applyPreprocessing (the exported graph's arithmetic) and one-hot labels,
 * taken in the order the documented shuffle gives — every row in memory shuffled each epoch; from
 * the disk cache, the blocks shuffled and then the rows within each buffer of blocks — with batches
 * that straddle buffers. A batch stays intact while the next one is requested (train()'s prefetch).
 */
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeFile, type FileEncodeOptions } from "../../../../training/data/file/encode-file.ts";
import type { EncodedData } from "../../../../training/data/encoded-data.ts";
import { applyPreprocessing } from "../../../../training/data/preprocess.ts";
import { trainingBatches } from "../../../../training/data/training-rows.ts";
import { Rng } from "../../../../training/util/rng.ts";
import { tempDir } from "./fixtures.ts";

const tmp = tempDir("maas-batches-");
const file = tmp.path("rows.csv");
const BLOCK_ROWS = 2048;
const settings: FileEncodeOptions = { request: { targets: ["y"] }, fractions: { validation: 0.15, test: 0.2 }, seed: 4, standardize: true, selection: { seed: 4 }, strict: false };
let memory: EncodedData;
let disk: EncodedData;

beforeAll(async () => {
  const rng = new Rng(11);
  const lines = ["a,b,c,k,y"];
  for (let i = 0; i < 20_000; i++) {
    const [a, b, c] = [rng.normal() * 3 + 1, rng.uniform() * 50, rng.normal()].map((v) => Math.round(v * 1e4) / 1e4);
    lines.push(`${a},${i % 7 === 0 ? "" : b},${c},${["p", "q", "r"][i % 3]},${["u", "v", "w"][(a > 1 ? 1 : 0) + (c > 0 ? 1 : 0)]}`);
  }
  writeFileSync(file, `${lines.join("\n")}\n`);
  memory = await encodeFile(file, settings);
  disk = await encodeFile(file, { ...settings, memoryBudget: 64 << 10 });
});

afterAll(async () => {
  await memory?.store.close();
  await disk?.store.close();
  tmp.remove();
});

/** The training part's rows as the trainer should see them: preprocessed features, one-hot labels
 * (the raw rows from the in-memory store, which holds what the disk cache holds: see large-and-streaming). */
function reference(data: EncodedData): { x: Float32Array; y: Float32Array; cols: number; classes: number } {
  const rows = data.sizes[0];
  const cols = data.store.cols;
  const x = applyPreprocessing(data.preprocessing, { data: memory.store.view(0, rows)!, rows, cols }).data;
  const classes = data.schema.classes!.length;
  const y = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) y[r * classes + data.labels![r]] = 1;
  return { x, y, cols, classes };
}

/** Two epochs of batches laid end to end; checks each batch is unchanged once the next is requested. */
async function twoEpochs(source: ReturnType<typeof trainingBatches>, batchSize: number): Promise<{ x: Float32Array; y: Float32Array; sizes: number[] }> {
  const rng = new Rng(5);
  const xs: Float32Array[] = [];
  const ys: Float32Array[] = [];
  const sizes: number[] = [];
  for (let epoch = 0; epoch < 2; epoch++) {
    let previous: { batch: { x: Float32Array; y: Float32Array }; x: Float32Array; y: Float32Array } | undefined;
    for await (const batch of source.epoch(rng, batchSize, true)) {
      if (previous) {
        expect(previous.batch.x).toEqual(previous.x);
        expect(previous.batch.y).toEqual(previous.y);
      }
      const x = batch.x.slice(0, batch.count * source.xCols);
      const y = batch.y.slice(0, batch.count * source.yCols);
      previous = { batch, x, y };
      xs.push(x);
      ys.push(y);
      sizes.push(batch.count);
    }
  }
  return { x: concat(xs), y: concat(ys), sizes };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

function pick(ref: ReturnType<typeof reference>, order: ArrayLike<number>): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(order.length * ref.cols);
  const y = new Float32Array(order.length * ref.classes);
  Array.from(order).forEach((r, k) => {
    x.set(ref.x.subarray(r * ref.cols, (r + 1) * ref.cols), k * ref.cols);
    y.set(ref.y.subarray(r * ref.classes, (r + 1) * ref.classes), k * ref.classes);
  });
  return { x, y };
}

function batchSizes(rows: number, batchSize: number): number[] {
  return Array.from({ length: Math.ceil(rows / batchSize) }, (_, k) => Math.min(batchSize, rows - k * batchSize));
}

describe("training batches from the file's rows", () => {
  it.each([7, 100, 20_000])("in memory, batch %i: the rows preprocessed as the graph does, reshuffled each epoch", async (batchSize) => {
    const ref = reference(memory);
    const rows = memory.sizes[0];
    const rng = new Rng(5);
    const order = Array.from({ length: rows }, (_, i) => i);
    const sequence: number[] = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      rng.shuffle(order);
      sequence.push(...order);
    }
    const got = await twoEpochs(trainingBatches(memory, "softmax-ce"), batchSize);
    const want = pick(ref, sequence);
    expect(got.sizes).toEqual([...batchSizes(rows, batchSize), ...batchSizes(rows, batchSize)]);
    expect(Buffer.from(got.x.buffer).equals(Buffer.from(want.x.buffer))).toBe(true);
    expect(Buffer.from(got.y.buffer).equals(Buffer.from(want.y.buffer))).toBe(true);
  });

  it.each([
    [300, 1],
    [5000, 1],
    [128, 3],
  ])("from the disk cache, batch %i, %i block(s) per buffer: shuffled blocks, rows shuffled within each buffer, batches across buffers", async (batchSize, blocksPerBuffer) => {
    expect(disk.store.kind).toBe("disk");
    const ref = reference(disk);
    const rows = disk.sizes[0];
    const blocks = Math.ceil(rows / BLOCK_ROWS);
    const rng = new Rng(5);
    const blockOrder = Array.from({ length: blocks }, (_, i) => i);
    const sequence: number[] = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      rng.shuffle(blockOrder);
      for (let first = 0; first < blocks; first += blocksPerBuffer) {
        const bufferRows = blockOrder.slice(first, first + blocksPerBuffer).flatMap((b) => Array.from({ length: Math.min(BLOCK_ROWS, rows - b * BLOCK_ROWS) }, (_, r) => b * BLOCK_ROWS + r));
        const within = Array.from({ length: bufferRows.length }, (_, i) => i);
        rng.shuffle(within);
        sequence.push(...within.map((i) => bufferRows[i]));
      }
    }
    const got = await twoEpochs(trainingBatches(disk, "softmax-ce", blocksPerBuffer * BLOCK_ROWS * disk.store.cols * 4), batchSize);
    const want = pick(ref, sequence);
    expect(got.sizes).toEqual([...batchSizes(rows, batchSize), ...batchSizes(rows, batchSize)]);
    expect(Buffer.from(got.x.buffer).equals(Buffer.from(want.x.buffer))).toBe(true);
    expect(Buffer.from(got.y.buffer).equals(Buffer.from(want.y.buffer))).toBe(true);
  });
});
