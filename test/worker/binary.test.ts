/**
 * The v2 binary tensor data extension, inside workerd: binary inputs and outputs answer like
 * onnxruntime-node on the same model and inputs, JSON and binary mix per tensor, and a malformed
 * binary body is a 400 naming the problem.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  binaryBody,
  decodeBinaryTensor,
  encodeBinaryTensor,
  INFERENCE_HEADER_CONTENT_LENGTH,
  readBinaryBody,
  toTensorStorage,
  type WireTensor,
} from "../../functions/protocol/binary-tensors.ts";
import { fromHalfBits } from "../../functions/protocol/float16.ts";
import type { Datatype } from "../../functions/registry/manifest.ts";
import type { JsonTensor } from "../fixtures/reference.ts";
import { call, maxAbsDiff, parseExact, post } from "./http.ts";
import { seedRegistry } from "./seed.ts";

beforeAll(async () => {
  await seedRegistry(env.MODELS);
});

interface BinaryPart {
  header: Record<string, unknown>;
  chunks: Uint8Array[];
}

/** A request with every input in binary form (`inputs` → header entries + chunks). */
function binaryInputs(inputs: readonly JsonTensor[]): BinaryPart {
  const chunks = inputs.map((input) =>
    encodeBinaryTensor(toTensorStorage(input.name, input.datatype as Datatype, input.data, input.shape.reduce((a, b) => a * b, 1))),
  );
  const entries = inputs.map(({ data: _data, ...input }, i) => ({ ...input, parameters: { binary_data_size: chunks[i].byteLength } }));
  return { header: { inputs: entries }, chunks };
}

function postBinary(path: string, header: unknown, chunks: readonly Uint8Array[], headerLength?: string) {
  const { body, headerLength: length } = binaryBody(JSON.stringify(header), chunks);
  return call(path, {
    method: "POST",
    headers: { "Content-Type": "application/octet-stream", [INFERENCE_HEADER_CONTENT_LENGTH]: headerLength ?? String(length) },
    body,
  });
}

/** A binary response → its header and each output's values in JSON terms (as onnxruntime-node's reference gives them). */
async function readBinaryResponse(response: Response) {
  expect(response.headers.get("Content-Type")).toBe("application/octet-stream");
  const length = Number(response.headers.get(INFERENCE_HEADER_CONTENT_LENGTH));
  const bytes = new Uint8Array(await response.arrayBuffer());
  const { header, binary } = readBinaryBody<{ outputs: WireTensor[] }>(bytes, length, (h) => h.outputs, parseExact);
  const values = header.outputs.map((output) => {
    const raw = binary.get(output);
    if (!raw) return output.data ?? [];
    const elements = output.shape.reduce((a, b) => a * b, 1);
    const storage = decodeBinaryTensor(output.name, output.datatype as Datatype, raw, elements, { allowNonFinite: true });
    if (output.datatype === "FP16") return Array.from(storage as Uint16Array, fromHalfBits);
    if (output.datatype === "BOOL") return Array.from(storage as Uint8Array, Boolean);
    return Array.from(storage as ArrayLike<unknown>);
  });
  return { header, values };
}

function expectLikeReference(expected: readonly JsonTensor[], header: { outputs: WireTensor[] }, values: unknown[][]) {
  expect(header.outputs.map((o) => o.name)).toEqual(expected.map((o) => o.name));
  for (const [i, reference] of expected.entries()) {
    expect(header.outputs[i].datatype).toBe(reference.datatype);
    expect(header.outputs[i].shape).toEqual(reference.shape);
    if (reference.datatype === "FP32") expect(maxAbsDiff(reference.data, values[i])).toBeLessThanOrEqual(1e-5);
    else expect(values[i].map(String)).toEqual(reference.data.map(String));
  }
}

/** Status, headers and body of a JSON answer, integers beyond 2^53 kept exact. */
async function json(response: Response) {
  return { status: response.status, headers: response.headers, body: parseExact(await response.text()) };
}

const pathOf = (c: { model: string; version?: string }) =>
  c.version ? `/v2/models/${c.model}/versions/${c.version}/infer` : `/v2/models/${c.model}/infer`;

