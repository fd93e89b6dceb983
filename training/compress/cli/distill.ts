/**
 * maas distill --teacher T.onnx --data D --target COL --out DIR [--hidden 16] [--temperature 4]
 *   [--alpha 0.5] [--epochs 150] [--lr 0.01] [--batch-size 32] [--activation relu] [--seed 1]
 *   [--val 0.15] [--test 0.2] [--patience N] [--force] [--json]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CliError } from "../../../scripts/cli-error.ts";
import { readRecords } from "../../data/read-records.ts";
import { ACTIVATIONS, type Activation } from "../../model/mlp.ts";
import { oneLine } from "../compare-models.ts";
import { distill } from "../distill.ts";
import { fileSize, formatBytes } from "../size-report.ts";
import { readModelFile } from "./model-file.ts";
import { writeDirectory } from "../../util/output-dir.ts";
import { parseCount } from "./shared-options.ts";

function positive(option: string, text: string, check: (n: number) => boolean): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || !check(n)) throw new CliError(`${option}: "${text}" is not a valid value`);
  return n;
}

export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      teacher: { type: "string" },
      data: { type: "string" },
      target: { type: "string" },
      out: { type: "string" },
      hidden: { type: "string", default: "16" },
      temperature: { type: "string", default: "4" },
      alpha: { type: "string", default: "0.5" },
      epochs: { type: "string", default: "150" },
      lr: { type: "string", default: "0.01" },
      "batch-size": { type: "string", default: "32" },
      activation: { type: "string", default: "relu" },
      seed: { type: "string", default: "1" },
      val: { type: "string", default: "0.15" },
      test: { type: "string", default: "0.2" },
      patience: { type: "string" },
      force: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  if (positionals.length) throw new CliError(`unexpected argument ${positionals[0]}`);
  if (!values.teacher || !values.data || !values.target || !values.out) {
    throw new CliError("usage: maas distill --teacher T.onnx --data D --target COL --out DIR [--hidden 16] [--temperature 4] [--alpha 0.5]");
  }
  const hidden = values.hidden.split(",").filter((h) => h.trim() !== "").map((h) => positive("--hidden", h, (n) => Number.isInteger(n) && n > 0));
  const activation = values.activation as Activation;
  if (!ACTIVATIONS.includes(activation)) throw new CliError(`--activation must be one of ${ACTIVATIONS.join(", ")}`);
  const options = {
    target: values.target,
    hidden,
    activation,
    temperature: positive("--temperature", values.temperature, (n) => n > 0),
    alpha: positive("--alpha", values.alpha, (n) => n >= 0 && n <= 1),
    epochs: positive("--epochs", values.epochs, (n) => Number.isInteger(n) && n > 0),
    learningRate: positive("--lr", values.lr, (n) => n > 0),
    batchSize: positive("--batch-size", values["batch-size"], (n) => Number.isInteger(n) && n > 0),
    seed: parseCount("--seed", values.seed),
    validationFraction: positive("--val", values.val, (n) => n >= 0 && n < 1),
    testFraction: positive("--test", values.test, (n) => n >= 0 && n < 1),
    patience: values.patience === undefined ? undefined : parseCount("--patience", values.patience),
  };

  const { bytes: teacherBytes, model: teacher } = readModelFile(values.teacher);
  let records;
  try {
    records = await readRecords(values.data);
  } catch (error) {
    throw new CliError(`cannot read ${values.data}: ${(error as Error).message}`);
  }
  let result;
  try {
    result = await distill(teacherBytes, teacher, records, options);
  } catch (error) {
    throw new CliError(oneLine(error)); // TrainingInputError and the trainer's own checks name the problem
  }
  const teacherSize = fileSize(teacherBytes);
  const studentSize = fileSize(result.bytes);
  const summary = { command: "distill", teacher: values.teacher, out: values.out, options, ...result.report, size: { teacher: teacherSize, student: studentSize } };
  await writeDirectory(values.out, { "model.onnx": result.bytes, "distill.json": `${JSON.stringify(summary, null, 2)}\n` }, values.force);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const r = result.report;
  const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
  process.stdout.write([
    `distilled ${values.teacher} -> ${join(values.out, "model.onnx")} (hidden ${hidden.join(",") || "none"}, T ${options.temperature}, alpha ${options.alpha}, ${r.epochs} epochs)`,
    `parameters: teacher ${r.teacherParameters} -> student ${r.studentParameters} (${r.parameterRatio.toFixed(3)}x)`,
    `size: ${formatBytes(teacherSize.bytes)} -> ${formatBytes(studentSize.bytes)}; gzip ${formatBytes(teacherSize.gzipBytes)} -> ${formatBytes(studentSize.gzipBytes)}`,
    `accuracy on ${r.rows} ${r.evaluatedOn} rows: teacher ${pct(r.teacherAccuracy)}, student ${pct(r.studentAccuracy)} (${((r.studentAccuracy - r.teacherAccuracy) * 100).toFixed(2)} points); agreement ${pct(r.agreement)}`,
    `teacher inputs: ${r.teacherInputs}`,
  ].join("\n") + "\n");
}
