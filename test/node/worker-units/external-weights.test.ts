/**
 * The Worker's initializer externalization (functions/sessions/external-weights.ts), run in
 * onnxruntime-web under Node: the rewritten graph plus the original bytes as external data must
 * answer exactly like onnxruntime-node on the untouched file.
 */
import * as ortWeb from "onnxruntime-web";
import { describe, expect, it } from "vitest";
import { externalizeInitializers } from "../../../functions/sessions/external-weights.ts";
import { mlpModel, scalarInputModel } from "../../fixtures/models.ts";
import { randomFloats } from "../../fixtures/random.ts";
import { referenceOutputs, type JsonTensor } from "../../fixtures/reference.ts";

ortWeb.env.wasm.numThreads = 1;

describe("externalizeInitializers", () => {
  it("moves large initializers out and the model still answers like onnxruntime-node", async () => {
    const bytes = mlpModel(11);
    const graphOnly = externalizeInitializers(bytes, "weights.bin");
    expect(graphOnly).toBeDefined();
    expect(graphOnly!.byteLength).toBeLessThan(bytes.byteLength);

    const input: JsonTensor = { name: "x", datatype: "FP32", shape: [8, 4], data: randomFloats(32, 5) };
    const expected = await referenceOutputs(bytes, [input]);
    const session = await ortWeb.InferenceSession.create(graphOnly!, { externalData: [{ path: "weights.bin", data: bytes }] });
    const outputs = await session.run({ x: new ortWeb.Tensor("float32", Float32Array.from(input.data as number[]), input.shape) });
    for (const output of expected) {
      const actual = Array.from(outputs[output.name].data as Float32Array);
      expect(Math.max(...actual.map((v, i) => Math.abs(v - (output.data[i] as number))))).toBeLessThanOrEqual(1e-6);
    }
    await session.release();
  });

  it("leaves a model with only tiny initializers alone, and refuses what is not ONNX", () => {
    expect(externalizeInitializers(scalarInputModel(), "weights.bin")).toBeUndefined();
    expect(externalizeInitializers(new TextEncoder().encode("not a model"), "weights.bin")).toBeUndefined();
  });
});
