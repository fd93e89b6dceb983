/**
 * A data file → EncodedData, through DuckDB: the schema pass (scan-schema.ts), then one streaming
 * pass whose SQL already encodes every feature (FLOAT for numbers, NaN when missing; the level's
 * position for categories) and the target; each chunk's column vectors are read in place (typed
 * arrays over DuckDB's own buffers) and each row placed by the RowPlacer — no row objects.
 */
import duckdb from "@duckdb/node-bindings";
import type { DuckDBDataChunk } from "@duckdb/node-api";
import type { BadValue, EncodedData } from "../encoded-data.ts";
import { RowPlacer } from "../encoded-data.ts";
import { TrainingInputError } from "../errors.ts";
import type { SchemaRequest } from "../infer-schema.ts";
import { DiskRowStore, MemoryRowStore, type RowStore } from "../row-store.ts";
import { levelIndex, numericFeature } from "./column-sql.ts";
import { Engine, literal } from "./engine.ts";
import { locateRows } from "./locate-rows.ts";
import { selectRows, type RowSelection } from "./row-selection.ts";
import { scanSchema, type FileSchema } from "./scan-schema.ts";
import { inputError, openSource, switchToText, type FileSource } from "./source.ts";

/** Bad values listed one by one (the rest are counted). */
export const BAD_VALUES_SHOWN = 5;

export interface FileEncodeOptions {
  request: SchemaRequest;
  fractions: { validation: number; test: number };
  seed: number;
  standardize: boolean;
  selection: RowSelection;
  /** Stop at the first bad value instead of treating it as missing. */
  strict: boolean;
  /** Bytes the encoded rows may take: past about half of it they go to the on-disk cache. */
  memoryBudget?: number;
  onRead?: (rows: number, totalRows: number) => void;
}

/** How the encoded rows are held for a budget: in memory while they fit in about half of it. */
export function storeFor(cols: number, budget: number | undefined): (sizes: [number, number, number]) => RowStore {
  return (sizes) => {
    const bytes = (sizes[0] + sizes[1] + sizes[2]) * cols * 4;
    return budget === undefined || bytes <= budget / 2 ? new MemoryRowStore(cols, sizes) : new DiskRowStore(cols, sizes);
  };
}

function typed<T extends Float32Array | Int32Array | Float64Array | Uint8Array>(
  chunk: DuckDBDataChunk,
  column: number,
  Type: { new (buffer: ArrayBufferLike, offset: number, length: number): T; BYTES_PER_ELEMENT: number },
): T {
  const bytes = duckdb.vector_get_data(duckdb.data_chunk_get_vector(chunk.chunk, column), chunk.rowCount * Type.BYTES_PER_ELEMENT);
  return new Type(bytes.buffer, bytes.byteOffset, chunk.rowCount);
}

interface Found {
  row: number;
  feature: number;
  value: string;
}

/** A CSV column DuckDB's sniffer took for numbers holds a non-number further down: read again with it as text. */
class Retype extends Error {}

export async function encodeFile(path: string, options: FileEncodeOptions): Promise<EncodedData> {
  const engine = await Engine.open({ memoryBytes: options.memoryBudget && options.memoryBudget / 4 });
  try {
    const source = await openSource(engine, path, options.request.targets);
    let rows: () => string;
    try {
      rows = await selectRows(engine, () => source.from(), options.selection);
    } catch (error) {
      throw inputError(path, source.format, error);
    }
    for (;;) {
      try {
        return await encodeRows(engine, source, rows, options);
      } catch (error) {
        if (!(error instanceof Retype)) throw error;
      }
    }
  } finally {
    engine.close();
  }
}

function encodeSql(file: FileSchema, rows: string, badColumns: number[]): string {
  const { schema } = file;
  const select = [file.keep];
  schema.features.forEach((f, i) => select.push(f.kind === "numeric" ? numericFeature(file.featureSql[i]) : levelIndex(file.featureSql[i], f.categories)));
  for (const i of badColumns) {
    const f = file.featureSql[i];
    select.push(`NOT ${f.missing} AND NOT ${f.isNumber}`, `CASE WHEN NOT ${f.missing} AND NOT ${f.isNumber} THEN ${f.text} END`);
  }
  if (schema.task === "classification") {
    select.push(`coalesce(list_position([${schema.classes!.map(literal).join(", ")}]::VARCHAR[], ${file.targetSql[0].text}) - 1, 0)::INTEGER`);
  } else for (const t of file.targetSql) select.push(`coalesce(${t.number}, 'nan'::DOUBLE)`);
  return `SELECT ${select.join(", ")} FROM ${rows}`;
}

