/**
 * The data engine behind `maas train FILE`: an in-process DuckDB (its native reader for CSV, JSON
 * and Parquet, vectorised SQL for the statistics, chunked results for the encoding). One instance
 * per training run, closed with it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection, type DuckDBDataChunk } from "@duckdb/node-api";

/** DuckDB's memory limit without --max-memory: reading streams; only wide aggregates need more, and they spill. */
const DEFAULT_MEMORY_BYTES = 1 << 30;

export interface EngineLimits {
  /** DuckDB's own memory limit (it spills past it), in bytes. */
  memoryBytes?: number;
  threads?: number;
}

export class Engine {
  private readonly instance: DuckDBInstance;
  readonly connection: DuckDBConnection;
  private readonly spillDirectory: string;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection, spillDirectory: string) {
    this.instance = instance;
    this.connection = connection;
    this.spillDirectory = spillDirectory;
  }

  static async open(limits: EngineLimits = {}): Promise<Engine> {
    // Spills go to a temporary folder (an in-memory database would otherwise use ./.tmp).
    const spillDirectory = mkdtempSync(join(tmpdir(), "maas-duckdb-"));
    const options: Record<string, string> = { preserve_insertion_order: "true", temp_directory: spillDirectory };
    // Below ~256 MB DuckDB fails outright on wide CSV chunks rather than spilling.
    options.memory_limit = `${Math.max(256, Math.floor((limits.memoryBytes ?? DEFAULT_MEMORY_BYTES) / 2 ** 20))}MB`;
    if (limits.threads) options.threads = String(limits.threads);
    const instance = await DuckDBInstance.create(":memory:", options);
    return new Engine(instance, await instance.connect(), spillDirectory);
  }

  /** All rows of a (small) result, as JS values (BIGINT as bigint). */
  async rows(sql: string): Promise<unknown[][]> {
    return (await this.connection.runAndReadAll(sql)).getRows() as unknown[][];
  }

  /** One row of a (small) result as JSON-able values (BIGINT as text, MAP as key/value entries, LIST as arrays). */
  async rowJson(sql: string): Promise<Record<string, unknown>> {
    return (await this.connection.runAndReadAll(sql)).getRowObjectsJson()[0] as Record<string, unknown>;
  }

  /** The result of `sql`, chunk by chunk (about 2048 rows each), in order; the next chunk is fetched while the caller works on this one. */
  async *chunks(sql: string): AsyncGenerator<DuckDBDataChunk> {
    const result = await this.connection.stream(sql);
    let next = result.fetchChunk();
    for (;;) {
      const chunk = await next;
      if (!chunk || chunk.rowCount === 0) return;
      next = result.fetchChunk();
      next.catch(() => undefined); // awaited on the next turn; not unhandled if the caller stops here
      yield chunk;
    }
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
    rmSync(this.spillDirectory, { recursive: true, force: true });
  }
}

/** A SQL string literal. */
export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A SQL identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
