/**
 * Records with a categorical string column, numeric strings and missing values (absent, "", "NA",
 * null) through `trainFromRecords`: the report counts the missing values; the exported model, run
 * with onnxruntime-node on `encodeRecords` of raw records, imputes a missing numeric value with the
 * training-split mean (computed here, independently, from the training rows) and encodes an
 * unknown category as all-zero one-hot columns.
 */
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeRecords } from "../../../functions/registry/feature-schema.ts";
import { trainFromRecords, type PipelineOptions, type PipelineResult } from "../../../training/pipeline.ts";
import { splitRows } from "../../../training/data/split.ts";

type Row = Record<string, unknown>;

const MISSING_SPELLINGS = ["", "NA", null, undefined] as const;

/** 60 rows; `size` is numeric strings with gaps, `color` a category with gaps, `weight` numbers. */
function dataset(): Row[] {
  const colors = ["red", "green", "blue"];
  const rows: Row[] = [];
  for (let i = 0; i < 60; i++) {
    const size = ((i * 37) % 23) / 4 - 2; // -2 .. 3.5
    const weight = ((i * 11) % 13) - 6;
    const color = colors[i % 3];
    const row: Row = { size: String(size), color, weight, label: size + (color === "red" ? 1 : 0) > 0.5 ? "big" : "small" };
    if (i % 7 === 3) {
      const spelling = MISSING_SPELLINGS[(i / 7) % MISSING_SPELLINGS.length | 0];
      if (spelling === undefined) delete row.size;
      else row.size = spelling;
    }
    if (i % 11 === 5) row.color = i % 2 ? "NA" : "";
    if (i % 13 === 8) row.weight = null;
    rows.push(row);
  }
  // a row without a target is dropped (and must not count towards the missing values)
  rows.push({ size: "NA", color: "", weight: null, label: "" });
  return rows;
}

const isMissingHere = (v: unknown) => v === undefined || v === null || v === "" || v === "NA";

const options: PipelineOptions = {
  targets: ["label"],
  hidden: [6],
  activation: "tanh",
  optimizer: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  learningRate: 0.05,
  epochs: 5,
  batchSize: 8,
  seed: 3,
  validationFraction: 0.2,
  testFraction: 0.2,
  threads: 1,
};

describe("missing values and categories through trainFromRecords", () => {
  const records = dataset();
  const kept = records.filter((r) => !isMissingHere(r.label));
  let result: PipelineResult;
  let session: ort.InferenceSession;
  const run = async (rows: Row[]) => {
    const { data, rows: n, cols } = encodeRecords(result.schema, rows);
    const out = await session.run({ [result.schema.inputName]: new ort.Tensor("float32", data, [n, cols]) });
    return Array.from(out[result.schema.outputs.probabilities!].data as Float32Array);
  };

  beforeAll(async () => {
    result = await trainFromRecords(records, options);
    session = await ort.InferenceSession.create(result.bytes);
  });
  afterAll(() => session?.release());

  it("infers the schema and counts the missing values of the kept rows", () => {
    const { report, schema } = result;
    expect(report.data.rows).toBe(records.length);
    expect(report.data.droppedRows).toBe(1);
    const expectedMissing = (name: string) => kept.filter((r) => isMissingHere(r[name])).length;
    // Each feature says how many rows lacked it: the Worker imputes only those (record contract).
    expect(schema.features).toEqual([
      { name: "size", kind: "numeric", missing: expectedMissing("size") },
      { name: "color", kind: "categorical", categories: ["blue", "green", "red"], missing: expectedMissing("color") },
      { name: "weight", kind: "numeric", missing: expectedMissing("weight") },
    ]);
    for (const name of ["size", "color", "weight"]) {
      expect(expectedMissing(name), name).toBeGreaterThan(0);
      expect(report.features.find((f) => f.name === name)?.missing, name).toBe(expectedMissing(name));
    }
  });

  it("imputes a missing numeric value with the training-split mean", async () => {
    const { report } = result;
    expect(report.data.train + report.data.validation + report.data.test).toBe(kept.length);
    // The training rows: the split is reproduced from the seed (its sizes are checked against the
    // report); the means themselves are computed here from the raw strings, in float64.
    const classes = result.schema.classes!;
    const labels = kept.map((r) => classes.indexOf(String(r.label)));
    const split = splitRows(kept.length, { validation: options.validationFraction, test: options.testFraction }, options.seed, labels);
    expect([split.train.length, split.validation.length, split.test.length]).toEqual([report.data.train, report.data.validation, report.data.test]);
    const meanOf = (name: string, indices: number[]) => {
      const values = indices.map((i) => kept[i][name]).filter((v) => !isMissingHere(v)).map(Number);
      return values.reduce((a, b) => a + b, 0) / values.length;
    };
    const all = kept.map((_, i) => i);
    for (const name of ["size", "weight"]) {
      const trainMean = meanOf(name, split.train);
      // the check can tell the training mean from the mean of every row
      expect(Math.abs(trainMean - meanOf(name, all)), name).toBeGreaterThan(1e-3);
      const base: Row = { size: "0.75", color: "green", weight: 2 };
      for (const spelling of MISSING_SPELLINGS) {
        const missing = { ...base, [name]: spelling };
        if (spelling === undefined) delete missing[name];
        const [imputed, filled, other] = [await run([missing]), await run([{ ...base, [name]: trainMean }]), await run([{ ...base, [name]: trainMean + 1 }])];
        imputed.forEach((p, k) => expect(Math.abs(p - filled[k]), `${name}=${JSON.stringify(spelling)}: ${imputed} vs ${filled}`).toBeLessThan(1e-6));
        // and the feature matters to the model, so a wrong fill value would show
        expect(Math.max(...imputed.map((p, k) => Math.abs(p - other[k]))), name).toBeGreaterThan(1e-4);
      }
    }
  });

  it("encodes an unknown category as all-zero one-hot columns, like a missing one", async () => {
    const base: Row = { size: "1.5", weight: -1 };
    const unknown = encodeRecords(result.schema, [{ ...base, color: "purple" }]);
    // columns: size, blue, green, red, weight
    expect(Array.from(unknown.data)).toEqual([1.5, 0, 0, 0, -1]);
    const [purple, absent, na, red] = [await run([{ ...base, color: "purple" }]), await run([base]), await run([{ ...base, color: "NA" }]), await run([{ ...base, color: "red" }])];
    expect(purple).toEqual(absent);
    expect(purple).toEqual(na);
    expect(Math.max(...purple.map((p, k) => Math.abs(p - red[k])))).toBeGreaterThan(1e-4);
    // numeric strings and numbers encode alike
    expect(await run([{ size: 1.5, weight: "-1", color: "red" }])).toEqual(red);
  });
});
