/**
 * Accuracy (classification) or R² (regression) of a model made by our trainer on labelled records,
 * using its feature schema (maas.schema metadata) to encode the records and read the outputs.
 */
import { encodeRecords, parseFeatureSchema, type FeatureSchema } from "../../functions/registry/feature-schema.ts";
import { readMetadata, type ModelProto } from "../onnx/model-io.ts";
import type { Engine, Feeds, Outputs } from "./run-model.ts";
import { runOnce } from "./run-model.ts";

export interface Evaluation {
  metric: "accuracy" | "r2";
  value: number;
  rows: number;
}

export function requireSchema(model: ModelProto, why: string): FeatureSchema {
  const schema = parseFeatureSchema(readMetadata(model));
  if (!schema) throw new Error(`${why} needs a model made by maas train (it has no maas.schema metadata)`);
  return schema;
}

export function schemaFeeds(schema: FeatureSchema, records: unknown[]): Feeds {
  const { data, rows, cols } = encodeRecords(schema, records);
  return { [schema.inputName]: { type: "float32", dims: [rows, cols], data } };
}

export function scoreOutputs(schema: FeatureSchema, outputs: Outputs, records: Record<string, unknown>[], target: string): Evaluation {
  const rows = records.length;
  if (schema.task === "classification") {
    const labels = outputs[schema.outputs.label!];
    const classes = schema.classes!;
    let correct = 0;
    let counted = 0;
    for (let r = 0; r < rows; r++) {
      const truth = records[r][target];
      if (truth === undefined || truth === null || String(truth).trim() === "") continue;
      counted += 1;
      if (classes[Number(labels.data[r])] === String(truth).trim()) correct += 1;
    }
    if (counted === 0) throw new Error(`no record has a value in the target column "${target}"`);
    return { metric: "accuracy", value: correct / counted, rows: counted };
  }
  const prediction = outputs[schema.outputs.prediction!];
  const truth: number[] = [];
  const predicted: number[] = [];
  for (let r = 0; r < rows; r++) {
    const value = Number(records[r][target]);
    if (!Number.isFinite(value)) continue;
    truth.push(value);
    predicted.push(Number(prediction.data[r]));
  }
  if (truth.length === 0) throw new Error(`no record has a numeric value in the target column "${target}"`);
  const mean = truth.reduce((a, b) => a + b, 0) / truth.length;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < truth.length; i++) {
    residual += (truth[i] - predicted[i]) ** 2;
    total += (truth[i] - mean) ** 2;
  }
  return { metric: "r2", value: total === 0 ? 0 : 1 - residual / total, rows: truth.length };
}

export async function evaluateModel(
  engine: Engine, bytes: Uint8Array, schema: FeatureSchema, records: Record<string, unknown>[], target: string,
): Promise<Evaluation> {
  if (!records.some((r) => target in r)) throw new Error(`the data has no column "${target}"`);
  const outputs = await runOnce(engine, bytes, schemaFeeds(schema, records));
  return scoreOutputs(schema, outputs, records, target);
}
