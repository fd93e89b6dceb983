/**
 * The bundled Iris data end to end: known accuracy on the held-out split, the exported file
 * identical (≤ 1e-5) in onnxruntime-node and onnxruntime-web, answers decoded with the Worker's
 * feature schema, and bit-identical weights for the same seed.
 */
import { readFileSync } from "node:fs";
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { beforeAll, describe, expect, it } from "vitest";
import { decodePredictions, encodeRecords, parseFeatureSchema } from "../../../functions/registry/feature-schema.ts";
import { DEFAULT_DATASET } from "../../../training/data/default-dataset.ts";
import { parseRecords } from "../../../training/data/read-records.ts";
import { splitRows } from "../../../training/data/split.ts";
import { decodeModel, readMetadata } from "../../../training/onnx/model-io.ts";
import { parseTrainArgs } from "../../../scripts/commands/train.ts";
import { trainFromRecords, type PipelineResult } from "../../../training/pipeline.ts";

const records = parseRecords(readFileSync(DEFAULT_DATASET.path, "utf8"), "csv");
const defaults = parseTrainArgs([]).options;

/**
 * Accuracy on the held-out rows (the split the trainer made for `seed`), scored here: raw features
 * in the schema's order into onnxruntime-node, argmax of the probabilities, class name vs the label.
 */
async function heldOutAccuracy(trained: PipelineResult, seed: number): Promise<number> {
  const { schema } = trained;
  const classes = schema.classes!;
  const strata = records.map((r) => classes.indexOf(String(r.species)));
  const { test } = splitRows(records.length, { validation: defaults.validationFraction, test: defaults.testFraction }, seed, strata);
  expect(test.length).toBeGreaterThanOrEqual(20);
  const names = schema.features.map((f) => f.name);
  const x = Float32Array.from(test.flatMap((i) => names.map((n) => Number(records[i][n]))));
  const session = await ortNode.InferenceSession.create(trained.bytes);
  const p = (await session.run({ [schema.inputName]: new ortNode.Tensor("float32", x, [test.length, names.length]) })).probabilities.data as Float32Array;
  await session.release();
  let correct = 0;
  test.forEach((row, j) => {
    let best = 0;
    for (let c = 1; c < classes.length; c++) if (p[j * classes.length + c] > p[j * classes.length + best]) best = c;
    if (classes[best] === String(records[row].species)) correct += 1;
  });
  return correct / test.length;
}

describe("Iris with the CLI defaults", () => {
  let result: PipelineResult;
  beforeAll(async () => {
    result = await trainFromRecords(records, { ...defaults, threads: 1 });
  });

  it("reaches Iris's known test accuracy (≥ 0.93, averaged over five split seeds), scored here, as its report says", async () => {
    const accuracies = [await heldOutAccuracy(result, defaults.seed)];
    expect(result.report.metrics.accuracy).toBeCloseTo(accuracies[0], 9);
    for (const seed of [3, 5, 7, 42]) {
      const other = await trainFromRecords(records, { ...defaults, seed, threads: 1 });
      accuracies.push(await heldOutAccuracy(other, seed));
      expect(other.report.metrics.accuracy, `seed ${seed}`).toBeCloseTo(accuracies[accuracies.length - 1], 9);
    }
    const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
    expect(mean, `accuracies ${accuracies.join(", ")}`).toBeGreaterThanOrEqual(0.93);
    expect(Math.min(...accuracies)).toBeGreaterThanOrEqual(0.85);
  });

  it("serves the same outputs from onnxruntime-node and onnxruntime-web (≤ 1e-5) and decodes to class names", async () => {
    const schema = parseFeatureSchema(readMetadata(decodeModel(result.bytes)))!;
    expect(schema.classes).toEqual(["setosa", "versicolor", "virginica"]);
    const input = encodeRecords(schema, records);
    const node = await ortNode.InferenceSession.create(result.bytes);
    const web = await ortWeb.InferenceSession.create(result.bytes);
    const a = await node.run({ [schema.inputName]: new ortNode.Tensor("float32", input.data, [input.rows, input.cols]) });
    const b = await web.run({ [schema.inputName]: new ortWeb.Tensor("float32", input.data, [input.rows, input.cols]) });
    const pa = a.probabilities.data as Float32Array;
    const pb = b.probabilities.data as Float32Array;
    for (let i = 0; i < pa.length; i++) expect(Math.abs(pa[i] - pb[i])).toBeLessThanOrEqual(1e-5);
    expect(Array.from(a.label.data as BigInt64Array)).toEqual(Array.from(b.label.data as BigInt64Array));
    const answers = decodePredictions(schema, a as unknown as Parameters<typeof decodePredictions>[1]) as Array<{ label: string }>;
    const correct = answers.filter((answer, i) => answer.label === records[i].species).length;
    expect(correct / records.length).toBeGreaterThan(0.9);
  });

  it("is bit-identical for the same seed and data", async () => {
    const again = await trainFromRecords(records, { ...defaults, threads: 1 });
    expect(Buffer.from(again.bytes).equals(Buffer.from(result.bytes))).toBe(true);
    const other = await trainFromRecords(records, { ...defaults, seed: 2, threads: 1 });
    expect(Buffer.from(other.bytes).equals(Buffer.from(result.bytes))).toBe(false);
  });
});
