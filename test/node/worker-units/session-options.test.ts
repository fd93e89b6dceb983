/**
 * The Worker's per-model session options (functions/sessions/): which graphs skip ORT's fusion
 * passes and which keep prepacking, read from the model bytes as the Worker reads them — and a
 * plain graph answers the same at "basic" in onnxruntime-web as onnxruntime-node does at its
 * defaults.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ortWeb from "onnxruntime-web";
import { describe, expect, it } from "vitest";
import { warmUpModel } from "../../../functions/ort/warm-up-model.ts";
import { graphOpTypes } from "../../../functions/sessions/graph-ops.ts";
import { graphOptimizationLevel } from "../../../functions/sessions/optimization-level.ts";
import { fp32MatMulWeightBytes, PREPACK_FP32_LIMIT_BYTES, prepackFp32, prepackingPays } from "../../../functions/sessions/prepacking.ts";
import { manifestFor } from "../../../scripts/registry/inspect-model.ts";
import { sessionRecipe } from "../../../functions/sessions/session-recipe.ts";
import { mlp } from "../../../scripts/bench/models.ts";
import { quantizeModel } from "../../../training/compress/quantize.ts";
import { DEFAULT_DATASET } from "../../../training/data/default-dataset.ts";
import { readRecords } from "../../../training/data/read-records.ts";
import { parseTrainArgs } from "../../../scripts/commands/train.ts";
import { decodeModel, encodeModel } from "../../../training/onnx/model-io.ts";
import { trainFromRecords } from "../../../training/pipeline.ts";
import { randomFloats } from "../../fixtures/random.ts";
import { referenceOutputs, type JsonTensor } from "../../fixtures/reference.ts";

ortWeb.env.wasm.numThreads = 1;

/** The options the Worker's session recipe picks for a model (`fp32Prepack`: its manifest has prepackedBytes). */
const options = (bytes: Uint8Array, fp32Prepack = false) => {
  const { options: chosen } = sessionRecipe(bytes, fp32Prepack);
  return { level: chosen.graphOptimizationLevel, prepacking: chosen.extra === undefined };
};

function quantized(bytes: Uint8Array, mode: "int8" | "int8-dynamic" | "int4"): Uint8Array {
  const model = decodeModel(bytes);
  quantizeModel(model, { mode, blockSize: 32, perTensor: false, minElements: 0, keepBias: true });
  return encodeModel(model);
}

describe("session options per model", () => {
  it("plain feed-forward graphs (the trainer's, the bench's, the warm-up model) get basic optimization and no prepacking", async () => {
    const iris = await trainFromRecords(await readRecords(DEFAULT_DATASET.path), parseTrainArgs(["--epochs", "5"]).options);
    for (const bytes of [iris.bytes, mlp("small", [10, 64, 3]).bytes, warmUpModel()]) {
      expect(options(bytes)).toEqual({ level: "basic", prepacking: false });
    }
  });

  it("quantized graphs keep ORT's fusions (DynamicQuantizeMatMul, QDQ) and prepack where their kernels need it", async () => {
    const source = mlp("small", [64, 64, 3]).bytes;
    expect(options(quantized(source, "int8"))).toEqual({ level: "all", prepacking: false });
    expect(options(quantized(source, "int8-dynamic"))).toEqual({ level: "all", prepacking: true });
    expect(options(quantized(source, "int4"))).toEqual({ level: "all", prepacking: true });
  });

  it("float32 MatMul weights up to the limit are prepacked where the manifest says so, which the publisher writes with the copy charged", async () => {
    const small = mlp("small", [10, 64, 3]).bytes;
    const over = mlp("over", [1024, 4200, 3]).bytes; // 4.3M float32 weights: 17.2 MB
    expect(fp32MatMulWeightBytes(over)).toBeGreaterThan(PREPACK_FP32_LIMIT_BYTES);
    expect([prepackFp32(small), prepackFp32(over)]).toEqual([true, false]);
    expect(options(small, true)).toEqual({ level: "basic", prepacking: true });
    const [smallManifest, overManifest] = [await manifestFor(small, { name: "small", version: "1" }), await manifestFor(over, { name: "over", version: "1" })];
    // The copy: the two layers' weight matrices (10×64 and 64×3 floats, stored with their headers).
    expect(smallManifest.prepackedBytes).toBeGreaterThanOrEqual((10 * 64 + 64 * 3) * 4);
    expect(smallManifest.memoryBytes).toBe(small.length + smallManifest.prepackedBytes!);
    expect(overManifest.prepackedBytes).toBeUndefined();
    expect(overManifest.memoryBytes).toBe(over.length);
    // An int8 model's MatMul reads a DequantizeLinear, not a float32 constant: nothing to prepack.
    expect(prepackFp32(quantized(mlp("small", [64, 64, 3]).bytes, "int8"))).toBe(false);
  });

  it("third-party graphs with other ops, and bytes that are not a model, keep ORT's defaults", () => {
    const wakeWord = new Uint8Array(readFileSync(join(import.meta.dirname, "../../../node_modules/openwakeword-js/models/hello_deepa.onnx")));
    expect(graphOptimizationLevel(graphOpTypes(wakeWord))).toBe("all");
    expect(graphOptimizationLevel(undefined)).toBe("all");
    expect(prepackingPays(undefined)).toBe(true);
    expect(graphOptimizationLevel(new Set())).toBe("all");
  });

  it.each([false, true])("a plain graph, handed over by the recipe (external weights, basic, float32 prepacking %s), answers in onnxruntime-web like onnxruntime-node at its defaults", async (fp32Prepack) => {
    const { bytes } = mlp("small", [10, 64, 3]);
    const input: JsonTensor = { name: "x", datatype: "FP32", shape: [8, 10], data: randomFloats(80, 3) };
    const [expected] = await referenceOutputs(bytes, [input]);
    const recipe = sessionRecipe(bytes, fp32Prepack);
    expect(recipe.options.extra === undefined).toBe(fp32Prepack);
    expect(recipe.model.length).toBeLessThan(bytes.length / 4); // the graph only: the weights stay in the blob
    expect(recipe.options.externalData?.[0].data).toBe(bytes);
    const session = await ortWeb.InferenceSession.create(recipe.model, recipe.options);
    const outputs = await session.run({ x: new ortWeb.Tensor("float32", Float32Array.from(input.data as number[]), input.shape) });
    const actual = Array.from(outputs[session.outputNames[0]].data as Float32Array);
    expect(Math.max(...actual.map((v, i) => Math.abs(v - (expected.data[i] as number))))).toBeLessThanOrEqual(1e-5);
    await session.release();
  });
});
