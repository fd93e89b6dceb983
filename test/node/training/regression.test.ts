/**
 * Regression end to end in Node: a model trained with the trainer's API predicts in the target's
 * own units. Checked against things computed here — the training split's mean and standard
 * deviation of the target, the network's raw output (exposed as an extra graph output and run in
 * onnxruntime-node) un-scaled by hand, R² on held-out rows — and `maas quantize --eval`'s R²
 * against the same computed by hand for both files.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { splitRows } from "../../../training/data/split.ts";
import { decodeModel, encodeModel } from "../../../training/onnx/model-io.ts";
import { valueInfo } from "../../fixtures/models.ts";
import { encodeNumeric, REGRESSION_OPTIONS, rSquared, trainRegression, type RegressionRecord } from "../../fixtures/regression.ts";
import { runCli } from "../registry/helpers.ts";

/** R² a near-linear target with 2.5% noise must reach on held-out rows (its noise alone allows ~0.999). */
const R2_GOAL = 0.98;

let trained: Awaited<ReturnType<typeof trainRegression>>;
let heldOut: RegressionRecord[];
let trainRows: RegressionRecord[];
let dir: string;

beforeAll(async () => {
  trained = await trainRegression();
  const split = splitRows(trained.records.length, { validation: 0, test: REGRESSION_OPTIONS.testFraction }, REGRESSION_OPTIONS.seed);
  heldOut = split.test.map((i) => trained.records[i]);
  trainRows = split.train.map((i) => trained.records[i]);
  dir = await mkdtemp(join(tmpdir(), "maas-regression-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

// onnxruntime-node would otherwise fuse int8 DequantizeLinear → MatMul into MatMulNBits with int8
// activations (its accuracy level 4); level 0 computes what the file says (fp32 activations), as
// onnxruntime-web in the Worker does.
const WEIGHT_ONLY = { extra: { session: { qdq_matmulnbits_accuracy_level: "0" } } };

async function run(bytes: Uint8Array, records: readonly RegressionRecord[], outputs: string[]): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(bytes, WEIGHT_ONLY);
  try {
    const names = trained.schema.features.map((f) => f.name);
    const x = new ort.Tensor("float32", encodeNumeric(names, records), [records.length, names.length]);
    const results = await session.run({ [trained.schema.inputName]: x }, outputs);
    return Object.fromEntries(outputs.map((name) => [name, results[name].data as Float32Array]));
  } finally {
    await session.release();
  }
}

describe("a regression model from the trainer's API", () => {
  it("un-scales its network output with the training split's mean and standard deviation of the target", async () => {
    const ys = trainRows.map((r) => r.y);
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    const std = Math.sqrt(ys.reduce((sum, y) => sum + (y - mean) ** 2, 0) / ys.length);
    expect(std).toBeGreaterThan(500); // far from unit scale, so a missing step cannot hide

    // The network's output is the non-constant input of the node chain that ends in `prediction`.
    const model = decodeModel(trained.bytes);
    const graph = model.graph!;
    const prediction = trained.schema.outputs.prediction!;
    const constants = new Set(graph.initializer!.map((t) => t.name));
    let raw = prediction;
    for (;;) {
      const producer = graph.node!.find((n) => n.output!.includes(raw));
      const variable = producer?.input!.filter((i) => !constants.has(i));
      if (!producer || variable!.length !== 1 || !["Add", "Mul", "Sub", "Div"].includes(producer.opType!)) break;
      raw = variable![0];
    }
    expect(raw).not.toBe(prediction);
    graph.output!.push(valueInfo(raw, 1, ["N", 1]));
    const out = await run(encodeModel(model), heldOut, [prediction, raw]);

    const worst = Math.max(...heldOut.map((_, i) => Math.abs(out[prediction][i] - (out[raw][i] * std + mean)) / (Math.abs(out[prediction][i]) + 1)));
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it(`predicts held-out rows in the target's units with R² ≥ ${R2_GOAL}, and its report says the same R²`, async () => {
    const out = await run(trained.bytes, heldOut, [trained.schema.outputs.prediction!]);
    const r2 = rSquared(heldOut.map((r) => r.y), out[trained.schema.outputs.prediction!]);
    expect(r2).toBeGreaterThanOrEqual(R2_GOAL);
    expect(trained.report.evaluatedOn).toBe("test");
    expect(trained.report.metrics.r2).toBeCloseTo(r2, 6);
  });

  it("maas quantize --eval and --data report the R² of both files and their output difference on the given data, as computed here", async () => {
    const source = join(dir, "regression.onnx");
    const output = join(dir, "regression-int8.onnx");
    const data = join(dir, "held-out.csv");
    await writeFile(source, trained.bytes);
    await writeFile(data, ["a,b,y", ...heldOut.map((r) => `${r.a},${r.b},${r.y}`)].join("\n"));
    const cli = await runCli(["quantize", source, "--mode", "int8", "--out", output, "--eval", data, "--target", "y", "--data", data, "--json"]);
    expect(cli.code, cli.stderr).toBe(0);
    const { evaluation, difference } = JSON.parse(cli.stdout);

    const truth = heldOut.map((r) => r.y);
    const name = trained.schema.outputs.prediction!;
    const fp32 = (await run(trained.bytes, heldOut, [name]))[name];
    const int8 = (await run(new Uint8Array(await readFile(output)), heldOut, [name]))[name];
    const before = rSquared(truth, fp32);
    const after = rSquared(truth, int8);

    // ‖int8 − fp32‖ / ‖fp32‖ and the largest |int8 − fp32| over the same rows.
    const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
    const relativeL2 = norm(Array.from(int8, (v, i) => v - fp32[i])) / norm(fp32);
    const maxAbs = Math.max(...Array.from(int8, (v, i) => Math.abs(v - fp32[i])));
    const reported = difference.node.find((d: { output: string }) => d.output === name);
    expect(relativeL2).toBeGreaterThan(0); // int8 does change the outputs a little
    expect(reported.relativeL2).toBeCloseTo(relativeL2, 9);
    expect(reported.maxAbs).toBeCloseTo(maxAbs, 4);
    expect(evaluation.before).toMatchObject({ metric: "r2", rows: heldOut.length });
    expect(evaluation.before.value).toBeCloseTo(before, 9);
    expect(evaluation.after.value).toBeCloseTo(after, 9);
    expect(after).toBeGreaterThanOrEqual(R2_GOAL);
  });
});
