/**
 * The data engine behind `maas train FILE`: an in-process DuckDB (its native reader for CSV, JSON
 * and Parquet, vectorised SQL for the statistics, chunked results for the encoding). One instance
 * per training run, closed with it.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBDataChunk } from "@duckdb/node-api";

export interface EngineLimits {
  /** DuckDB's own memory limit (it spills past it), in bytes. */
  memoryBytes?: number;
  threads?: number;
}

export class Engine {
  private readonly instance: DuckDBInstance;
  readonly connection: DuckDBConnection;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection) {
    this.instance = instance;
    this.connection = connection;
  }

  static async open(limits: EngineLimits = {}): Promise<Engine> {
    const options: Record<string, string> = { preserve_insertion_order: "true" };
    // Below ~256 MB DuckDB fails outright on wide CSV chunks rather than spilling.
    if (limits.memoryBytes) options.memory_limit = `${Math.max(256, Math.floor(limits.memoryBytes / 2 ** 20))}MB`;
    if (limits.threads) options.threads = String(limits.threads);
    const instance = await DuckDBInstance.create(":memory:", options);
    return new Engine(instance, await instance.connect());
  }

  /** All rows of a (small) result, as JS values (BIGINT as bigint). */
  async rows(sql: string): Promise<unknown[][]> {
    return (await this.connection.runAndReadAll(sql)).getRows() as unknown[][];
  }

  /** One row of a (small) result as JSON-able values (BIGINT as text, MAP as key/value entries, LIST as arrays). */
  async rowJson(sql: string): Promise<Record<string, unknown>> {
    return (await this.connection.runAndReadAll(sql)).getRowObjectsJson()[0] as Record<string, unknown>;
  }

  /** The result of `sql`, chunk by chunk (about 2048 rows each), in order. */
  async *chunks(sql: string): AsyncGenerator<DuckDBDataChunk> {
    const result = await this.connection.stream(sql);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) return;
      yield chunk;
    }
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
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
