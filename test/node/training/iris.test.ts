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
import { decodeModel, readMetadata } from "../../../training/onnx/model-io.ts";
import { parseTrainArgs } from "../../../scripts/commands/train.ts";
import { trainFromRecords, type PipelineResult } from "../../../training/pipeline.ts";

const records = parseRecords(readFileSync(DEFAULT_DATASET.path, "utf8"), "csv");
const defaults = parseTrainArgs([]).options;

describe("Iris with the CLI defaults", () => {
  let result: PipelineResult;
  beforeAll(async () => {
    result = await trainFromRecords(records, { ...defaults, threads: 1 });
  });

  it("reaches Iris's known test accuracy (≥ 0.93, averaged over five split seeds)", async () => {
    const accuracies = [result.report.metrics.accuracy!];
    for (const seed of [3, 5, 7, 42]) accuracies.push((await trainFromRecords(records, { ...defaults, seed, threads: 1 })).report.metrics.accuracy!);
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
