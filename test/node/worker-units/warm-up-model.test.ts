/**
 * The Worker's start-up model (functions/ort/warm-up-model.ts) is written by hand in protobuf: it
 * must be a valid ONNX file that onnxruntime-node and onnxruntime-web (through the Worker's own
 * session path) load and answer alike — otherwise the isolate's warm-up would silently do nothing.
 */
import * as ortWeb from "onnxruntime-web";
import { describe, expect, it } from "vitest";
import { warmUpModel } from "../../../functions/ort/warm-up-model.ts";
import { externalizeInitializers } from "../../../functions/sessions/external-weights.ts";
import { decodeModel } from "../../../training/onnx/model-io.ts";
import { randomFloats } from "../../fixtures/random.ts";
import { referenceOutputs, type JsonTensor } from "../../fixtures/reference.ts";

ortWeb.env.wasm.numThreads = 1;

describe("warmUpModel", () => {
  it("decodes as the intended graph", () => {
    const model = decodeModel(warmUpModel());
    expect(model.graph!.node!.map((n) => n.opType)).toEqual(["MatMul", "Add", "Relu", "MatMul", "Add", "Softmax"]);
    expect(model.opsetImport!.map((o) => [o.domain ?? "", Number(o.version)])).toEqual([["", 17]]);
    expect(model.graph!.initializer!.map((t) => [t.name, t.dims!.map(Number)])).toEqual([
      ["w1", [16, 16]], ["b1", [16]], ["w2", [16, 4]], ["b2", [4]],
    ]);
  });

  it("answers in onnxruntime-web (weights as external data, as the Worker loads it) like onnxruntime-node", async () => {
    const bytes = warmUpModel();
    const input: JsonTensor = { name: "x", datatype: "FP32", shape: [3, 16], data: randomFloats(48, 9) };
    const [expected] = await referenceOutputs(bytes, [input]);
    const probabilities = expected.data as number[];
    for (let row = 0; row < 3; row++) expect(probabilities.slice(row * 4, row * 4 + 4).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);

    const graphOnly = externalizeInitializers(bytes, "weights.bin");
    expect(graphOnly).toBeDefined(); // the warm-up exercises the external-data path too
    const session = await ortWeb.InferenceSession.create(graphOnly!, { externalData: [{ path: "weights.bin", data: bytes }] });
    const outputs = await session.run({ x: new ortWeb.Tensor("float32", Float32Array.from(input.data as number[]), input.shape) });
    const actual = Array.from(outputs.y.data as Float32Array);
    expect(Math.max(...actual.map((v, i) => Math.abs(v - probabilities[i])))).toBeLessThanOrEqual(1e-6);
    await session.release();
  });
});
