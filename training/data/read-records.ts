/**
 * Reads a data file into records (one object per row, keyed by column): CSV with a header row
 * (csv-parse), JSON (an array of objects) or JSONL / NDJSON (one object per line).
 */
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { parse } from "csv-parse/sync";
import { TrainingInputError } from "./errors.ts";

export type DataRecord = Record<string, unknown>;

export function parseRecords(text: string, format: "csv" | "json" | "jsonl", source = "input"): DataRecord[] {
  if (text.trim() === "") throw new TrainingInputError(`${source} is empty`);
  if (format === "csv") {
    try {
      return parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as DataRecord[];
    } catch (error) {
      throw new TrainingInputError(`${source}: ${(error as Error).message}`);
    }
  }
  const lines = format === "json" ? [text] : text.split(/\r?\n/);
  const records: DataRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(lines[i]);
    } catch (error) {
      const where = format === "jsonl" ? ` line ${i + 1}` : "";
      throw new TrainingInputError(`${source}${where} is not valid JSON: ${(error as Error).message}`);
    }
    const items = format === "json" ? value : [value];
    if (!Array.isArray(items)) throw new TrainingInputError(`${source} must hold a JSON array of records`);
    for (const [k, item] of items.entries()) {
      if (typeof item !== "object" || item === null || Array.isArray(item)) {
        throw new TrainingInputError(`${source}: ${format === "jsonl" ? `line ${i + 1}` : `element ${k}`} is not an object`);
      }
      records.push(item as DataRecord);
    }
  }
  return records;
}

export function formatOf(path: string): "csv" | "json" | "jsonl" {
  const ext = extname(path).toLowerCase();
  if (ext === ".json") return "json";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  return "csv";
}

export async function readRecords(path: string): Promise<DataRecord[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new TrainingInputError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const records = parseRecords(text, formatOf(path), path);
  if (records.length === 0) throw new TrainingInputError(`${path} has no data rows`);
  return records;
}
