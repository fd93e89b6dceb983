/**
 * The streaming split and the statistics gathered while rows are placed, checked by hand: exact
 * per-class counts, every row in one part, no bias toward the start or end of the file, a seed
 * that matters; and the imputation means and standardisation deviations of a file equal the
 * float64 mean and population deviation of its training rows, computed here from the raw text.
 */
import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { encodeFile } from "../../../../training/data/file/encode-file.ts";
import { splitRows } from "../../../../training/data/split.ts";
import { tempDir } from "./fixtures.ts";

const tmp = tempDir("maas-split-");
afterAll(() => tmp.remove());
const fractions = { validation: 0.15, test: 0.2 };

describe("the streaming split", () => {
  // 3 classes of 50, 37 and 13 rows, interleaved.
  const groups = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? 0 : i % 8 === 1 ? 2 : 1));
  const sizes = [0, 1, 2].map((g) => groups.filter((x) => x === g).length);

  it("gives each class exactly round(n·test) test and round(n·validation) validation rows, each row once", () => {
    const split = splitRows(groups.length, fractions, 1, groups);
    for (const [g, n] of sizes.entries()) {
      const of = (rows: number[]) => rows.filter((r) => groups[r] === g).length;
      expect([of(split.test), of(split.validation)], `class ${g}`).toEqual([Math.round(n * 0.2), Math.round(n * 0.15)]);
    }
    expect([...split.train, ...split.validation, ...split.test].sort((a, b) => a - b)).toEqual(groups.map((_, i) => i));
  });

  it("depends on the seed, and puts the first and the last rows in the test part as often as any", () => {
    expect(splitRows(groups.length, fractions, 1, groups).test).not.toEqual(splitRows(groups.length, fractions, 2, groups).test);
    const seeds = 400;
    const inTest = new Array<number>(groups.length).fill(0);
    for (let seed = 0; seed < seeds; seed++) for (const r of splitRows(groups.length, fractions, seed, groups).test) inTest[r]++;
    // class 0 rows: the first two and the last two, each expected in test 10/50 = 20% of the time
    for (const r of [0, 2, 96, 98]) expect(inTest[r] / seeds, `row ${r}`).toBeGreaterThan(0.13), expect(inTest[r] / seeds, `row ${r}`).toBeLessThan(0.27);
  });
});

describe("statistics of a file's training rows", () => {
  it("mean (the imputed value) and population deviation per numeric column, from the training split only", async () => {
    const rows = Array.from({ length: 90 }, (_, i) => ({ a: i % 10 === 3 ? "" : String(((i * 7919) % 101) / 7), b: String(1000 + ((i * 37) % 11) * 0.25), label: i % 3 === 0 ? "x" : "y" }));
    const file = tmp.path("stats.csv");
    writeFileSync(file, `a,b,label\n${rows.map((r) => `${r.a},${r.b},${r.label}`).join("\n")}\n`);
    const data = await encodeFile(file, { request: { targets: ["label"] }, fractions, seed: 4, standardize: true, selection: { seed: 4 }, strict: false });
    await data.store.close();
    const train = splitRows(rows.length, fractions, 4, rows.map((r) => (r.label === "x" ? 0 : 1))).train;
    expect(data.sizes[0]).toBe(train.length);
    for (const [c, name] of (["a", "b"] as const).entries()) {
      const values = train.map((i) => rows[i][name]).filter((v) => v !== "").map((v) => Math.fround(Number(v)));
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      const deviation = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
      expect(data.preprocessing.fill[c], name).toBeCloseTo(mean, 4);
      expect(data.preprocessing.mean[c], name).toBeCloseTo(mean, 4);
      expect(data.preprocessing.std[c], name).toBeCloseTo(deviation, 4);
      // the training rows' mean is not the mean of all rows (so the check can tell them apart)
      const all = rows.map((r) => r[name]).filter((v) => v !== "").map(Number);
      expect(Math.abs(all.reduce((s, v) => s + v, 0) / all.length - mean)).toBeGreaterThan(1e-3);
    }
  });
});
