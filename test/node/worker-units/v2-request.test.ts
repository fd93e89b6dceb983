/**
 * The v2 inference request's plain form is recognised without zod (functions/protocol/v2-request.ts).
 * The reference is the zod schema itself: whatever the plain check takes, inferRequestSchema must
 * accept with the same result; and the requests clients actually send must take the plain path.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { inferRequestSchema, parseInferRequest, plainInferRequest } from "../../../functions/protocol/v2-request.ts";

const odd = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -3, max: 3 }), fc.constantFrom(true, null, {}, [], -1, 1.5, 2 ** 53, "", "4"));
const validInput = fc.record({
  name: fc.constantFrom("x", "input_ids"),
  shape: fc.array(fc.nat(5), { maxLength: 3 }),
  datatype: fc.constantFrom("FP32", "INT64", "BYTES"),
  data: fc.array(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 3 })), { maxLength: 4 }),
});
const validBody = fc.record(
  { id: fc.string({ maxLength: 5 }), inputs: fc.array(validInput, { minLength: 1, maxLength: 3 }), outputs: fc.array(fc.record({ name: fc.constantFrom("y", "z") }), { maxLength: 2 }) },
  { requiredKeys: ["inputs"] },
);
type Json = Record<string, unknown>;
/** One thing changed in a valid body: a field's value, a key added or removed, a shape's dim. */
const mutation = fc.record({ kind: fc.constantFrom("top", "input", "output", "dim", "add", "remove"), key: fc.constantFrom("id", "inputs", "outputs", "parameters", "name", "shape", "datatype", "data", "extra"), value: odd, at: fc.nat(10) });
const body = fc.tuple(validBody, fc.option(mutation, { freq: 2 })).map(([valid, change]) => {
  const b = structuredClone(valid) as Json;
  if (!change) return b;
  const inputs = b.inputs as Json[];
  const input = inputs[change.at % inputs.length];
  const outputs = b.outputs as Json[] | undefined;
  if (change.kind === "top") b[change.key] = change.value;
  else if (change.kind === "input") input[change.key] = change.value;
  else if (change.kind === "output" && outputs?.length) outputs[change.at % outputs.length][change.key] = change.value;
  else if (change.kind === "dim") (input.shape as unknown[])[change.at % 3] = change.value;
  else if (change.kind === "add") input.parameters = change.at % 2 ? { binary_data_size: change.at } : {};
  else if (change.kind === "remove") delete (change.at % 2 ? input : b)[change.key];
  return b;
});

describe("the v2 request's plain form", () => {
  it("is taken only where zod accepts the same request, with the same result (10,000 generated bodies)", () => {
    let taken = 0;
    fc.assert(
      fc.property(body, (generated) => {
        // Through JSON, as a request body arrives.
        const parsed = JSON.parse(JSON.stringify(generated));
        const plain = plainInferRequest(parsed);
        if (plain === undefined) return;
        taken++;
        const reference = inferRequestSchema.safeParse(parsed);
        expect(reference.success, JSON.stringify(parsed)).toBe(true);
        expect(plain, JSON.stringify(parsed)).toEqual(reference.data);
      }),
      { numRuns: 10_000, seed: 17 },
    );
    // Generated bodies that take the plain path: enough that the property above says something.
    expect(taken).toBeGreaterThan(2000);
  });

  it("covers what clients send: inputs with name, shape, datatype and data; an id; outputs by name", () => {
    const requests = [
      { inputs: [{ name: "x", shape: [1, 4], datatype: "FP32", data: [[1, 2, 3, 4]] }] },
      { id: "42", inputs: [{ name: "a", shape: [2], datatype: "INT64", data: [1, 2] }, { name: "b", shape: [], datatype: "BYTES", data: ["hi"] }], outputs: [{ name: "y" }] },
    ];
    for (const request of requests) {
      expect(plainInferRequest(request)).toBe(request);
      expect(parseInferRequest(request)).toEqual(inferRequestSchema.parse(request));
    }
  });

  it("leaves everything else to zod, which words the error", () => {
    expect(plainInferRequest({ inputs: [{ name: "x", shape: [1], datatype: "FP32", data: [1], parameters: { binary_data_size: 4 } }] })).toBeUndefined();
    expect(() => parseInferRequest({ inputs: [{ name: "x", shape: [-1], datatype: "FP32", data: [1] }] })).toThrow(/invalid inference request: inputs\[0\]\.shape\[0\]/);
    expect(() => parseInferRequest({ inputs: [] })).toThrow(/invalid inference request: inputs/);
    expect(() => parseInferRequest([])).toThrow(/invalid inference request/);
  });
});
