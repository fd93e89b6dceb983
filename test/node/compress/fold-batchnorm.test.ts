/**
 * BatchNormalization folded into the Conv/ConvTranspose before it (training/compress/fold-batchnorm.ts):
 * the folded fp32 model must compute what the original does. The reference is onnxruntime-node
 * running the unfolded model with graph optimizations disabled (ORT would otherwise fold the
 * BatchNormalization itself at load, and the test would compare a fold with a fold).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataType, decodeModel, encodeModel, floatTensor, type ModelProto, type TensorProto } from "../../../training/onnx/model-io.ts";
import { allGraphs } from "../../../training/onnx/graph-walk.ts";
import { upgradeOpset } from "../../../training/onnx/opset-upgrade/upgrade.ts";
import { foldBatchNorms } from "../../../training/compress/fold-batchnorm.ts";
import { foldAndCheck } from "../../../training/compress/fold-check.ts";
import { runOnce, type Feeds, type Outputs } from "../../../training/compress/run-model.ts";
import { Rng } from "../../../training/util/rng.ts";
import { modelBytes, node, randomMatrix, valueInfo } from "./fixtures.ts";
import { ocrModelBytes, ocrModelsMissing } from "./ocr-models.ts";
import { lineInput, rotate180, textImage } from "./text-image.ts";
import { maas } from "./run-cli.ts";

const BOUND = 1e-4;

function uniform(n: number, lo: number, hi: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
}

/** BatchNormalization's four parameters for `c` channels: scale, beta and mean well away from 1, 0 and 0; variance small enough that epsilon matters. */
function bnParams(prefix: string, c: number, seed: number): TensorProto[] {
  return [
    floatTensor(`${prefix}_scale`, [c], uniform(c, 0.5, 1.5, seed)),
    floatTensor(`${prefix}_beta`, [c], randomMatrix(1, c, seed + 1)),
    floatTensor(`${prefix}_mean`, [c], randomMatrix(1, c, seed + 2)),
    floatTensor(`${prefix}_var`, [c], uniform(c, 0.2, 1, seed + 3)),
  ];
}

const bn = (prefix: string, x: string, y: string, epsilon: number) =>
  node("BatchNormalization", [x, `${prefix}_scale`, `${prefix}_beta`, `${prefix}_mean`, `${prefix}_var`], [y], [{ name: "epsilon", type: 1, f: epsilon }]);
const constantNode = (t: TensorProto) => node("Constant", [], [t.name!], [{ name: "value", type: 4, t: { ...t, name: "" } }]);

/**
 * X [N,4,8,8] → Conv 3x3 with bias → BN → Relu → depthwise Conv (group 6, no bias) → BN (parameters
 * in Constant nodes placed after it) → ConvTranspose 2x2 stride 2, group 2 → BN → Y; and from the
 * depthwise branch a 1x1 Conv whose output is also a graph output (its BN must stay) → Y2.
 */
