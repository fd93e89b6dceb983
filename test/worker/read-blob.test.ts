/**
 * readBlob (functions/sessions/read-blob.ts) inside workerd: the bytes and sha256 of a blob read
 * from R2 or from a byte stream with awkward chunk sizes, across the 4 MiB hashing spans, and
 * what it reports for blobs shorter or longer than the manifest says.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readBlob } from "../../functions/sessions/read-blob.ts";

const MIB = 1024 * 1024;

function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A byte stream (BYOB-capable, like an R2 body) that hands out `chunk` bytes per pull. */
function byteStream(bytes: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        controller.byobRequest?.respond(0);
        return;
      }
      const end = Math.min(bytes.length, offset + chunk);
      controller.enqueue(bytes.slice(offset, end));
      offset = end;
    },
  }) as ReadableStream<Uint8Array>;
}

describe("readBlob", () => {
  it.each([
    [1, 64 * 1024],
    [4 * MIB - 1, 7 * 1024],
    [4 * MIB, 64 * 1024],
    [4 * MIB + 1, 1 * MIB],
    [9 * MIB + 123, 100_003],
  ])("%i bytes in chunks of %i: every byte, and the sha256 of all of them", async (length, chunk) => {
    const bytes = pattern(length, length);
    const read = await readBlob(byteStream(bytes, chunk), length);
    expect(read.byteLength).toBe(length);
    expect(read.sha256).toBe(await sha256(bytes));
    expect(read.bytes.length).toBe(length);
    expect(read.bytes.every((b, i) => b === bytes[i])).toBe(true);
  });

  it("reads an R2 object body (miniflare's R2)", async () => {
    const bytes = pattern(9 * MIB + 5, 3);
    await env.MODELS.put("read-blob-test/blob", bytes);
    const object = await env.MODELS.get("read-blob-test/blob");
    const read = await readBlob(object!.body, bytes.length);
    expect(read.sha256).toBe(await sha256(bytes));
    expect(read.bytes.every((b, i) => b === bytes[i])).toBe(true);
    await env.MODELS.delete("read-blob-test/blob");
  });

  it("reports the real size of a blob shorter or longer than expected, and a sha256 that cannot match", async () => {
    const bytes = pattern(5 * MIB, 9);
    const short = await readBlob(byteStream(bytes, 64 * 1024), bytes.length + 10);
    expect(short.byteLength).toBe(bytes.length);
    const long = await readBlob(byteStream(bytes, 64 * 1024), bytes.length - 10);
    expect(long.byteLength).toBe(bytes.length);
    expect(long.sha256).not.toBe(await sha256(bytes));
    expect(long.sha256).toBe(await sha256(bytes.subarray(0, bytes.length - 10)));
  });
});
