/**
 * The design document's reference example, reproduced exactly: Linear(10,20) → Linear(20,10) with
 * no activation in between, MSE against the input, Adam lr 0.001, 10,000 × 10 standard-normal
 * rows, 100 full-batch steps. Exported like any `maas train` model (features x0..x9, targets
 * y0..y9 = the inputs), so the Worker can serve it.
 *
 *   node examples/reference-example.ts [--out out/reference] [--seed 0]
 */
import { parseArgs } from "node:util";
import type { DataRecord } from "../training/data/read-records.ts";
import type { PipelineOptions } from "../training/pipeline.ts";
import { Rng } from "../training/util/rng.ts";

export const REFERENCE = { rows: 10_000, width: 10, hidden: 20, steps: 100, learningRate: 0.001 } as const;

/** rows × width standard-normal values (float32), row-major. */
export function referenceData(rows: number, width: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: rows * width }, () => rng.normal());
}

export function referenceRecords(data: Float32Array, width: number): DataRecord[] {
  const records: DataRecord[] = [];
  for (let r = 0; r < data.length / width; r++) {
    const record: DataRecord = {};
    for (let c = 0; c < width; c++) record[`x${c}`] = data[r * width + c];
    for (let c = 0; c < width; c++) record[`y${c}`] = data[r * width + c];
    records.push(record);
  }
  return records;
}

export function referenceOptions(seed: number): PipelineOptions {
  return {
    targets: Array.from({ length: REFERENCE.width }, (_, c) => `y${c}`),
    task: "regression",
    hidden: [REFERENCE.hidden],
    activation: "identity",
    loss: "mse",
    optimizer: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    learningRate: REFERENCE.learningRate,
    epochs: REFERENCE.steps,
    batchSize: REFERENCE.rows,
    seed,
    validationFraction: 0,
    testFraction: 0,
    standardize: false,
    shuffle: false,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: "string", default: "out/reference" }, seed: { type: "string", default: "0" }, force: { type: "boolean", default: true } } });
  const { trainFromRecords } = await import("../training/pipeline.ts");
  const { writeOutputDir } = await import("../training/util/write-output.ts");
  const seed = Number(values.seed);
  const records = referenceRecords(referenceData(REFERENCE.rows, REFERENCE.width, seed), REFERENCE.width);
  const result = await trainFromRecords(records, referenceOptions(seed));
  await writeOutputDir(values.out, result, values.force);
  const losses = result.report.history.map((h) => h.trainLoss);
  process.stdout.write(`loss step 1 ${losses[0].toFixed(6)} → step ${losses.length} ${losses.at(-1)!.toFixed(6)}; wrote ${values.out}/model.onnx\n`);
}
