/**
 * `--limit N` (the first N data rows) and `--sample N` (N rows chosen at random for the seed, kept
 * in file order) as a table expression over the file. The sample is chosen by sequential sampling
 * over the row count, so it is the same rows whatever the file's format.
 */
import { Rng } from "../../util/rng.ts";
import type { Engine } from "./engine.ts";

export interface RowSelection {
  limit?: number;
  sample?: number;
  seed: number;
}

/** Row numbers (1-based, increasing) of `count` rows out of `total`, chosen for `seed`. */
export function sampleRows(total: number, count: number, seed: number): Int32Array {
  const rng = new Rng((seed ^ 0x5a3b1e) >>> 0);
  const chosen = new Int32Array(Math.min(count, total));
  let needed = chosen.length;
  for (let row = 0, k = 0; row < total && needed > 0; row++) {
    if (rng.uniform() * (total - row) < needed) (chosen[k++] = row + 1), needed--;
  }
  return chosen;
}

/**
 * The rows to train on, as a table expression over `read()` (the file's read call, whose column
 * types may still change): all rows, the first rows, or a sample (a temporary table of row numbers).
 */
export async function selectRows(engine: Engine, read: () => string, selection: RowSelection): Promise<() => string> {
  if (selection.limit !== undefined) return () => `(SELECT * FROM ${read()} LIMIT ${selection.limit})`;
  if (selection.sample === undefined) return read;
  const [[total]] = await engine.rows(`SELECT count(*) FROM ${read()}`);
  const rows = sampleRows(Number(total), selection.sample, selection.seed);
  await engine.connection.run("CREATE OR REPLACE TEMP TABLE maas_sample (row_number BIGINT)");
  const appender = await engine.connection.createAppender("maas_sample");
  for (const row of rows) {
    appender.appendBigInt(BigInt(row));
    appender.endRow();
  }
  appender.closeSync();
  return () => `(SELECT * EXCLUDE (maas_row) FROM (SELECT row_number() OVER () AS maas_row, * FROM ${read()}) WHERE maas_row IN (SELECT row_number FROM maas_sample))`;
}