function convBnModel(): Uint8Array {
  const bn2 = bnParams("bn2", 6, 20);
  return modelBytes({
    name: "conv_bn",
    node: [
      node("Conv", ["X", "W1", "B1"], ["y1"], [{ name: "pads", type: 7, ints: [1, 1, 1, 1] }]),
      bn("bn1", "y1", "z1", 1e-3),
      node("Relu", ["z1"], ["r1"]),
      node("Conv", ["r1", "W2"], ["y2"], [{ name: "pads", type: 7, ints: [1, 1, 1, 1] }, { name: "group", type: 2, i: 6 }]),
      ...bn2.map(constantNode),
      bn("bn2", "y2", "z2", 1e-2),
      node("ConvTranspose", ["z2", "W3"], ["y3"], [{ name: "strides", type: 7, ints: [2, 2] }, { name: "group", type: 2, i: 2 }]),
      bn("bn3", "y3", "Y", 1e-3),
      node("Conv", ["z2", "W4"], ["Y4raw"]),
      bn("bn4", "Y4raw", "Y2", 1e-3),
    ],
    initializer: [
      floatTensor("W1", [6, 4, 3, 3], randomMatrix(6, 36, 1, 0.5)),
      floatTensor("B1", [6], randomMatrix(1, 6, 2)),
      floatTensor("W2", [6, 1, 3, 3], randomMatrix(6, 9, 3, 0.5)),
      floatTensor("W3", [6, 2, 2, 2], randomMatrix(6, 8, 4, 0.5)), // [C_in, C_out/group, kH, kW]: 4 output channels
      floatTensor("W4", [3, 6, 1, 1], randomMatrix(3, 6, 5, 0.5)),
      ...bnParams("bn1", 6, 10),
      ...bnParams("bn3", 4, 30),
      ...bnParams("bn4", 3, 40),
    ],
    input: [valueInfo("X", DataType.FLOAT, ["batch", 4, 8, 8])],
    output: [valueInfo("Y", DataType.FLOAT, ["batch", 4, 16, 16]), valueInfo("Y2", DataType.FLOAT, ["batch", 3, 8, 8]), valueInfo("Y4raw", DataType.FLOAT, ["batch", 3, 8, 8])],
  });
}

const ops = (model: ModelProto): string[] => allGraphs(model).flatMap((s) => (s.graph.node ?? []).map((n) => n.opType ?? ""));

/** The unfolded model in onnxruntime-node, without its own graph optimizations (no ConvBN fusion). */
const reference = (bytes: Uint8Array, feeds: Feeds): Promise<Outputs> => runOnce("node", bytes, feeds, { graphOptimizationLevel: "disabled" });

function maxAbsDifference(want: Outputs, got: Outputs): number {
  let max = 0;
  for (const [name, w] of Object.entries(want)) {
    const g = got[name].data as Float32Array;
    expect(g.length, name).toBe(w.data.length);
    (w.data as Float32Array).forEach((v, i) => (max = Math.max(max, Math.abs(v - g[i]))));
  }
  return max;
}

const randomImage = (dims: number[], seed: number): Feeds => ({ x: { type: "float32", dims, data: randomMatrix(1, dims.reduce((n, d) => n * d, 1), seed) } });

describe("BatchNormalization folding on a small Conv → BN model", () => {
  const source = convBnModel();

  it("folds the three BNs after Conv, depthwise Conv and grouped ConvTranspose, leaves the one whose input is also an output, and computes the same", async () => {
    const model = decodeModel(source);
    const fold = foldBatchNorms(model);
    expect(fold.folded).toEqual({ Conv: 2, ConvTranspose: 1 });
    expect(fold.left).toEqual([{ node: "BatchNormalization_Y2", why: "the Conv's output Y4raw is read by something else too" }]);
    expect(ops(model).filter((o) => o === "BatchNormalization")).toHaveLength(1);
    // Weights keep their names; the biasless convolutions take the BN's beta as their bias.
    const inputs = (op: string) => model.graph!.node!.filter((n) => n.opType === op).map((n) => n.input);
    expect(inputs("Conv")).toEqual([["X", "W1", "B1"], ["r1", "W2", "bn2_beta"], ["z2", "W4"]]);
    expect(inputs("ConvTranspose")).toEqual([["z2", "W3", "bn3_beta"]]);
    const folded = encodeModel(model);
    expect(folded.length).toBeLessThan(source.length);
    for (const seed of [1, 2, 3]) {
      const feeds: Feeds = { X: { type: "float32", dims: [2, 4, 8, 8], data: randomMatrix(1, 2 * 4 * 64, seed) } };
      const want = await reference(source, feeds);
      expect(maxAbsDifference(want, await runOnce("node", folded, feeds)), `seed ${seed}`).toBeLessThanOrEqual(BOUND);
    }
  });

  it("foldAndCheck reports the fold and its check against the source", async () => {
    const model = decodeModel(source);
    const fold = await foldAndCheck(model, source, { seed: 7, shapes: {} });
    expect(fold.folded).toEqual({ Conv: 2, ConvTranspose: 1 });
    expect(fold.check!.outputs.map((d) => d.output).sort()).toEqual(["Y", "Y2", "Y4raw"]);
    expect(fold.check!.outputs.every((d) => d.relativeL2 <= 1e-5)).toBe(true);
  });
});

