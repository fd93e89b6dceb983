/**
 * Size: a 500,000-row CSV trains (the recursive split once overflowed the stack at 400k), and the
 * on-disk cache past --max-memory holds exactly the rows the in-memory store holds, gives each
 * training row exactly once per epoch in its shuffled chunks, and trains a model as accurate as
 * in memory (within 0.5 points) on the same data.
 */
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeFile, type FileEncodeOptions } from "../../../../training/data/file/encode-file.ts";
import { trainingBatches } from "../../../../training/data/training-rows.ts";
import { trainFromFile } from "../../../../training/pipeline.ts";
import { Rng } from "../../../../training/util/rng.ts";
import { OPTIONS, tempDir } from "./fixtures.ts";

const tmp = tempDir("maas-large-");
afterAll(() => tmp.remove());

/** `rows` rows of x0..x3 (numbers), k (a category) and y: y = 1 when a noisy linear score is positive. */
function writeCsv(path: string, rows: number, seed: number): void {
  const rng = new Rng(seed);
  const parts: string[] = ["x0,x1,x2,x3,k,y\n"];
  for (let i = 0; i < rows; i++) {
    const x = [rng.normal(), rng.normal(), rng.normal(), rng.normal()].map((v) => Math.round(v * 1e4) / 1e4);
    const k = ["p", "q", "r"][i % 3];
    const score = 1.5 * x[0] - x[1] + 0.5 * x[2] + (k === "p" ? 0.8 : -0.4) + 0.6 * rng.normal();
    parts.push(`${x.join(",")},${k},${score > 0 ? 1 : 0}\n`);
  }
  writeFileSync(path, parts.join(""));
}

describe("a 500,000-row file", () => {
  it("trains (1 epoch, small net) and evaluates on its 100,000 test rows", async () => {
    const file = tmp.path("large.csv");
    writeCsv(file, 500_000, 1);
    const result = await trainFromFile(file, { ...OPTIONS, targets: ["y"], hidden: [4], epochs: 1, batchSize: 2048, learningRate: 0.05, patience: undefined });
    expect(result.report.data).toMatchObject({ rows: 500_000, train: 325_000, validation: 75_000, test: 100_000 });
    expect(result.report.metrics.accuracy).toBeGreaterThan(0.8);
  });
});

describe("the on-disk cache (--max-memory)", () => {
  const file = tmp.path("medium.csv");
  const settings: FileEncodeOptions = { request: { targets: ["y"] }, fractions: { validation: 0.15, test: 0.2 }, seed: 3, standardize: true, selection: { seed: 3 }, strict: false };
  beforeAll(() => writeCsv(file, 40_000, 2));

  it("holds the rows the in-memory store holds, and each training row once per epoch", async () => {
    const memory = await encodeFile(file, settings);
    const disk = await encodeFile(file, { ...settings, memoryBudget: 64 << 10 });
    try {
      expect([memory.store.kind, disk.store.kind]).toEqual(["memory", "disk"]);
      const rows = memory.sizes[0] + memory.sizes[1] + memory.sizes[2];
      const back = new Float32Array(rows * memory.store.cols);
      await disk.store.read(0, rows, back);
      expect(Buffer.from(back.buffer).equals(Buffer.from(memory.store.view(0, rows)!.slice().buffer))).toBe(true);
      expect(Array.from(disk.preprocessing.mean)).toEqual(Array.from(memory.preprocessing.mean));

      // One epoch from each: the same multiset of (row, label), in a different order.
      const epoch = async (source: ReturnType<typeof trainingBatches>) => {
        const seen: string[] = [];
        for await (const batch of source.epoch(new Rng(5), 100, true)) {
          for (let k = 0; k < batch.count; k++) seen.push(`${batch.x.subarray(k * source.xCols, (k + 1) * source.xCols).join()}|${batch.y[k * source.yCols + 1]}`);
        }
        return seen;
      };
      const [fromMemory, fromDisk] = [await epoch(trainingBatches(memory, "softmax-ce")), await epoch(trainingBatches(disk, "softmax-ce", 256 << 10))];
      expect(fromDisk).toHaveLength(memory.sizes[0]);
      expect(fromDisk).not.toEqual(fromMemory);
      expect([...fromDisk].sort()).toEqual([...fromMemory].sort());
    } finally {
      await memory.store.close();
      await disk.store.close();
    }
  });

  it("trains a model as accurate as in memory, within 0.5 points", async () => {
    const options = { ...OPTIONS, targets: ["y"], hidden: [8], epochs: 3, batchSize: 64, learningRate: 0.01, seed: 3 };
    const inMemory = await trainFromFile(file, options);
    const streamed = await trainFromFile(file, options, { maxMemory: 64 << 10 });
    expect(streamed.report.data.storage).toBe("disk");
    expect(inMemory.report.data.storage).toBeUndefined();
    const [a, b] = [inMemory.report.metrics.accuracy!, streamed.report.metrics.accuracy!];
    expect(a).toBeGreaterThan(0.85);
    expect(Math.abs(a - b), `${a} vs ${b}`).toBeLessThanOrEqual(0.005);
  });
});