async function encodeRows(engine: Engine, source: FileSource, rows: () => string, options: FileEncodeOptions): Promise<EncodedData> {
  const file = await scanSchema(engine, source, rows, options.request);
  const { schema } = file;
  const features = schema.features;
  const classification = schema.task === "classification";
  const textBad = file.columns.flatMap((c, i) => (c.badValues ? [i] : []));
  // Number-typed columns: missing values and infinities are counted here, as they are encoded.
  const counted = features.map((_, i) => file.featureSql[i].float !== undefined);
  const missing = new Array<number>(features.length).fill(0);
  const badCounts = file.columns.map((c) => c.badValues ?? 0);
  const found: Found[] = [];
  const sampled = options.selection.sample !== undefined;

  const placer = new RowPlacer({ ...options, schema, groupSizes: file.groupSizes, store: storeFor(schema.inputWidth, options.memoryBudget) });
  const row = new Float32Array(schema.inputWidth);
  const offsets: number[] = [];
  features.reduce((at, f) => (offsets.push(at), at + (f.kind === "numeric" ? 1 : f.categories.length)), 0);
  const targetCount = classification ? 0 : file.targetSql.length;
  const targets = new Float64Array(targetCount);
  const report = async (bad: Found): Promise<void> => {
    if (options.strict) {
      const [where] = await locateRows(source.path, source.format, [bad.row], sampled);
      throw new TrainingInputError(`row ${bad.row + 1}, column "${features[bad.feature].name}": ${JSON.stringify(bad.value)} is not a number (${where} of ${source.path}; --strict)`);
    }
    if (found.length < BAD_VALUES_SHOWN) found.push(bad);
  };

  let rowIndex = 0;
  try {
    for await (const chunk of engine.chunks(encodeSql(file, rows(), textBad))) {
      const n = chunk.rowCount;
      const keep = typed(chunk, 0, Uint8Array);
      const columns = features.map((f, i) => (f.kind === "numeric" ? typed(chunk, 1 + i, Float32Array) : typed(chunk, 1 + i, Int32Array)));
      const badAt = 1 + features.length;
      const flags = textBad.map((_, k) => typed(chunk, badAt + 2 * k, Uint8Array));
      const at = badAt + 2 * textBad.length;
      const label = classification ? typed(chunk, at, Int32Array) : undefined;
      const values = classification ? [] : file.targetSql.map((_, k) => typed(chunk, at + k, Float64Array));
      for (let r = 0; r < n; r++, rowIndex++) {
        if (!keep[r]) continue;
        for (let k = 0; k < textBad.length; k++) {
          if (flags[k][r]) await report({ row: rowIndex, feature: textBad[k], value: String(chunk.getColumnVector(badAt + 2 * k + 1).getItem(r)) });
        }
        for (let f = 0; f < columns.length; f++) {
          const spec = features[f];
          if (spec.kind === "numeric") {
            let v = columns[f][r];
            if (counted[f] && !Number.isFinite(v)) {
              if (Number.isNaN(v)) missing[f]++;
              else {
                badCounts[f]++;
                await report({ row: rowIndex, feature: f, value: String(v) });
                v = NaN;
              }
            }
            row[offsets[f]] = v;
          } else {
            row.fill(0, offsets[f], offsets[f] + spec.categories.length);
            const level = columns[f][r];
            if (level > 0) row[offsets[f] + level - 1] = 1;
          }
        }
        for (let k = 0; k < targetCount; k++) targets[k] = values[k][r];
        placer.place(row, label ? label[r] : 0, targets);
      }
      options.onRead?.(rowIndex, file.rowsRead);
    }
    await placer.store.finish();
  } catch (error) {
    await placer.store.close();
    if (error instanceof TrainingInputError) throw error;
    if (switchToText(source, error)) throw new Retype();
    throw inputError(source.path, source.format, error);
  }

  const kept = file.rowsRead - file.droppedRows;
  const columns = file.columns.map((c, i) => {
    if (!counted[i]) return c;
    if (missing[i] + badCounts[i] === kept) throw new TrainingInputError(`column "${c.name}" has no values (use --ignore ${c.name})`);
    return { ...c, missing: missing[i], ...(badCounts[i] ? { badValues: badCounts[i] } : {}) };
  });
  const where = await locateRows(source.path, source.format, found.map((b) => b.row), sampled);
  const badValues: BadValue[] = found.map((b, i) => ({ at: where[i], column: features[b.feature].name, value: b.value }));
  return placer.encoded({ schema, columns, rowsRead: file.rowsRead, droppedRows: file.droppedRows, badValues });
}
