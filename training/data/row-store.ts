/**
 * Where the encoded feature rows live: one contiguous Float32Array, or (past the memory budget) a
 * file of float32 rows in a temporary directory. Rows are laid out by part — train rows first,
 * then validation, then test — each part in file order, so a part is one contiguous range.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Part } from "./split.ts";

export interface RowStore {
  readonly cols: number;
  readonly kind: "memory" | "disk";
  /** Appends one encoded row to its part. */
  write(part: Part, row: Float32Array): void;
  /** Call once after the last write. */
  finish(): Promise<void>;
  /** Copies `count` rows starting at store row `first` into `out`. */
  read(first: number, count: number, out: Float32Array): Promise<void>;
  /** The rows themselves when in memory (no copy); undefined on disk. */
  view(first: number, count: number): Float32Array | undefined;
  close(): Promise<void>;
}

function partStarts(sizes: readonly number[]): number[] {
  return [0, sizes[0], sizes[0] + sizes[1]];
}

export class MemoryRowStore implements RowStore {
  readonly kind = "memory";
  private readonly data: Float32Array;
  private readonly next: number[];
  readonly cols: number;

  constructor(cols: number, sizes: readonly number[]) {
    this.cols = cols;
    this.data = new Float32Array((sizes[0] + sizes[1] + sizes[2]) * cols);
    this.next = partStarts(sizes);
  }

  write(part: Part, row: Float32Array): void {
    this.data.set(row, this.next[part]++ * this.cols);
  }

  async finish(): Promise<void> {}

  async read(first: number, count: number, out: Float32Array): Promise<void> {
    out.set(this.data.subarray(first * this.cols, (first + count) * this.cols));
  }

  view(first: number, count: number): Float32Array {
    return this.data.subarray(first * this.cols, (first + count) * this.cols);
  }

  async close(): Promise<void> {}
}

/** Rows buffered per part and written at their place in the file; read back with positioned reads. */
export class DiskRowStore implements RowStore {
  readonly kind = "disk";
  private readonly dir: string;
  private readonly path: string;
  private readonly fd: number;
  private readonly next: number[];
  private readonly buffers: Float32Array[];
  private readonly filled = [0, 0, 0];
  private reader: FileHandle | undefined;

  readonly cols: number;

  constructor(cols: number, sizes: readonly number[], bufferRows = 4096, directory = tmpdir()) {
    this.cols = cols;
    this.dir = mkdtempSync(join(directory, "maas-rows-"));
    this.path = join(this.dir, "rows.f32");
    this.fd = openSync(this.path, "w+");
    this.next = partStarts(sizes);
    this.buffers = [0, 1, 2].map(() => new Float32Array(bufferRows * cols));
  }

  write(part: Part, row: Float32Array): void {
    const buffer = this.buffers[part];
    buffer.set(row, this.filled[part] * this.cols);
    if (++this.filled[part] * this.cols === buffer.length) this.flush(part);
  }

  private flush(part: Part): void {
    const rows = this.filled[part];
    if (rows === 0) return;
    const bytes = new Uint8Array(this.buffers[part].buffer, 0, rows * this.cols * 4);
    writeSync(this.fd, bytes, 0, bytes.length, this.next[part] * this.cols * 4);
    this.next[part] += rows;
    this.filled[part] = 0;
  }

  async finish(): Promise<void> {
    for (const part of [0, 1, 2] as Part[]) this.flush(part);
    closeSync(this.fd);
    this.reader = await open(this.path, "r");
  }

  async read(first: number, count: number, out: Float32Array): Promise<void> {
    const length = count * this.cols * 4;
    const { bytesRead } = await this.reader!.read(new Uint8Array(out.buffer, out.byteOffset, length), 0, length, first * this.cols * 4);
    if (bytesRead !== length) throw new Error(`row cache: read ${bytesRead} of ${length} bytes`);
  }

  view(): undefined {
    return undefined;
  }

  async close(): Promise<void> {
    await this.reader?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
