/**
 * HTTP manners on every route: 405 with `Allow` for a method a known route does not serve, HEAD
 * wherever GET is, and the body limit for bodies of unknown length (streamed, no Content-Length).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import app from "../../functions/index.ts";
import type { Env } from "../../functions/env.ts";
import { call, json, maxAbsDiff } from "./http.ts";
import { seedRegistry } from "./seed.ts";

beforeAll(async () => {
  await seedRegistry(env.MODELS);
});

/** The app's routes (handlers, not middleware) by path, with their methods. */
function routeTable(): Map<string, Set<string>> {
  const table = new Map<string, Set<string>>();
  for (const { method, path } of app.routes) {
    if (method === "ALL" || path.includes("*")) continue;
    if (!table.has(path)) table.set(path, new Set());
    table.get(path)!.add(method);
  }
  return table;
}

/** A real request path for a route: an existing model, version and label. */
const concrete = (path: string) => path.replace(":name", "mlp").replace("/versions/:version", "/versions/1").replace("/labels/:version", "/labels/stable");

describe("405 with Allow", () => {
  it("every route, asked with a method it does not serve, answers 405 listing the ones it does", async () => {
    const table = routeTable();
    expect(table.size).toBeGreaterThan(15);
    for (const [path, methods] of table) {
      const allow = new Set(methods);
      if (allow.has("GET")) allow.add("HEAD");
      const wrong = ["GET", "POST", "PUT", "DELETE", "PATCH"].find((m) => !allow.has(m))!;
      const response = await call(concrete(path), { method: wrong, body: wrong === "GET" ? undefined : "{}" });
      const { status, body, headers } = await json(response);
      expect(status, `${wrong} ${path}`).toBe(405);
      expect(headers.get("Allow"), path).toBe([...allow].sort().join(", "));
      expect(Object.keys(body)).toEqual(["error"]);
      expect(body.error).toContain(`${wrong} is not allowed`);
    }
  });

  it("the cases from the issue, and v1's method in the path", async () => {
    const infer = await json(await call("/v2/models/mlp/infer"));
    expect(infer.status).toBe(405);
    expect(infer.headers.get("Allow")).toBe("POST");
    // v1's GET and POST share a path pattern; the ":predict" in the last segment is what only POST serves.
    for (const path of ["/v1/models/mlp:predict", "/v1/models/mlp/versions/1:predict", "/v1/models/mlp/labels/stable:predict"]) {
      const wrong = await json(await call(path));
      expect(wrong.status, path).toBe(405);
      expect(wrong.headers.get("Allow")).toBe("POST");
    }
    const postStatus = await json(await call("/v1/models/mlp", { method: "POST", body: "{}" }));
    expect(postStatus.status).toBe(405);
    expect(postStatus.headers.get("Allow")).toBe("GET, HEAD");
    // An unknown path is still a 404.
    expect((await call("/v2/models/mlp/explain", { method: "POST", body: "{}" })).status).toBe(404);
  });
});

describe("HEAD wherever GET is", () => {
  it("every GET route answers HEAD with GET's status and headers and no body", async () => {
    const gets = [...routeTable()].filter(([, methods]) => methods.has("GET")).map(([path]) => concrete(path));
    expect(gets.length).toBeGreaterThan(10);
    for (const path of gets) {
      const get = await call(path);
      await get.arrayBuffer();
      const head = await call(path, { method: "HEAD" });
      expect(head.status, path).toBe(get.status);
      expect(head.status, path).toBeLessThan(400);
      expect(head.headers.get("Content-Type"), path).toBe(get.headers.get("Content-Type"));
      expect((await head.arrayBuffer()).byteLength, path).toBe(0);
    }
  });
});

describe("bodies of unknown length are counted as they stream", () => {
  const encoder = new TextEncoder();

  /** A body in `chunks` pieces with no declared length; counts what the server read. */
  function streamed(text: string, chunks: number) {
    const bytes = encoder.encode(text);
    const size = Math.ceil(bytes.byteLength / chunks);
    let offset = 0;
    const read = { bytes: 0 };
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.byteLength) return controller.close();
        const piece = bytes.subarray(offset, offset + size);
        offset += piece.byteLength;
        read.bytes += piece.byteLength;
        controller.enqueue(piece);
      },
    });
    return { body, read, total: bytes.byteLength };
  }

  async function send(path: string, body: ReadableStream<Uint8Array>, vars: Partial<Env> = {}) {
    const ctx = createExecutionContext();
    const request = new Request(`http://maas.test${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body, duplex: "half" } as RequestInit);
    expect(request.headers.has("Content-Length")).toBe(false);
    const response = await app.fetch(request, { ...env, ...vars } as Env, ctx);
    await waitOnExecutionContext(ctx);
    return json(response);
  }

  it("under the limit the request is served as usual", async () => {
    const testCase = inject("cases").find((c) => c.title === "mlp latest, batch 64")!;
    const text = JSON.stringify({ inputs: testCase.inputs });
    const { body, read, total } = streamed(text, 7);
    const answer = await send("/v2/models/mlp/infer", body, { MAX_BODY_BYTES: String(total) });
    expect(answer.status).toBe(200);
    expect(read.bytes).toBe(total);
    expect(maxAbsDiff(testCase.expected[1].data, answer.body.outputs[1].data)).toBeLessThanOrEqual(1e-5);
  });

  it("past the limit: the 413 JSON error, after the rest of the body was read (so the client is not reset mid-send)", async () => {
    for (const path of ["/v2/models/mlp/infer", "/v1/models/mlp:predict"]) {
      const { body, read, total } = streamed(JSON.stringify({ inputs: [], padding: "x".repeat(50_000) }), 40);
      const answer = await send(path, body, { MAX_BODY_BYTES: "1000" });
      expect(answer.status, path).toBe(413);
      expect(answer.body).toEqual({ error: "request body is larger than 1000 bytes" });
      expect(read.bytes, path).toBe(total);
    }
  });

  it("one byte over the limit is over; exactly at it is not", async () => {
    const text = '{"instances":[[0.1,0.2,0.3,0.4]]}';
    const atLimit = await send("/v1/models/mlp:predict", streamed(text, 3).body, { MAX_BODY_BYTES: String(text.length) });
    expect(atLimit.status).toBe(200);
    const over = await send("/v1/models/mlp:predict", streamed(text, 3).body, { MAX_BODY_BYTES: String(text.length - 1) });
    expect(over.status).toBe(413);
  });
});
