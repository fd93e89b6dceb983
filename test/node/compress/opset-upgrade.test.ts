/**
 * Opset upgrade: every converted operator, on small models written for opsets 7 and 9 and on
 * PaddleOCR's opset-9 models, run in onnxruntime-node before and after — the source file is the
 * reference. Refusals name the op in one line; the CLI writes nothing it has not checked.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { decodeModel, encodeModel, type ModelProto, type NodeProto } from "../../../training/onnx/model-io.ts";
import { allGraphs } from "../../../training/onnx/graph-walk.ts";
import { CannotUpgradeError, importedOpset, upgradeOpset } from "../../../training/onnx/opset-upgrade/upgrade.ts";
import { randomFeeds } from "../../../training/compress/random-feeds.ts";
import { dropoutMaskModel, opset7Model, opset9Model, perActivationBatchNormModel } from "./old-opset-models.ts";
import { ocrModelBytes, ocrModelsMissing } from "./ocr-models.ts";
import { maas } from "./run-cli.ts";

type Tensors = Record<string, ort.Tensor>;

async function run(bytes: Uint8Array, feeds: Tensors): Promise<Tensors> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

function ortFeeds(model: ModelProto, shapes: Record<string, number[]> = {}): Tensors {
  const feeds: Tensors = {};
  for (const [name, t] of Object.entries(randomFeeds(model, 7, 2, shapes))) feeds[name] = new ort.Tensor(t.type as "float32", t.data as Float32Array, t.dims);
  return feeds;
}

/** Upgrades a copy of `source` and checks every output against the source's, in onnxruntime-node. */
async function upgradeAndCompare(source: Uint8Array, to: number, shapes: Record<string, number[]> = {}) {
  const model = decodeModel(source);
  const report = upgradeOpset(model, to);
  const upgraded = encodeModel(model);
  const feeds = ortFeeds(decodeModel(source), shapes);
  const [expected, actual] = [await run(source, feeds), await run(upgraded, feeds)];
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, want] of Object.entries(expected)) {
    const got = actual[name];
    expect(got.dims, name).toEqual(want.dims);
    const [a, b] = [Array.from(want.data as Float32Array, Number), Array.from(got.data as Float32Array, Number)];
    const scale = a.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
    const worst = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    expect(worst / scale, `${name} after ${importedOpset(decodeModel(source))} -> ${to}`).toBeLessThanOrEqual(1e-6);
  }
  return { model: decodeModel(upgraded), report };
}

function nodes(model: ModelProto): NodeProto[] {
  return allGraphs(model).flatMap((s) => s.graph.node ?? []);
}
const attributeNames = (n: NodeProto): string[] => (n.attribute ?? []).map((a) => a.name ?? "");
const converted = (report: { conversions: { op: string; at: number }[] }): string[] => report.conversions.map((c) => `${c.op}@${c.at}`);

describe("opset upgrade of small old-opset models (onnxruntime-node, before vs after)", () => {
  it.each([11, 13, 18, 21])("opset 7 -> %i: Upsample, Pad, Clip, Slice, Dropout, BatchNormalization, Softmax, Reduce*, (Un)Squeeze, Split, TopK", async (to) => {
    const { model, report } = await upgradeAndCompare(opset7Model(), to);
    expect(importedOpset(model)).toBe(to);
    const all = nodes(model);
    expect(all.map((n) => n.opType)).not.toContain("Upsample");
    expect(all.map((n) => n.opType)).not.toContain("Dropout");
    const named = (op: string) => all.filter((n) => n.opType === op);
    for (const n of named("Clip")) expect(n.input).toHaveLength(3);
    for (const n of named("Pad")) expect(attributeNames(n)).not.toContain("pads");
    for (const n of named("Slice")) expect(attributeNames(n)).toEqual([]);
    for (const n of named("TopK")) expect(n.input).toHaveLength(2);
    for (const n of named("BatchNormalization")) expect(attributeNames(n)).not.toContain("spatial");
    expect(converted(report)).toEqual(expect.arrayContaining(["Upsample@9", "Upsample@10", "Resize@11", "Slice@10", "Clip@11", "Pad@11", "TopK@10", "Dropout@10", "BatchNormalization@9"]));
    if (to >= 13) {
      for (const op of ["Squeeze", "Unsqueeze", "ReduceSum"]) for (const n of named(op)) expect(attributeNames(n), op).not.toContain("axes");
      for (const n of named("Split")) expect(attributeNames(n)).not.toContain("split");
      expect(converted(report)).toEqual(expect.arrayContaining(["Softmax@13", "Squeeze@13", "Unsqueeze@13", "ReduceSum@13", "Split@13"]));
    }
    if (to >= 18) for (const n of named("ReduceMean")) expect(n.input).toHaveLength(2);
  });

  it.each([10, 11, 13, 21])("opset 9 -> %i: Upsample with a scales input (linear, nearest at 1.5x) -> Resize, Scatter, LogSoftmax", async (to) => {
    const { model, report } = await upgradeAndCompare(opset9Model(), to);
    const ops = nodes(model).map((n) => n.opType);
    expect(ops.filter((op) => op === "Resize")).toHaveLength(2);
    if (to >= 11) expect(ops).toContain("ScatterElements");
    expect(converted(report)).toContain("Upsample@10");
  });
});

