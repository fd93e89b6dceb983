/**
 * Whole models: weights inside If/Loop/Scan bodies (outer-scope initializer, subgraph initializer,
 * Constant node), and the third-party PyTorch export. Every output file must pass Python onnx's
 * checker and run in onnxruntime-node and -web close to the fp32 source run in onnxruntime-node.
 * Stated bounds on relative L2 of each output (from the per-weight steps: int8 ≈ 1/254 of the
 * column range, int4 ≈ 1/16 of the block range, fp16 2⁻¹¹ relative, int8-dynamic adds 1/255 of the
 * activation range), with the deeper paths (Loop applies its weight twice) given room:
 */
import { describe, expect, it } from "vitest";
import { allGraphs } from "../../../training/onnx/graph-walk.ts";
import { decodeModel, encodeModel, type ModelProto } from "../../../training/onnx/model-io.ts";
import { compareOutputs } from "../../../training/compress/output-difference.ts";
import { randomFeeds } from "../../../training/compress/random-feeds.ts";
import { quantizeModel } from "../../../training/compress/quantize.ts";
import { QUANTIZE_MODES, type QuantizeMode } from "../../../training/compress/quantize-context.ts";
import { runOnce, type Feeds } from "../../../training/compress/run-model.ts";
import { gemmModel, randomMatrix, subgraphModel } from "./fixtures.ts";
import { checkWithPythonOnnx, pythonOnnxMissing } from "./onnx-checker.ts";
import { thirdPartyBytes, thirdPartyMissing } from "./third-party-model.ts";

const RELATIVE_L2_BOUND: Record<QuantizeMode, number> = { int8: 0.02, "int8-dynamic": 0.04, int4: 0.2, fp16: 1e-3 };

/** Op types that must appear (in some graph) for each mode, and how many times. */
const EXPECTED_OPS: Record<QuantizeMode, string> = {
  int8: "DequantizeLinear", "int8-dynamic": "MatMulInteger", int4: "MatMulNBits", fp16: "Cast",
};

function countOps(model: ModelProto, opType: string): number {
  return allGraphs(model).reduce((n, s) => n + (s.graph.node ?? []).filter((x) => x.opType === opType).length, 0);
}

async function expectClose(source: Uint8Array, output: Uint8Array, feeds: Feeds, mode: QuantizeMode): Promise<void> {
  const reference = await runOnce("node", source, feeds);
  for (const engine of ["node", "web"] as const) {
    for (const d of compareOutputs(reference, await runOnce(engine, output, feeds))) {
      expect(d.relativeL2, `${engine} ${d.output}`).toBeLessThanOrEqual(RELATIVE_L2_BOUND[mode]);
    }
  }
}

describe("weights inside If, Loop and Scan bodies", () => {
  const k = 48;
  const n = 40;
  const source = subgraphModel(k, n, {
    outer: randomMatrix(k, n, 1, 0.2), inner: randomMatrix(n, k, 2, 0.2), loop: randomMatrix(k, k, 3, 0.2), scan: randomMatrix(k, n, 4, 0.2),
  });
  const x = { type: "float32", dims: [5, k], data: randomMatrix(5, k, 9) };

  it.each(QUANTIZE_MODES)("%s quantizes all four weights and stays close on both If branches", async (mode) => {
    const model = decodeModel(source);
    const layers = quantizeModel(model, { mode, blockSize: 32, perTensor: false, minElements: 0, keepBias: false });
    expect(layers.map((l) => [l.weight, l.scheme !== undefined])).toEqual(
      expect.arrayContaining([["W_outer", true], ["W_inner", true], ["W_loop", true], ["W_scan", true]]),
    );
    // Each weight gets its own dequantize/cast; rewritten modes replace each of the 4 MatMul/Gemm nodes.
    expect(countOps(model, EXPECTED_OPS[mode])).toBe(4);
    if (mode === "int8-dynamic" || mode === "int4") expect(countOps(model, "MatMul") + countOps(model, "Gemm")).toBe(0);
    const output = encodeModel(model);
    for (const cond of [0, 1]) await expectClose(source, output, { X: x, cond: { type: "bool", dims: [], data: new Uint8Array([cond]) } }, mode);
  });

  it.skipIf(pythonOnnxMissing).each(QUANTIZE_MODES)(`%s output passes Python onnx's full check ${pythonOnnxMissing ?? ""}`, (mode) => {
    const model = decodeModel(source);
    quantizeModel(model, { mode, blockSize: 32, perTensor: false, minElements: 0, keepBias: false });
    expect(checkWithPythonOnnx(encodeModel(model))).toBe("");
  });

  it("keeps weights below --min-elements in fp32", () => {
    const model = decodeModel(source);
    const layers = quantizeModel(model, { mode: "int8", blockSize: 32, perTensor: false, minElements: k * n + 1, keepBias: false });
    expect(layers.filter((l) => l.scheme).map((l) => l.weight)).toEqual(["W_loop"]); // 48×48 = 2304 > 1921
    expect(countOps(model, "DequantizeLinear")).toBe(1);
  });
});

describe("a Gemm bias", () => {
  it.each(QUANTIZE_MODES)("%s compresses a 256-element bias along with its weight", async (mode) => {
    const source = gemmModel(64, 256, randomMatrix(256, 64, 7, 0.2), randomMatrix(1, 256, 8), 1, 1);
    const model = decodeModel(source);
    const layers = quantizeModel(model, { mode, blockSize: 32, perTensor: false, minElements: 0, keepBias: false });
    expect(layers.map((l) => [l.weight, l.scheme !== undefined])).toEqual([["B", true], ["C", true]]);
    expect(layers[1].bytesAfter).toBeLessThan(layers[1].bytesBefore);
    await expectClose(source, encodeModel(model), { X: { type: "float32", dims: [4, 64], data: randomMatrix(4, 64, 9) } }, mode);
  });
});

describe.skipIf(thirdPartyMissing)(`third-party PyTorch export ${thirdPartyMissing ?? ""}`, () => {
  it.each(QUANTIZE_MODES)("%s runs in both engines within the bound", async (mode) => {
    const source = thirdPartyBytes();
    const model = decodeModel(source);
    const layers = quantizeModel(model, { mode, blockSize: 32, perTensor: false, minElements: 0, keepBias: false });
    // three Gemm weights and their three biases
    expect(layers.map((l) => l.ops[0])).toEqual(["Gemm", "Gemm", "Gemm", "Gemm bias", "Gemm bias", "Gemm bias"]);
    expect(layers.filter((l) => l.ops[0] === "Gemm").every((l) => l.scheme !== undefined)).toBe(true);
    // Its biases have 32, 32 and 1 elements: at that size a DequantizeLinear/Cast pays for itself only
    // when the names it repeats are short (layer1.bias is compressed, the other two are kept, saying why).
    for (const bias of layers.filter((l) => l.ops[0] === "Gemm bias")) expect(bias.scheme ?? bias.keptBecause).toMatch(/bias|too small/);
    await expectClose(source, encodeModel(model), randomFeeds(decodeModel(source), 5, 1), mode);
  });

  it.skipIf(pythonOnnxMissing).each(QUANTIZE_MODES)(`%s output passes Python onnx's full check ${pythonOnnxMissing ?? ""}`, (mode) => {
    const model = decodeModel(thirdPartyBytes());
    quantizeModel(model, { mode, blockSize: 32, perTensor: false, minElements: 0, keepBias: false });
    expect(checkWithPythonOnnx(encodeModel(model))).toBe("");
  });
});
