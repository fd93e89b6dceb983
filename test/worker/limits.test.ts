/**
 * Every request limit at its edge and one past it, with the var overriding its default: tensor
 * elements summed over inputs (JSON and binary), batch rows, body bytes (with and without
 * Content-Length), JSON nesting depth in v2, and NaN/Infinity in binary FP16/FP64 inputs.
 * A request at the limit must be answered like onnxruntime-node; one past it refused with the
 * status and message the README promises.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { Env } from "../../functions/env.ts";
import worker from "../../functions/index.ts";
import { writeManifest } from "../../functions/registry/store.ts";
import type { JsonTensor } from "../fixtures/reference.ts";
import { maxAbsDiff } from "./http.ts";
import { seedRegistry } from "./seed.ts";
import { binaryInputs, binaryRequest, decodeTensor } from "./wire.ts";

const testEnv = env as unknown as Env;

beforeAll(async () => {
  await seedRegistry(testEnv.MODELS);
});

interface Answer {
  status: number;
  body: any;
}

async function send(vars: Partial<Env>, path: string, init: RequestInit): Promise<Answer & { response: Response }> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`http://maas.test${path}`, init), { ...testEnv, ...vars } as Env, ctx);
  await waitOnExecutionContext(ctx);
  const type = response.headers.get("Content-Type") ?? "";
  const body = type.startsWith("application/json") ? await response.json() : undefined;
  return { status: response.status, body, response };
}

const jsonInit = (body: unknown): RequestInit => ({ method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

function binaryInit(inputs: readonly JsonTensor[], extra: Record<string, unknown> = {}): RequestInit {
  const { entries, chunks } = binaryInputs(inputs);
  const { body, headerLength } = binaryRequest({ inputs: entries, ...extra }, chunks);
  return { method: "POST", headers: { "Content-Type": "application/octet-stream", "Inference-Header-Content-Length": String(headerLength) }, body };
}

function streamed(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.byteLength; i += 1000) controller.enqueue(bytes.slice(i, i + 1000));
      controller.close();
    },
  });
}

const caseTitled = (title: string) => inject("cases").find((c) => c.title === title)!;

function expectLikeReference(answer: Answer, expected: readonly JsonTensor[]) {
  expect(answer.status, JSON.stringify(answer.body)?.slice(0, 300)).toBe(200);
  for (const [i, want] of expected.entries()) expect(maxAbsDiff(want.data, answer.body.outputs[i].data), want.name).toBeLessThanOrEqual(1e-5);
}

describe("MAX_TENSOR_ELEMENTS: elements summed over every input, checked from the shapes", () => {
  // x [2, 3] and v [2, 7]: 6 + 14 = 20 elements; neither input alone reaches 19.
  const twoInputs = caseTitled("fixed dims with dynamic last dim k=7");
  const path = "/v2/models/fixed/infer";

  for (const [form, init] of [["JSON", () => jsonInit({ inputs: twoInputs.inputs })], ["binary", () => binaryInit(twoInputs.inputs)]] as const) {
    it(`${form}: 20 elements over two inputs pass a limit of 20 and are refused at 19`, async () => {
      expectLikeReference(await send({ MAX_TENSOR_ELEMENTS: "20" }, path, init()), twoInputs.expected);
      const over = await send({ MAX_TENSOR_ELEMENTS: "19" }, path, init());
      expect(over.status).toBe(413);
      expect(over.body).toEqual({ error: "request has 20 tensor elements, over this server's limit of 19" });
    });
  }

  it("a shape of a billion elements with three values is refused before anything is allocated", async () => {
    // Allocating 2 × 2^30 float32s (8 GiB) would throw or exhaust the isolate: a 413 shows the check came first.
    const huge = { name: "v", datatype: "FP32", shape: [2, 2 ** 30], data: [1, 2, 3] };
    const json = await send({}, path, jsonInit({ inputs: [twoInputs.inputs[0], huge] }));
    expect(json.status).toBe(413);
    expect(json.body.error).toBe(`request has ${6 + 2 ** 31} tensor elements, over this server's limit of ${4 * 1024 * 1024}`);
    // In binary form the header declares the shape and 12 bytes follow.
    const { body, headerLength } = binaryRequest(
      { inputs: [{ ...huge, data: undefined, parameters: { binary_data_size: 12 } }] },
      [new Uint8Array(12)],
    );
    const binary = await send({}, path, { method: "POST", headers: { "Inference-Header-Content-Length": String(headerLength) }, body });
    expect(binary.status).toBe(413);
    expect(binary.body.error).toMatch(/^request has 2147483648 tensor elements/);
  });
});

describe("MAX_BATCH_ROWS", () => {
  const mlp5 = caseTitled("mlp alias stable → version 1"); // x [5, 4]
  const path = "/v2/models/mlp/versions/stable/infer";

  for (const [form, init] of [["JSON", () => jsonInit({ inputs: mlp5.inputs })], ["binary", () => binaryInit(mlp5.inputs)]] as const) {
    it(`${form}: 5 rows pass a limit of 5 and are refused at 4`, async () => {
      expectLikeReference(await send({ MAX_BATCH_ROWS: "5" }, path, init()), mlp5.expected);
      const over = await send({ MAX_BATCH_ROWS: "4" }, path, init());
      expect(over.status).toBe(413);
      expect(over.body).toEqual({ error: "batch of 5 rows is over this server's limit of 4" });
    });
  }
});

describe("MAX_BODY_BYTES", () => {
  const mlp64 = caseTitled("mlp latest, batch 64");
  const text = JSON.stringify({ inputs: mlp64.inputs });
  const size = new TextEncoder().encode(text).byteLength;
  const path = "/v2/models/mlp/infer";

  it("a body of exactly the limit is answered; one byte over is 413 (with Content-Length)", async () => {
    // As a client's request arrives from the network (a Request made here carries no Content-Length of its own).
    const init = (): RequestInit => ({ method: "POST", headers: { "Content-Type": "application/json", "Content-Length": String(size) }, body: text });
    expectLikeReference(await send({ MAX_BODY_BYTES: String(size) }, path, init()), mlp64.expected);
    const over = await send({ MAX_BODY_BYTES: String(size - 1) }, path, init());
    expect(over.status).toBe(413);
    expect(over.body).toEqual({ error: `request body is larger than ${size - 1} bytes` });
  });

  it("the same without Content-Length (a streamed body): counted as it arrives", async () => {
    const init = (): RequestInit => ({ method: "POST", headers: { "Content-Type": "application/json" }, body: streamed(text) });
    expect(new Request("http://maas.test/", init()).headers.get("Content-Length")).toBeNull();
    expectLikeReference(await send({ MAX_BODY_BYTES: String(size) }, path, init()), mlp64.expected);
    const over = await send({ MAX_BODY_BYTES: String(size - 1) }, path, init());
    expect(over.status).toBe(413);
    expect(over.body).toEqual({ error: `request body is larger than ${size - 1} bytes` });
  });

  it("a binary body is held to the same limit", async () => {
    const init = binaryInit(mlp64.inputs);
    const bytes = (init.body as Uint8Array).byteLength;
    expectLikeReference(await send({ MAX_BODY_BYTES: String(bytes) }, path, binaryInit(mlp64.inputs)), mlp64.expected);
    const over = await send({ MAX_BODY_BYTES: String(bytes - 1) }, path, binaryInit(mlp64.inputs));
    expect(over.status).toBe(413);
    expect(over.body).toEqual({ error: `request body is larger than ${bytes - 1} bytes` });
  });
});

describe("MAX_JSON_DEPTH in v2", () => {
  const nested = (depth: number) => {
    // `data` itself is level 1; each element wrapped in depth - 1 more arrays.
    const wrap = (v: number) => {
      let value: unknown = v;
      for (let i = 1; i < depth; i++) value = [value];
      return value;
    };
    return { inputs: [{ name: "x", datatype: "FP32", shape: [1, 4], data: [0.1, 0.2, 0.3, 0.4].map(wrap) }] };
  };
  const path = "/v2/models/mlp/infer";

  it("the default, 32 levels: 32 are answered, 33 refused", async () => {
    expect((await send({}, path, jsonInit(nested(32)))).status).toBe(200);
    const over = await send({}, path, jsonInit(nested(33)));
    expect(over.status).toBe(400);
    expect(over.body).toEqual({ error: 'input "x": data is nested deeper than 32 levels' });
  });

  it("overridden to 3: 3 levels are answered like flat data, 4 refused", async () => {
    const flat = await send({}, path, jsonInit(nested(1)));
    const three = await send({ MAX_JSON_DEPTH: "3" }, path, jsonInit(nested(3)));
    expect(three.status).toBe(200);
    expect(three.body.outputs).toEqual(flat.body.outputs);
    const over = await send({ MAX_JSON_DEPTH: "3" }, path, jsonInit(nested(4)));
    expect(over.status).toBe(400);
    expect(over.body).toEqual({ error: 'input "x": data is nested deeper than 3 levels' });
  });
});

describe("NaN and Infinity in binary FP16 and FP64 inputs", () => {
  const everyDatatype = caseTitled("every datatype");
  const withBits = (datatype: "FP16" | "FP64", write: (view: DataView) => void) => {
    const { entries, chunks } = binaryInputs(everyDatatype.inputs);
    const i = everyDatatype.inputs.findIndex((t) => t.datatype === datatype);
    write(new DataView(chunks[i].buffer, chunks[i].byteOffset, chunks[i].byteLength));
    const { body, headerLength } = binaryRequest({ inputs: entries, parameters: { binary_data_output: true } }, chunks);
    return { method: "POST", headers: { "Inference-Header-Content-Length": String(headerLength) }, body } satisfies RequestInit;
  };
  const fp16 = [
    ["NaN", 0x7e00],
    ["Infinity", 0x7c00],
    ["-Infinity", 0xfc00],
    ["a signalling NaN", 0x7c01],
  ] as const;
  const fp64 = [NaN, Infinity, -Infinity] as const;

  it("are refused with 400 naming the input when the manifest does not allow them", async () => {
    for (const [what, bits] of fp16) {
      const res = await send({}, "/v2/models/datatypes/infer", withBits("FP16", (v) => v.setUint16(2, bits, true)));
      expect(res.status, what).toBe(400);
      expect(res.body, what).toEqual({ error: 'input "in_FP16" holds NaN or Infinity; this model does not accept them' });
    }
    for (const value of fp64) {
      const res = await send({}, "/v2/models/datatypes/infer", withBits("FP64", (v) => v.setFloat64(8, value, true)));
      expect(res.status, String(value)).toBe(400);
      expect(res.body, String(value)).toEqual({ error: 'input "in_FP64" holds NaN or Infinity; this model does not accept them' });
    }
  });

  it("pass through bit for bit when the manifest allows them", async () => {
    const fixture = inject("published").find((f) => f.name === "datatypes")!;
    await writeManifest(testEnv.MODELS, { ...fixture.manifest, version: "1-nan", allowNonFinite: true });
    const res = await send(
      {},
      "/v2/models/datatypes/versions/1-nan/infer",
      withBits("FP16", (v) => v.setUint16(2, 0xfc00, true)),
    );
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.response.arrayBuffer());
    const length = Number(res.response.headers.get("Inference-Header-Content-Length"));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, length)));
    let offset = length;
    const outputs = new Map<string, unknown[]>();
    for (const output of header.outputs) {
      const size = output.parameters.binary_data_size;
      outputs.set(output.name, decodeTensor(output.datatype, bytes.subarray(offset, offset + size), output.shape.reduce((a: number, b: number) => a * b, 1)));
      offset += size;
    }
    expect(offset).toBe(bytes.byteLength);
    // Identity: element 1 of FP16 is now -Infinity, the rest as sent.
    expect(outputs.get("out_FP16")).toEqual([0.5, -Infinity, 0.0009765625]);
    expect(outputs.get("out_FP64")).toEqual([Math.PI, -1e300, 5e-324]);
  });
});
