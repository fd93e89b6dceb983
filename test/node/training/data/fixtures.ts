/**
 * Small data sets written as files for the data-layer tests, together with the records they hold
 * (written here by hand, not read back): the in-memory path (`trainFromRecords`: the Worker's
 * `encodeRecords`) is the reference a file must reproduce bit for bit.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { PipelineOptions } from "../../../../training/pipeline.ts";

export type Row = Record<string, string | number | boolean | null>;

export const OPTIONS: PipelineOptions = {
  targets: ["label"],
  hidden: [5],
  activation: "tanh",
  optimizer: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  learningRate: 0.03,
  epochs: 4,
  batchSize: 16,
  seed: 7,
  validationFraction: 0.15,
  testFraction: 0.2,
  threads: 1,
};

export function tempDir(prefix: string): { dir: string; path: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** 120 rows: numbers with gaps, a category whose names hold commas and quotes, a boolean, a class. */
export function mixedRows(): Row[] {
  const colors = ['red, dark', 'say "blue"', "green"];
  return Array.from({ length: 120 }, (_, i) => {
    const size = Math.round((((i * 37) % 29) / 3 - 4) * 1000) / 1000;
    const weight = ((i * 13) % 17) - 8.25;
    const color = colors[i % 3];
    const row: Row = { size, color, weight, fresh: i % 4 === 0, label: size + (i % 3 === 0 ? 1.5 : 0) > 0.6 ? "big" : "small" };
    if (i % 9 === 4) row.size = null;
    if (i % 11 === 6) row.color = null;
    return row;
  });
}

function csvField(value: Row[string]): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** CSV with a BOM, CRLF line ends, blank lines between some rows and spaces around some numbers. */
export function toCsv(rows: Row[], columns = Object.keys(rows[0])): string {
  const field = (value: Row[string], i: number) => (typeof value === "number" && i % 7 === 2 ? ` ${value}\t` : csvField(value));
  const lines = [columns.join(","), ...rows.map((r, i) => columns.map((c) => field(r[c] ?? null, i)).join(",") + (i % 25 === 3 ? "\r\n" : ""))];
  return `\ufeff${lines.join("\r\n")}\r\n`;
}

export function toJsonl(rows: Row[]): string {
  return rows.map((r, i) => JSON.stringify(r) + (i % 30 === 5 ? "\n" : "")).join("\n") + "\n";
}

export function writeFiles(path: (name: string) => string, rows: Row[]): { csv: string; jsonl: string; json: string } {
  const files = { csv: path("data.csv"), jsonl: path("data.jsonl"), json: path("data.json") };
  writeFileSync(files.csv, toCsv(rows));
  writeFileSync(files.jsonl, toJsonl(rows));
  writeFileSync(files.json, JSON.stringify(rows));
  return files;
}

/** A Parquet copy of a JSONL file (DuckDB writes it; the columns keep JSON's types). */
export async function toParquet(jsonl: string, parquet: string): Promise<void> {
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  await connection.run(`COPY (SELECT * FROM read_json('${jsonl}', format='newline_delimited')) TO '${parquet}' (FORMAT parquet)`);
  connection.closeSync();
  db.closeSync();
}
