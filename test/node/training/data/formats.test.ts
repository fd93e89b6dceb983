/**
 * Every input format through `trainFromFile` gives the model `trainFromRecords` gives on the same
 * records (written by hand here; encoded by the Worker's `encodeRecords`), byte for byte: CSV with
 * a BOM, CRLF, blank lines and quoted fields holding commas, quotes and newlines; JSONL with blank
 * lines; a JSON array; Parquet. Also --limit (the first N records) and --sample (the same N rows
 * whatever the format).
 */
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleRows } from "../../../../training/data/file/row-selection.ts";
import { trainFromFile, trainFromRecords, type PipelineResult } from "../../../../training/pipeline.ts";
import { mixedRows, OPTIONS, tempDir, toCsv, toParquet, writeFiles, type Row } from "./fixtures.ts";

const tmp = tempDir("maas-formats-");
afterAll(() => tmp.remove());
const same = (a: PipelineResult, b: PipelineResult) => Buffer.from(a.bytes).equals(Buffer.from(b.bytes));

describe("data files in every format", () => {
  const rows: Row[] = mixedRows();
  // A category value with a line break inside its quotes.
  rows[10].color = "two\nlines";
  let files: ReturnType<typeof writeFiles> & { parquet: string };
  let reference: PipelineResult;

  beforeAll(async () => {
    files = { ...writeFiles(tmp.path, rows), parquet: tmp.path("data.parquet") };
    await toParquet(files.jsonl, files.parquet);
    reference = await trainFromRecords(rows, OPTIONS);
  });

  it("reads the schema the records give (numbers, categories with quotes and commas, booleans as categories)", () => {
    const lacking = (name: string) => rows.filter((r) => r[name] === null).length;
    expect(reference.schema.features).toEqual([
      { name: "size", kind: "numeric", missing: lacking("size") },
      { name: "color", kind: "categorical", categories: ["green", 'red, dark', 'say "blue"', "two\nlines"], missing: lacking("color") },
      { name: "weight", kind: "numeric" },
      { name: "fresh", kind: "categorical", categories: ["false", "true"] },
    ]);
  });

  for (const format of ["csv", "jsonl", "json", "parquet"] as const) {
    it(`${format}: bit-identical model and the same report counts as the records`, async () => {
      const result = await trainFromFile(files[format], OPTIONS);
      expect(result.schema).toEqual(reference.schema);
      expect(result.report.features).toEqual(reference.report.features);
      expect(result.report.data).toEqual(reference.report.data);
      expect(same(result, reference)).toBe(true);
    });
  }

  it("a file of many chunks (DuckDB hands over ~2048 rows at a time) matches its records too", async () => {
    const many: Row[] = Array.from({ length: 9000 }, (_, i) => ({ ...rows[i % rows.length], weight: (i * 7) % 101, size: i % 13 === 0 ? null : ((i * 31) % 97) / 10 }));
    for (let i = 7; i < many.length; i += 500) many[i].label = null; // rows without a target are dropped
    const csv = tmp.path("many.csv");
    writeFileSync(csv, toCsv(many));
    const options = { ...OPTIONS, epochs: 1, batchSize: 256 };
    const [fromFile, fromRecords] = [await trainFromFile(csv, options), await trainFromRecords(many, options)];
    expect(fromFile.report.data).toEqual(fromRecords.report.data);
    expect(fromFile.report.data.droppedRows).toBe(18);
    expect(same(fromFile, fromRecords)).toBe(true);
  });

  it("a different seed gives a different model (the comparison can fail)", async () => {
    const other = await trainFromFile(files.csv, { ...OPTIONS, seed: 8 });
    expect(same(other, reference)).toBe(false);
  });

  it("--limit N trains on the first N records", async () => {
    const limited = await trainFromFile(files.csv, OPTIONS, { limit: 70 });
    expect(limited.report.data.rows).toBe(70);
    expect(same(limited, await trainFromRecords(rows.slice(0, 70), OPTIONS))).toBe(true);
  });

  it("--sample N trains on N seeded rows, in file order, the same in CSV and Parquet", async () => {
    const chosen = Array.from(sampleRows(rows.length, 60, OPTIONS.seed), (n) => rows[n - 1]);
    expect(chosen).toHaveLength(60);
    const expected = await trainFromRecords(chosen, OPTIONS);
    const csv = await trainFromFile(files.csv, OPTIONS, { sample: 60 });
    const parquet = await trainFromFile(files.parquet, OPTIONS, { sample: 60 });
    expect(csv.report.data.rows).toBe(60);
    expect(same(csv, expected)).toBe(true);
    expect(same(parquet, expected)).toBe(true);
    // another seed, another sample
    expect(Array.from(sampleRows(rows.length, 60, OPTIONS.seed + 1))).not.toEqual(Array.from(sampleRows(rows.length, 60, OPTIONS.seed)));
  });
});
