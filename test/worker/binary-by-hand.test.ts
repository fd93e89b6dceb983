/**
 * The binary tensor format against a codec written from the spec in the test (wire.ts: DataView,
 * little-endian, FP16 bits, 64-bit integers as BigInt, BOOL bytes, length-prefixed BYTES), not the
 * project's own: every datatype, inputs encoded and outputs decoded here, compared with
 * onnxruntime-node's answers for the same values.
 */
import { env } from "cloudflare:workers";
import { beforeAll, expect, inject, it } from "vitest";
import { call } from "./http.ts";
import { seedRegistry } from "./seed.ts";
import { binaryInputs, binaryRequest, decodeTensor } from "./wire.ts";

beforeAll(async () => {
  await seedRegistry(env.MODELS);
});

it("every datatype in and out in binary form, by hand, like onnxruntime-node (INT64/UINT64 extremes, FP16, BOOL, BYTES)", async () => {
  const testCase = inject("cases").find((c) => c.title === "every datatype")!;
  const { entries, chunks } = binaryInputs(testCase.inputs);
  // Spot-check the hand encoder on values whose bytes are known: INT64 min, UINT64 max, FP16 -65504.
  const chunkOf = (datatype: string) => chunks[testCase.inputs.findIndex((t) => t.datatype === datatype)];
  expect([...chunkOf("INT64").subarray(0, 8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0x80]);
  expect([...chunkOf("UINT64").subarray(8, 16)]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  expect([...chunkOf("FP16").subarray(2, 4)]).toEqual([0xff, 0xfb]);

  const { body, headerLength } = binaryRequest({ inputs: entries, parameters: { binary_data_output: true } }, chunks);
  const response = await call("/v2/models/datatypes/infer", { method: "POST", headers: { "Inference-Header-Content-Length": String(headerLength) }, body });
  expect(response.status).toBe(200);
  expect(response.headers.get("Content-Type")).toBe("application/octet-stream");
  const bytes = new Uint8Array(await response.arrayBuffer());
  const length = Number(response.headers.get("Inference-Header-Content-Length"));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, length)));
  expect(header.outputs.map((o: { name: string }) => o.name)).toEqual(testCase.expected.map((o) => o.name));
  let offset = length;
  for (const [i, expected] of testCase.expected.entries()) {
    const output = header.outputs[i];
    expect(output.datatype).toBe(expected.datatype);
    expect(output.shape).toEqual(expected.shape);
    expect(output.data).toBeUndefined();
    const size: number = output.parameters.binary_data_size;
    const values = decodeTensor(output.datatype, bytes.subarray(offset, offset + size), expected.shape.reduce((a, b) => a * b, 1));
    offset += size;
    expect(values.map(String), expected.name).toEqual(expected.data.map(String));
  }
  expect(offset).toBe(bytes.byteLength);
});
