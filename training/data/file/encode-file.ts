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
import { Engine } from "./engine.ts";
import { locateRows } from "./locate-rows.ts";
import { selectRows, type RowSelection } from "./row-selection.ts";
import { scanSchema } from "./scan-schema.ts";
import { inputError, openSource } from "./source.ts";

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
  /** Past this many bytes of encoded rows, they go to the on-disk cache. */
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
    const file = await scanSchema(engine, source, rows, options.request);
    const { schema } = file;
    const classification = schema.task === "classification";
    const badColumns = file.columns.flatMap((c, i) => (c.badValues ? [i] : []));

    const select = [file.keep];
    schema.features.forEach((f, i) => select.push(f.kind === "numeric" ? numericFeature(file.featureSql[i]) : levelIndex(file.featureSql[i], f.categories)));
    for (const i of badColumns) {
      const f = file.featureSql[i];
      select.push(`NOT ${f.missing} AND NOT ${f.isNumber}`, `CASE WHEN NOT ${f.missing} AND NOT ${f.isNumber} THEN ${f.text} END`);
    }
    if (classification) select.push(`coalesce(list_position([${schema.classes!.map((c) => `'${c.replaceAll("'", "''")}'`).join(", ")}]::VARCHAR[], ${file.targetSql[0].text}) - 1, 0)::INTEGER`);
    else for (const t of file.targetSql) select.push(`coalesce(${t.number}, 'nan'::DOUBLE)`);

    const placer = new RowPlacer({ schema, groupSizes: file.groupSizes, fractions: options.fractions, seed: options.seed, standardize: options.standardize, store: storeFor(schema.inputWidth, options.memoryBudget) });
    const row = new Float32Array(schema.inputWidth);
    const targetCount = classification ? 0 : file.targetSql.length;
    const targets = new Float64Array(targetCount);
    const offsets: number[] = [];
    schema.features.reduce((at, f) => (offsets.push(at), at + (f.kind === "numeric" ? 1 : f.categories.length)), 0);
    const bad: Array<{ row: number; column: string; value: string }> = [];
    const badCounts = new Array<number>(schema.features.length).fill(0);
    let rowIndex = 0;
    try {
      for await (const chunk of engine.chunks(`SELECT ${select.join(", ")} FROM ${rows()}`)) {
        const n = chunk.rowCount;
        const keep = typed(chunk, 0, Uint8Array);
        const columns = schema.features.map((f, i) => (f.kind === "numeric" ? typed(chunk, 1 + i, Float32Array) : typed(chunk, 1 + i, Int32Array)));
        let at = 1 + schema.features.length;
        const flags = badColumns.map((_, k) => typed(chunk, at + 2 * k, Uint8Array));
        at += 2 * badColumns.length;
        const label = classification ? typed(chunk, at, Int32Array) : undefined;
        const values = file.targetSql.map((_, k) => (classification ? undefined : typed(chunk, at + k, Float64Array)));
        for (let r = 0; r < n; r++, rowIndex++) {
          if (!keep[r]) continue;
          for (let k = 0; k < badColumns.length; k++) {
            if (!flags[k][r]) continue;
            const f = badColumns[k];
            badCounts[f]++;
            if (bad.length < BAD_VALUES_SHOWN || options.strict) {
              bad.push({ row: rowIndex, column: schema.features[f].name, value: String(chunk.getColumnVector(at - 2 * badColumns.length + 2 * k + 1).getItem(r)) });
            }
            if (options.strict) throw await strictError(path, source.format, options.selection.sample !== undefined, bad[bad.length - 1]);
          }
          for (let f = 0; f < columns.length; f++) {
            const spec = schema.features[f];
            if (spec.kind === "numeric") row[offsets[f]] = columns[f][r];
            else {
              row.fill(0, offsets[f], offsets[f] + spec.categories.length);
              const level = columns[f][r];
              if (level > 0) row[offsets[f] + level - 1] = 1;
            }
          }
          for (let k = 0; k < targetCount; k++) targets[k] = values[k]![r];
          placer.place(row, label ? label[r] : 0, targets);
        }
        options.onRead?.(rowIndex, file.rowsRead);
      }
    } catch (error) {
      await placer.store.close();
      if (error instanceof TrainingInputError) throw error;
      throw inputError(path, source.format, error);
    }
    await placer.store.finish();
    const where = await locateRows(path, source.format, bad.map((b) => b.row), options.selection.sample !== undefined);
    const badValues: BadValue[] = bad.map((b, i) => ({ at: where[i], column: b.column, value: b.value }));
    return {
      schema,
      columns: file.columns,
      rowsRead: file.rowsRead,
      droppedRows: file.droppedRows,
      sizes: placer.split.sizes,
      store: placer.store,
      labels: placer.labels,
      targets: placer.targets,
      preprocessing: placer.preprocessing(),
      targetScaling: placer.targetScaling(),
      badValues,
    };
  } finally {
    engine.close();
  }
}

async function strictError(path: string, format: Parameters<typeof locateRows>[1], sampled: boolean, bad: { row: number; column: string; value: string }): Promise<TrainingInputError> {
  const [where] = await locateRows(path, format, [bad.row], sampled);
  return new TrainingInputError(`row ${bad.row + 1}, column "${bad.column}": ${JSON.stringify(bad.value)} is not a number (${where} of ${path}; --strict)`);
}
