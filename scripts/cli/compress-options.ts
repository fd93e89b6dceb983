/** Option parsing and the --eval step shared by the compression commands. */
import { CliError } from "../cli-error.ts";
import type { ModelProto } from "../../training/onnx/model-io.ts";
import { evaluateModel, requireSchema, type Evaluation } from "../../training/compress/evaluate.ts";
import { readRecords } from "../../training/compress/records.ts";
import { evaluationLines } from "../../training/compress/summary-text.ts";

export function parseCount(option: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new CliError(`${option} must be a non-negative integer (got ${text})`);
  return value;
}

export interface EvalSummary {
  before: Evaluation;
  after: Evaluation;
  lines: string[];
}

/** Accuracy or R² of the source and the compressed model on labelled data (both in onnxruntime-node). */
export async function evaluateBeforeAfter(
  model: ModelProto, source: Uint8Array, compressed: Uint8Array, dataPath: string, target: string,
): Promise<EvalSummary> {
  const schema = requireSchema(model, "--eval");
  const records = readRecords(dataPath);
  const before = await evaluateModel("node", source, schema, records, target);
  const after = await evaluateModel("node", compressed, schema, records, target);
  return { before, after, lines: evaluationLines(before, after) };
}
