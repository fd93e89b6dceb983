/**
 * Where a data row is in its file, for messages about bad values: the line of a CSV record (quoted
 * fields may span lines; blank lines are skipped, as the reader skips them), the line of a JSONL
 * record, the element of a JSON array, the row of a Parquet file. Only the few rows reported are
 * looked up, by one scan of the file up to the last of them.
 */
import { createReadStream } from "node:fs";
import type { FileFormat } from "./source.ts";

const NEWLINE = 10;
const CR = 13;
const QUOTE = 34;

/** 1-based line of the start of each data row (0-based `rows`, increasing), counting the CSV header. */
async function lineNumbers(path: string, format: "csv" | "jsonl", rows: readonly number[]): Promise<number[]> {
  const lines: number[] = [];
  let line = 1;
  let record = format === "csv" ? -1 : 0; // the CSV header is record −1
  let inQuotes = false;
  let lineHasContent = false;
  let recordStartLine = 1;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === QUOTE && format === "csv") inQuotes = !inQuotes;
      if (byte === NEWLINE) {
        if (!inQuotes) {
          if (lineHasContent) {
            if (record === rows[lines.length]) lines.push(recordStartLine);
            if (lines.length === rows.length) return (stream.destroy(), lines);
            record++;
          }
          lineHasContent = false;
          recordStartLine = line + 1;
        }
        line++;
      } else if (byte !== CR && byte !== 32 && byte !== 9) {
        if (!lineHasContent && !inQuotes) recordStartLine = line;
        lineHasContent = true;
      }
    }
  }
  if (lineHasContent && record === rows[lines.length]) lines.push(recordStartLine);
  return lines;
}

/** "line 12", "element 3", "row 7" for each of `rows` (0-based data rows of the rows read, in increasing order). */
export async function locateRows(path: string, format: FileFormat, rows: readonly number[], sampled: boolean): Promise<string[]> {
  if (sampled) return rows.map((r) => `sampled row ${r + 1}`);
  if (format === "json") return rows.map((r) => `element ${r}`);
  if (format === "parquet") return rows.map((r) => `row ${r + 1}`);
  const unique = [...new Set(rows)];
  const lines = await lineNumbers(path, format, unique);
  return rows.map((r) => {
    const line = lines[unique.indexOf(r)];
    return line === undefined ? `row ${r + 1}` : `line ${line}`;
  });
}
