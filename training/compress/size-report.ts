/** File sizes before/after, raw and gzipped (gzip shows what zeros from pruning buy). */
import { gzipSync } from "node:zlib";

export interface FileSize {
  bytes: number;
  gzipBytes: number;
}

export function fileSize(bytes: Uint8Array): FileSize {
  return { bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(2)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

export function ratio(after: number, before: number): string {
  return `${(after / before).toFixed(3)}x`;
}