describe("binary inputs and outputs against onnxruntime-node", () => {
  for (const testCase of inject("cases")) {
    it(testCase.title, async () => {
      const { header, chunks } = binaryInputs(testCase.inputs);
      const request = {
        id: "bin-1",
        ...header,
        parameters: { binary_data_output: true },
        ...(testCase.outputs ? { outputs: testCase.outputs.map((name) => ({ name })) } : {}),
      };
      const response = await postBinary(pathOf(testCase), request, chunks);
      if (response.status !== 200) expect.fail(`${response.status}: ${await response.text()}`);
      const { header: answer, values } = await readBinaryResponse(response);
      expect(answer).toMatchObject({ id: "bin-1", model_name: testCase.model });
      for (const output of answer.outputs) expect(output.data).toBeUndefined();
      expectLikeReference(testCase.expected, answer, values);
    });
  }
});

describe("mixing JSON and binary", () => {
  const everyDatatype = () => inject("cases").find((c) => c.model === "datatypes")!;

  it("binary inputs with JSON outputs answer exactly as the all-JSON request does", async () => {
    const testCase = inject("cases").find((c) => c.title === "mlp latest, batch 64")!;
    const { header, chunks } = binaryInputs(testCase.inputs);
    const binaryAnswer = await json(await postBinary(pathOf(testCase), header, chunks));
    const jsonAnswer = await json(await post(pathOf(testCase), { inputs: testCase.inputs }));
    expect(binaryAnswer.status).toBe(200);
    expect(binaryAnswer.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(binaryAnswer.body).toEqual(jsonAnswer.body);
  });

  it("a JSON request may ask for one output in binary: binary_data per output beats binary_data_output", async () => {
    const testCase = everyDatatype();
    const outputs = testCase.expected.map((o) => ({ name: o.name, parameters: { binary_data: o.datatype === "INT64" || o.datatype === "BYTES" } }));
    const response = await post(pathOf(testCase), { inputs: testCase.inputs, outputs, parameters: { binary_data_output: false } });
    expect(response.status).toBe(200);
    const { header, values } = await readBinaryResponse(response);
    const binaryNames = header.outputs.filter((o) => o.parameters?.binary_data_size !== undefined).map((o) => o.datatype);
    expect(binaryNames.sort()).toEqual(["BYTES", "INT64"]);
    expectLikeReference(testCase.expected, header, values);
  });

  it("some inputs in binary, others as JSON data, in one request", async () => {
    const testCase = everyDatatype();
    const half = testCase.inputs.length >> 1;
    const { header, chunks } = binaryInputs(testCase.inputs.slice(0, half));
    const request = { inputs: [...(header.inputs as object[]), ...testCase.inputs.slice(half)] };
    const answer = await json(await postBinary(pathOf(testCase), request, chunks));
    expect(answer.status).toBe(200);
    expectLikeReference(testCase.expected, answer.body, answer.body.outputs.map((o: WireTensor) => o.data));
  });

  it("reads the wire layout the spec gives: little-endian FP32, one byte per BOOL, length-prefixed UTF-8 BYTES", async () => {
    const testCase = everyDatatype();
    const byName = new Map(testCase.inputs.map((i) => [i.datatype, i]));
    // Built by hand rather than with the module under test.
    const fp32 = new Uint8Array(12);
    (byName.get("FP32")!.data as number[]).forEach((v, i) => new DataView(fp32.buffer).setFloat32(i * 4, v, true));
    const bool = Uint8Array.from(byName.get("BOOL")!.data as boolean[], (b) => (b ? 1 : 0));
    const strings = (byName.get("BYTES")!.data as string[]).flatMap((s) => {
      const utf8 = [...new TextEncoder().encode(s)];
      return [utf8.length, 0, 0, 0, ...utf8];
    });
    const bytes = Uint8Array.from(strings);
    const hand = new Map([["FP32", fp32], ["BOOL", bool], ["BYTES", bytes]]);
    const chunks: Uint8Array[] = [];
    const inputs = testCase.inputs.map((input) => {
      const raw = hand.get(input.datatype);
      if (!raw) return input;
      chunks.push(raw);
      const { data: _data, ...rest } = input;
      return { ...rest, parameters: { binary_data_size: raw.byteLength } };
    });
    const answer = await json(await postBinary(pathOf(testCase), { inputs }, chunks));
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expectLikeReference(testCase.expected, answer.body, answer.body.outputs.map((o: WireTensor) => o.data));
  });
});

describe("malformed binary requests are 400s", () => {
  const mlp = () => inject("cases").find((c) => c.title === "mlp latest, batch 1")!;

  async function expect400(response: Response, message: RegExp) {
    const { status, body } = await json(response);
    expect(status).toBe(400);
    expect(body.error).toMatch(message);
  }

  it("a header length that is not a byte count, or longer than the body", async () => {
    const { header, chunks } = binaryInputs(mlp().inputs);
    await expect400(await postBinary("/v2/models/mlp/infer", header, chunks, "ten"), /Inference-Header-Content-Length must be a byte count/);
    await expect400(await postBinary("/v2/models/mlp/infer", header, chunks, "100000"), /body has only \d+ bytes/);
    await expect400(await postBinary("/v2/models/mlp/infer", header, chunks, "0"), /JSON header is required/);
  });

  it("a header that is not JSON (length cut short)", async () => {
    const { header, chunks } = binaryInputs(mlp().inputs);
    await expect400(await postBinary("/v2/models/mlp/infer", header, chunks, "10"), /not a valid JSON header/);
  });

  it("fewer bytes than binary_data_size claims, and bytes left over", async () => {
    const { header, chunks } = binaryInputs(mlp().inputs);
    await expect400(await postBinary("/v2/models/mlp/infer", header, [chunks[0].subarray(0, 8)]), /needs 16 bytes of binary data, but only 8 are left/);
    await expect400(await postBinary("/v2/models/mlp/infer", header, [chunks[0], new Uint8Array(3)]), /3 bytes of binary data are left over/);
  });

  it("a byte count that does not fit the shape", async () => {
    const input = { name: "x", datatype: "FP32", shape: [1, 4], parameters: { binary_data_size: 12 } };
    await expect400(await postBinary("/v2/models/mlp/infer", { inputs: [input] }, [new Uint8Array(12)]), /has 12 bytes of binary data, but its shape needs 16/);
  });

  it("both data and binary_data_size, or neither", async () => {
    const both = { name: "x", datatype: "FP32", shape: [1, 4], data: [1, 2, 3, 4], parameters: { binary_data_size: 16 } };
    await expect400(await postBinary("/v2/models/mlp/infer", { inputs: [both] }, [new Uint8Array(16)]), /both data and parameters.binary_data_size/);
    const neither = { name: "x", datatype: "FP32", shape: [1, 4] };
    await expect400(await postBinary("/v2/models/mlp/infer", { inputs: [neither] }, []), /neither data nor parameters.binary_data_size/);
  });

  it("NaN in binary FP32 for a model that does not accept it", async () => {
    const values = new Float32Array([1, Number.NaN, 3, 4]);
    const input = { name: "x", datatype: "FP32", shape: [1, 4], parameters: { binary_data_size: 16 } };
    await expect400(await postBinary("/v2/models/mlp/infer", { inputs: [input] }, [new Uint8Array(values.buffer)]), /NaN or Infinity/);
  });

  it("a BOOL byte other than 0 or 1, and BYTES that are not UTF-8 or run past their data", async () => {
    const testCase = inject("cases").find((c) => c.model === "datatypes")!;
    const send = (datatype: string, raw: Uint8Array) => {
      const others = testCase.inputs.filter((i) => i.datatype !== datatype);
      const target = testCase.inputs.find((i) => i.datatype === datatype)!;
      const { data: _data, ...rest } = target;
      return postBinary(pathOf(testCase), { inputs: [...others, { ...rest, parameters: { binary_data_size: raw.byteLength } }] }, [raw]);
    };
    await expect400(await send("BOOL", Uint8Array.from([1, 2, 0])), /element 1 is the byte 2, not a valid BOOL/);
    const badUtf8 = Uint8Array.from([1, 0, 0, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]);
    await expect400(await send("BYTES", badUtf8), /element 0 is not valid UTF-8/);
    await expect400(await send("BYTES", Uint8Array.from([9, 0, 0, 0, 65])), /element 0 claims 9 bytes/);
  });

  it("an input in binary form without the header is a plain JSON request missing its data", async () => {
    const input = { name: "x", datatype: "FP32", shape: [1, 4], parameters: { binary_data_size: 16 } };
    await expect400(await post("/v2/models/mlp/infer", { inputs: [input] }), /data/);
  });
});
