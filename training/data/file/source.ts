/**
 * A data file as a DuckDB table expression: its format from the extension, its columns, and the
 * `read_*` call that reads it. CSV columns are read as DOUBLE where DuckDB's sniffer finds numbers
 * (fast native parsing) and as text otherwise; a column that turns out to hold a non-number further
 * down is switched to text and the file read again (see scan-schema.ts).
 */
import { open } from "node:fs/promises";
import { extname } from "node:path";
import { MISSING_STRINGS } from "../../../functions/registry/feature-schema.ts";
import { TrainingInputError } from "../errors.ts";
import { ident, literal, type Engine } from "./engine.ts";

export type FileFormat = "csv" | "json" | "jsonl" | "parquet";

export interface RawColumn {
  name: string;
  /** DuckDB's type for it (for CSV: DOUBLE or VARCHAR). */
  type: string;
}

export interface FileSource {
  path: string;
  format: FileFormat;
  bytes: number;
  columns: RawColumn[];
  /** The table expression reading the file with the columns' current types. */
  from(): string;
}

export function fileFormat(path: string): FileFormat {
  const ext = extname(path).toLowerCase();
  if (ext === ".parquet" || ext === ".pq") return "parquet";
  if (ext === ".json") return "json";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  return "csv";
}

const NUMBER_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/;
export const isNumberType = (type: string): boolean => NUMBER_TYPE.test(type);

/** Fails with "cannot read" or "is empty" before DuckDB sees the file. */
async function checkReadable(path: string): Promise<number> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw new TrainingInputError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, 4096));
    await handle.read(head, 0, head.length, 0);
    if (size === 0 || (size <= head.length && head.toString("utf8").replace(/^\ufeff/, "").trim() === "")) throw new TrainingInputError(`${path} is empty`);
    return size;
  } finally {
    await handle.close();
  }
}

/** A DuckDB error about the file → one line for the user. */
export function inputError(path: string, format: FileFormat, error: unknown): TrainingInputError {
  const message = (error as Error).message.split("\n")[0].replace(/^[A-Za-z ]+Error: /, "");
  return new TrainingInputError(format === "json" || format === "jsonl" ? `${path} is not valid JSON: ${message}` : `${path}: ${message}`);
}

function readCall(path: string, format: FileFormat, types?: RawColumn[]): string {
  if (format === "parquet") return `read_parquet(${literal(path)})`;
  if (format !== "csv") return `read_json(${literal(path)}, format=${literal(format === "json" ? "array" : "newline_delimited")}, sample_size=-1)`;
  const nulls = `nullstr=[${[...MISSING_STRINGS].map(literal).join(", ")}]`;
  const typed = types ? `, types={${types.map((c) => `${literal(c.name)}: ${literal(c.type)}`).join(", ")}}` : "";
  return `read_csv(${literal(path)}, header=true, delim=',', quote='"', escape='"', ${nulls}${typed})`;
}

/** `textColumns`: columns to read as text whatever they hold (the targets: class names keep their spelling). */
export async function openSource(engine: Engine, path: string, textColumns: readonly string[]): Promise<FileSource> {
  const format = fileFormat(path);
  const bytes = await checkReadable(path);
  let described: unknown[][];
  try {
    described = await engine.rows(`DESCRIBE SELECT * FROM ${readCall(path, format)}`);
  } catch (error) {
    throw inputError(path, format, error);
  }
  const columns = described.map(([name, type]) => ({ name: String(name), type: String(type) }));
  if (format === "csv") for (const c of columns) c.type = isNumberType(c.type) && !textColumns.includes(c.name) ? "DOUBLE" : "VARCHAR";
  return { path, format, bytes, columns, from: () => readCall(path, format, format === "csv" ? columns : undefined) };
}

/** After a CSV conversion error naming a column: read that column as text from now on. True when switched. */
export function switchToText(source: FileSource, error: unknown): boolean {
  const column = /Error when converting column "(.+?)"/.exec((error as Error).message)?.[1];
  const raw = source.columns.find((c) => c.name === column);
  if (source.format !== "csv" || !raw || raw.type === "VARCHAR") return false;
  raw.type = "VARCHAR";
  return true;
}

export { ident };
