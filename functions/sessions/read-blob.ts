/**
 * Reads a model blob from its R2 body into one buffer of exactly the manifest's size, hashing each
 * chunk as it arrives. `arrayBuffer()` + `crypto.subtle.digest` would hold extra whole-blob copies
 * at the peak (the runtime's buffered body and the digest's input); a 100 MB model cannot afford them.
 */

export interface BlobRead {
  bytes: Uint8Array;
  /** Bytes the body held; differs from the expected size when the blob is not the manifest's. */
  byteLength: number;
  sha256: string;
}

/**
 * Bytes hashed per DigestStream write: spans of the filled buffer, written without a copy and
 * awaited before the next BYOB read takes (detaches) the buffer. Hashing each ~64 KB chunk as it
 * came, with a copy, put ~1,500 writes and copies into a 100 MB model's load: 350 -> 278 ms.
 */
const HASH_SPAN = 4 * 1024 * 1024;

function toHex(buffer: ArrayBuffer): string {
  let hex = "";
  for (const byte of new Uint8Array(buffer)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

export async function readBlob(body: ReadableStream<Uint8Array>, expectedBytes: number): Promise<BlobRead> {
  const digest = new crypto.DigestStream("SHA-256");
  const hasher = digest.getWriter();
  const reader = body.getReader({ mode: "byob" });
  // A BYOB read hands back the buffer it filled (the one passed in is detached): keep following it.
  let buffer = new ArrayBuffer(expectedBytes);
  let offset = 0;
  let hashed = 0;
  let extra = 0;
  const hashUpTo = async (end: number) => {
    if (end > hashed) await hasher.write(new Uint8Array(buffer, hashed, end - hashed));
    hashed = end;
  };
  try {
    while (true) {
      if (offset === expectedBytes) {
        // Full: anything more means the blob is larger than the manifest says.
        const { done, value } = await reader.read(new Uint8Array(64 * 1024));
        if (done) break;
        extra += value.byteLength;
        continue;
      }
      const { done, value } = await reader.read(new Uint8Array(buffer, offset, expectedBytes - offset));
      if (value) buffer = value.buffer as ArrayBuffer; // also on `done`: the memory comes back in an empty view
      if (done) break;
      offset += value.byteLength;
      if (offset - hashed >= HASH_SPAN) await hashUpTo(offset);
    }
    await hashUpTo(offset);
  } finally {
    reader.releaseLock();
  }
  await hasher.close();
  return { bytes: new Uint8Array(buffer, 0, offset), byteLength: offset + extra, sha256: toHex(await digest.digest) };
}