describe("maas quantize folds BatchNormalization in every mode", () => {
  it.each(["int8", "fp16"])("%s: the summary says how many were folded, into what, and which was left", (mode) => {
    const dir = mkdtempSync(join(tmpdir(), "maas-bnfold-"));
    writeFileSync(join(dir, "conv-bn.onnx"), convBnModel());
    const run = maas(["quantize", join(dir, "conv-bn.onnx"), "--mode", mode, "--shape", "X=2,4,8,8", "--out", join(dir, "out.onnx")]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("3 BatchNormalization nodes folded into the convolution before them (2 Conv, 1 ConvTranspose), before quantizing; checked against the source (graph optimizations off) in onnxruntime-node on seeded random inputs (seed 1, batch 2 on symbolic first axes, X=2,4,8,8):");
    expect(run.stdout).toContain("1 BatchNormalization node left as it is: BatchNormalization_Y2 (the Conv's output Y4raw is read by something else too)");
  });
});

describe.skipIf(ocrModelsMissing)("BatchNormalization folding on PaddleOCR's direction classifier (Constant-node weights)", () => {
  const source = ocrModelBytes("classifier");
  const line = textImage(192, 48, [{ text: "HELLO WORLD", x: 4, y: 10, scale: 4 }]);
  const feedsList: [string, Feeds][] = [
    ["random, batch 2", randomImage([2, 3, 48, 192], 11)],
    ["random, batch 1", randomImage([1, 3, 48, 192], 12)],
    ["drawn line", { x: { type: "float32", dims: [1, 3, 48, 192], data: lineInput(line) } }],
    ["drawn line turned 180°", { x: { type: "float32", dims: [1, 3, 48, 192], data: lineInput(rotate180(line)) } }],
  ];

  it.each([9, 13])("at opset %i: folds all 35 BNs into their Convs; outputs within 1e-4 of the unfolded model on random and drawn inputs", async (opset) => {
    const model = decodeModel(source);
    if (opset !== 9) upgradeOpset(model, opset);
    const fold = foldBatchNorms(model);
    expect(fold).toEqual({ folded: { Conv: 35, ConvTranspose: 0 }, left: [] });
    expect(ops(model)).not.toContain("BatchNormalization");
    const folded = encodeModel(model);
    expect(folded.length / source.length).toBeLessThan(0.94); // 35 x 4 parameter tensors and their nodes gone
    for (const [what, feeds] of feedsList) {
      expect(maxAbsDifference(await reference(source, feeds), await runOnce("node", folded, feeds)), what).toBeLessThanOrEqual(BOUND);
    }
  });
});

describe.skipIf(ocrModelsMissing)("BatchNormalization folding on PaddleOCR's detector", () => {
  it("folds the two BNs after a Conv, leaves the one after ConvTranspose → Add, and the check accepts near-zero outputs within 1e-6", async () => {
    const source = ocrModelBytes("detector");
    const model = decodeModel(source);
    const fold = await foldAndCheck(model, source, { seed: 1, shapes: { x: [1, 3, 64, 128] } });
    expect(fold.folded).toEqual({ Conv: 2, ConvTranspose: 0 });
    expect(fold.left).toEqual([{ node: "p2o.BatchNormalization.2", why: "its input comes from an Add, not a Conv or ConvTranspose" }]);
    // On random inputs its probabilities are ~0: the relative figure is noise, the absolute one is not.
    expect(fold.check!.outputs[0].maxAbs).toBeLessThanOrEqual(1e-6);
  });
});
