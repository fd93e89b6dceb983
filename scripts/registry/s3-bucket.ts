/**
 * The registry bucket over the S3-compatible API (R2's `https://<ACCOUNT_ID>.r2.cloudflarestorage.com`,
 * or any S3 server), signed with SigV4 by aws4fetch. It implements the R2 methods the registry's
 * store module calls, so `maas push --remote` runs the very same publishing code as `--local`.
 * Large bodies go up as a multipart upload.
 */
import { createHash } from "node:crypto";
import { AwsClient } from "aws4fetch";
import type { RegistryBucket } from "../../functions/registry/store.ts";
import { elements, escapeXml, text } from "./s3-xml.ts";

export interface S3BucketOptions {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** R2 signs with "auto". */
  region: string;
  /** Bodies of at least this many bytes use a multipart upload (default 64 MiB). */
  multipartThreshold?: number;
  /** Every part but the last has this size (R2 requires equal parts; S3's minimum is 5 MiB). */
  partSize?: number;
}

export class S3Error extends Error {
  override name = "S3Error";
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const MiB = 1024 * 1024;
const PARALLEL_PARTS = 4;

/** What `get`/`head` return: the subset of R2Object(Body) the registry and its callers use. */
interface S3Object {
  key: string;
  size: number;
  etag: string;
  httpEtag: string;
  uploaded: Date;
  httpMetadata: { contentType?: string };
  customMetadata: Record<string, string>;
}

type PutValue = string | ArrayBuffer | ArrayBufferView | null;

function toBytes(value: PutValue): Uint8Array {
  if (value === null) return new Uint8Array(0);
  if (typeof value === "string") return new TextEncoder().encode(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError("the S3 adapter uploads strings and byte arrays, not streams");
}

const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

export class S3Bucket {
  readonly description: string;
  private readonly client: AwsClient;
  private readonly base: string;
  private readonly multipartThreshold: number;
  private readonly partSize: number;

  constructor(options: S3BucketOptions) {
    this.client = new AwsClient({
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      service: "s3",
      region: options.region,
    });
    // Path-style addressing: works for R2 and for S3-compatible servers without DNS tricks.
    this.base = `${options.endpoint.replace(/\/+$/, "")}/${encodeURIComponent(options.bucket)}`;
    this.multipartThreshold = options.multipartThreshold ?? 64 * MiB;
    this.partSize = options.partSize ?? 16 * MiB;
    this.description = `bucket ${options.bucket} at ${options.endpoint}`;
  }

  /** The store module's view of this bucket (R2's types, of which the adapter fills what the registry reads). */
  asRegistryBucket(): RegistryBucket {
    return this as unknown as RegistryBucket;
  }

  private url(key: string, query = ""): string {
    return `${this.base}/${key.split("/").map(encodeURIComponent).join("/")}${query}`;
  }

  private async request(url: string, init: RequestInit & { headers?: Record<string, string> }, allow404 = false): Promise<Response | null> {
    let response: Response;
    try {
      response = await this.client.fetch(url, init);
    } catch (error) {
      throw new S3Error(0, `cannot reach ${this.description}: ${(error as Error).cause ?? (error as Error).message}`);
    }
    if (allow404 && response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) {
      const body = await response.text();
      const detail = text(body, "Code") ? `${text(body, "Code")}: ${text(body, "Message") ?? ""}` : body.slice(0, 200);
      throw new S3Error(response.status, `${init.method ?? "GET"} ${new URL(url).pathname} failed with ${response.status} (${detail.trim()})`);
    }
    return response;
  }

  private objectOf(key: string, response: Response): S3Object {
    const etag = response.headers.get("etag") ?? "";
    return {
      key,
      size: Number(response.headers.get("content-length") ?? 0),
      etag: etag.replace(/"/g, ""),
      httpEtag: etag,
      uploaded: new Date(response.headers.get("last-modified") ?? 0),
      httpMetadata: { contentType: response.headers.get("content-type") ?? undefined },
      customMetadata: {},
    };
  }

  async head(key: string): Promise<S3Object | null> {
    const response = await this.request(this.url(key), { method: "HEAD" }, true);
    return response && this.objectOf(key, response);
  }

  async get(key: string) {
    const response = await this.request(this.url(key), { method: "GET" }, true);
    if (!response) return null;
    return {
      ...this.objectOf(key, response),
      body: response.body,
      text: () => response.text(),
      json: async () => JSON.parse(await response.text()),
      arrayBuffer: () => response.arrayBuffer(),
    };
  }

  async put(key: string, value: PutValue, options: { sha256?: string; httpMetadata?: { contentType?: string } } = {}): Promise<S3Object> {
    const bytes = toBytes(value);
    const contentType = options.httpMetadata?.contentType ?? "application/octet-stream";
    if (bytes.byteLength >= this.multipartThreshold) await this.putMultipart(key, bytes, contentType);
    else {
      // The payload hash is signed, so the server rejects bytes that changed on the way.
      const headers = { "Content-Type": contentType, "X-Amz-Content-Sha256": options.sha256 ?? sha256Hex(bytes) };
      await this.request(this.url(key), { method: "PUT", headers, body: bytes });
    }
    return (await this.head(key))!;
  }

  private async putMultipart(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    const created = await this.request(this.url(key, "?uploads"), { method: "POST", headers: { "Content-Type": contentType } });
    const uploadId = text(await created!.text(), "UploadId");
    if (!uploadId) throw new S3Error(0, `no UploadId in the response to creating a multipart upload of ${key}`);
    const query = (extra: string) => `?${extra}uploadId=${encodeURIComponent(uploadId)}`;
    try {
      const count = Math.ceil(bytes.byteLength / this.partSize);
      const etags: string[] = new Array(count);
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const index = next++;
          const part = bytes.subarray(index * this.partSize, Math.min(bytes.byteLength, (index + 1) * this.partSize));
          const response = await this.request(this.url(key, query(`partNumber=${index + 1}&`)), {
            method: "PUT",
            headers: { "X-Amz-Content-Sha256": sha256Hex(part) },
            body: part,
          });
          await response!.body?.cancel();
          etags[index] = response!.headers.get("etag") ?? "";
        }
      };
      await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, count) }, worker));
      const parts = etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${escapeXml(etag)}</ETag></Part>`).join("");
      const body = `<CompleteMultipartUpload>${parts}</CompleteMultipartUpload>`;
      const completed = await this.request(this.url(key, query("")), { method: "POST", headers: { "Content-Type": "application/xml" }, body });
      // S3 may answer 200 with an <Error> body when completing fails late.
      const answer = await completed!.text();
      if (answer.includes("<Error>")) throw new S3Error(500, `completing the multipart upload of ${key} failed: ${text(answer, "Message")}`);
    } catch (error) {
      await this.request(this.url(key, query("")), { method: "DELETE" }, true).catch(() => undefined);
      throw error;
    }
  }

  async list(options: { prefix?: string; delimiter?: string; cursor?: string; limit?: number } = {}) {
    const params = new URLSearchParams({ "list-type": "2" });
    if (options.prefix) params.set("prefix", options.prefix);
    if (options.delimiter) params.set("delimiter", options.delimiter);
    if (options.cursor) params.set("continuation-token", options.cursor);
    if (options.limit) params.set("max-keys", String(options.limit));
    const response = await this.request(`${this.base}?${params}`, { method: "GET" });
    const xml = await response!.text();
    const objects = elements(xml, "Contents").map((c) => ({
      key: text(c, "Key")!,
      size: Number(text(c, "Size") ?? 0),
      etag: (text(c, "ETag") ?? "").replace(/"/g, ""),
      uploaded: new Date(text(c, "LastModified") ?? 0),
    }));
    const delimitedPrefixes = elements(xml, "CommonPrefixes").map((p) => text(p, "Prefix")!);
    const truncated = text(xml, "IsTruncated") === "true";
    return { objects, delimitedPrefixes, truncated, ...(truncated ? { cursor: text(xml, "NextContinuationToken") } : {}) };
  }

  async delete(keys: string | string[]): Promise<void> {
    for (const key of Array.isArray(keys) ? keys : [keys]) {
      const response = await this.request(this.url(key), { method: "DELETE" }, true);
      await response?.body?.cancel();
    }
  }
}