describe("opset upgrade refuses in one line, naming the op", () => {
  it.each([
    ["a Dropout whose mask is used", dropoutMaskModel(), 13, /^cannot upgrade Dropout node .*mask/],
    ["BatchNormalization with spatial=0", perActivationBatchNormModel(), 13, /^cannot upgrade BatchNormalization node .*spatial=0/],
    ["a downgrade", opset9Model(), 8, /imports opset 9, newer than 8/],
    ["a target past the covered changes", opset9Model(), 22, /opset 22 is past 21/],
  ])("%s", (_label, bytes, to, message) => {
    const model = decodeModel(bytes);
    let error: unknown;
    try {
      upgradeOpset(model, to);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CannotUpgradeError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("\n");
  });
});

describe.skipIf(ocrModelsMissing)("opset upgrade of PaddleOCR's opset-9 models", () => {
  it("direction classifier 9 -> 13 computes the same on a 48x192 text line", async () => {
    const { report } = await upgradeAndCompare(ocrModelBytes("classifier"), 13, { x: [2, 3, 48, 192] });
    expect(converted(report).sort()).toEqual(["Clip@11", "Slice@10", "Softmax@13"]);
  });

  it("recognizer 9 -> 17 computes the same on a 48x160 text line", async () => {
    const { report } = await upgradeAndCompare(ocrModelBytes("recognizer"), 17, { x: [1, 3, 48, 160] });
    expect(converted(report)).toEqual(expect.arrayContaining(["Slice@10", "Clip@11", "Squeeze@13", "Softmax@13"]));
  });
});

describe("maas upgrade-opset", () => {
  const dir = mkdtempSync(join(tmpdir(), "maas-upgrade-"));
  const old = join(dir, "opset7.onnx");
  writeFileSync(old, opset7Model());
  const masked = join(dir, "mask.onnx");
  writeFileSync(masked, dropoutMaskModel());

  it("writes the upgraded model and names what it converted", () => {
    const out = join(dir, "opset17.onnx");
    const result = maas(["upgrade-opset", old, "--to", "17", "--out", out]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/opset 7 -> 17/);
    expect(result.stdout).toMatch(/Upsample x1 \(changed at opset 10\)/);
    expect(importedOpset(decodeModel(readFileSync(out)))).toBe(17);
  });

  it("refuses a model it cannot convert in one line, exit 1, and writes nothing", () => {
    const out = join(dir, "never.onnx");
    const result = maas(["upgrade-opset", masked, "--to", "13", "--out", out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^maas upgrade-opset: .*mask\.onnx: cannot upgrade Dropout node "Dropout_Y": its mask output is used/);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it("maas quantize refuses a model it cannot upgrade for the mode, in one line naming the node, and writes nothing", () => {
    const out = join(dir, "never-q.onnx");
    const result = maas(["quantize", masked, "--mode", "int8-dynamic", "--out", out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^maas quantize: .*mask\.onnx: --mode int8-dynamic needs opset 11, the model imports 9, and upgrading it failed: cannot upgrade Dropout node "Dropout_Y"/);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it("without --to is a usage error (exit 2); a --shape for no such input is one line (exit 1)", () => {
    expect(maas(["upgrade-opset", old, "--out", join(dir, "x.onnx")])).toMatchObject({ status: 2, stderr: expect.stringMatching(/--to N is required/) });
    expect(maas(["upgrade-opset", old, "--to", "13", "--shape", "Y=1,2", "--out", join(dir, "x.onnx")])).toMatchObject({ status: 1, stderr: expect.stringMatching(/no input "Y"/) });
  });
});
