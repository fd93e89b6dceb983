/**
 * maas distill --teacher T.onnx --data D --target COL --out DIR [options] — train a small student
 * MLP on a teacher's softened outputs (training/compress/distill.ts). Without --hidden the student
 * has one hidden layer, the widest with at most a quarter of the teacher's parameters.
 */
import { join } from "node:path";
import { CliError, UsageError } from "../cli-error.ts";
import { parseCommandArgs } from "../cli/command.ts";
import { readRecords } from "../../training/data/read-records.ts";
import { ACTIVATIONS, type Activation } from "../../training/model/mlp.ts";
import { oneLine } from "../../training/compress/compare-models.ts";
import { distill, type DistillOptions } from "../../training/compress/distill.ts";
import { fileSize, formatBytes } from "../../training/compress/size-report.ts";
import { readModelFile } from "../cli/model-file.ts";
import { writeDirectory } from "../../training/util/output-dir.ts";
import { parseCount } from "../cli/compress-options.ts";
import { didYouMean } from "../../shared/did-you-mean.ts";

export const usage = `usage: maas distill --teacher T.onnx --data D --target COL --out DIR [options]
  --teacher T.onnx        the classifier to learn from (made by maas train, or any ONNX classifier)
  --data D                CSV/JSON/JSONL records with the target column
  --target COL            the class column
  --out DIR               writes DIR/model.onnx and DIR/distill.json
  --hidden 8,4            the student's hidden layers ("" for none). Default: one layer, the widest
                          whose student has at most a quarter of the teacher's parameters
  --temperature 4         softening of the teacher's probabilities
  --alpha 0.5             weight of the hard labels in the loss (1 - alpha: the teacher's)
  --epochs 150            --lr 0.01   --batch-size 32   --activation relu|tanh|sigmoid|gelu|identity
  --seed 1                --val 0.15  --test 0.2        --patience N (stop after N epochs without progress)
  --force                 replace DIR if it exists
  --json                  print the summary as JSON
  -h, --help              this usage`;

function positive(option: string, text: string, check: (n: number) => boolean): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || !check(n)) throw new CliError(`${option}: "${text}" is not a valid value`);
  return n;
}

/** What the command accepts (every one is in its usage). */
export const options = {
  teacher: { type: "string" },
  data: { type: "string" },
  target: { type: "string" },
  out: { type: "string" },
  hidden: { type: "string" },
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
  help: { type: "boolean", short: "h", default: false },
} as const;

export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, options);
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const missing = (["teacher", "data", "target", "out"] as const).filter((o) => !values[o]);
  if (missing.length) throw new UsageError(`${missing.map((o) => `--${o}`).join(", ")} ${missing.length > 1 ? "are" : "is"} required`);
  const hidden = values.hidden?.split(",").filter((h) => h.trim() !== "").map((h) => positive("--hidden", h, (n) => Number.isInteger(n) && n > 0));
  const activation = values.activation as Activation;
  if (!ACTIVATIONS.includes(activation)) throw new CliError(`--activation must be one of ${ACTIVATIONS.join(", ")} (got ${activation})${didYouMean(activation ?? "", ACTIVATIONS)}`);
  const settings: DistillOptions = {
    target: values.target!,
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

  const { bytes: teacherBytes, model: teacher } = readModelFile(values.teacher!);
  let records;
  try {
    records = await readRecords(values.data!);
  } catch (error) {
    throw new CliError(`cannot read ${values.data}: ${(error as Error).message}`);
  }
  let result;
  try {
    result = await distill(teacherBytes, teacher, records, settings);
  } catch (error) {
    throw new CliError(oneLine(error)); // TrainingInputError and the trainer's own checks name the problem
  }
  const teacherSize = fileSize(teacherBytes);
  const studentSize = fileSize(result.bytes);
  const summary = { command: "distill", teacher: values.teacher, out: values.out, options: { ...settings, hidden: result.report.hidden }, ...result.report, size: { teacher: teacherSize, student: studentSize } };
  await writeDirectory(values.out!, { "model.onnx": result.bytes, "distill.json": `${JSON.stringify(summary, null, 2)}\n` }, values.force);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const r = result.report;
  const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
  process.stdout.write([
    `distilled ${values.teacher} -> ${join(values.out!, "model.onnx")} (hidden ${r.hidden.join(",") || "none"}, T ${settings.temperature}, alpha ${settings.alpha}, ${r.epochs} epochs)`,
    ...(r.hiddenChosen ? [`student: ${r.hiddenChosen} (--hidden to choose)`] : []),
    `parameters: teacher ${r.teacherParameters} -> student ${r.studentParameters} (${r.parameterRatio.toFixed(3)}x)`,
    `size: ${formatBytes(teacherSize.bytes)} -> ${formatBytes(studentSize.bytes)}; gzip ${formatBytes(teacherSize.gzipBytes)} -> ${formatBytes(studentSize.gzipBytes)}`,
    `accuracy on ${r.rows} ${r.evaluatedOn} rows: teacher ${pct(r.teacherAccuracy)}, student ${pct(r.studentAccuracy)} (${((r.studentAccuracy - r.teacherAccuracy) * 100).toFixed(2)} points); agreement ${pct(r.agreement)}`,
    `teacher inputs: ${r.teacherInputs}`,
  ].join("\n") + "\n");
}
