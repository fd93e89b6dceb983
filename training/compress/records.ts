/** Reads a data file (CSV with a header row, a JSON array of objects, or JSON Lines) into records. */
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";

export function readRecords(path: string): Record<string, unknown>[] {
  const text = readFileSync(path, "utf8");
  const lower = path.toLowerCase();
  if (lower.endsWith(".json")) {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value)) throw new Error(`${path}: expected a JSON array of objects`);
    return value as Record<string, unknown>[];
  }
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) {
    return text.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as Record<string, unknown>);
  }
  return parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, unknown>[];
}
