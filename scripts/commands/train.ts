/**
 * `maas train [FILE] --target COL [options]` — train an MLP on a CSV/JSON/JSONL file and write
 * OUT/model.onnx, OUT/report.json and OUT/report.html. Without FILE it trains the bundled Iris data.
 */
import { CliError, UsageError } from "../cli-error.ts";
import { parseCommandArgs } from "../cli/command.ts";
import { TrainingInputError } from "../../training/data/errors.ts";
import { parseByteSize } from "../../training/data/byte-size.ts";
import { ACTIVATIONS, LOSSES, type Activation, type LossKind } from "../../training/model/mlp.ts";
import { OPTIMIZERS, type OptimizerSpec } from "../../training/model/optimizer.ts";
import { SCHEDULES, type Schedule } from "../../training/model/schedule.ts";
import { trainFromFile, type FileOptions, type PipelineOptions } from "../../training/pipeline.ts";
import { DEFAULT_DATASET } from "../../training/data/default-dataset.ts";
import { writeOutputDir } from "../../training/util/write-output.ts";
import { progressReporter } from "../cli/progress.ts";
import { didYouMean } from "../../shared/did-you-mean.ts";

export const usage = `usage: maas train [FILE] --target COL [options]   (no FILE: the bundled Iris data)
  --target COL[,COL]     target column(s)          --features A,B   only these columns
  --ignore A,B           drop these columns        --task classification|regression
  --hidden 16            hidden layer sizes ("" for none)
  --activation relu|tanh|sigmoid|gelu|identity
  --loss mse|softmax-ce|bce  --optimizer sgd|adam|adamw  --lr 0.003  --momentum 0.9
  --weight-decay 0.01    --schedule constant|cosine|step  --epochs 150  --batch-size 32
  --patience 20          --clip-norm N  --seed 1  --val 0.15  --test 0.2  --no-standardize
  --threads N            --out DIR (default out/model)  --force  --json
  FILE: CSV (header row), JSON (array of objects), JSONL/NDJSON or Parquet
  --limit N              the first N rows only
  --sample N             N rows at random (seeded)
  --strict               stop at a non-number in a numeric column (default: treat it as missing)
  --max-memory 512MB     past this, encoded rows go to an on-disk cache read back in shuffled chunks
  -h, --help             this usage`;

function choice<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new CliError(`--${name} must be one of ${allowed.join(", ")} (got "${value}")${didYouMean(value, allowed)}`);
  return value as T;
}

function number(name: string, value: string, check: (n: number) => boolean = Number.isFinite): number {
  const n = Number(value);
  if (value.trim() === "" || !check(n)) throw new CliError(`--${name}: "${value}" is not a valid value`);
  return n;
}

function list(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(",").map((s) => s.trim()).filter(Boolean);
}

/** What `maas train` accepts (every one is in its usage). */
const trainOptions = {
  target: { type: "string" },
  features: { type: "string" },
  ignore: { type: "string" },
  task: { type: "string" },
  hidden: { type: "string", default: "16" },
  activation: { type: "string", default: "relu" },
  loss: { type: "string" },
  optimizer: { type: "string", default: "adam" },
  lr: { type: "string", default: "0.003" },
  momentum: { type: "string", default: "0.9" },
  "weight-decay": { type: "string", default: "0.01" },
  schedule: { type: "string", default: "constant" },
  epochs: { type: "string", default: "150" },
  "batch-size": { type: "string", default: "32" },
  patience: { type: "string", default: "20" },
  "clip-norm": { type: "string" },
  seed: { type: "string", default: "1" },
  val: { type: "string", default: "0.15" },
  test: { type: "string", default: "0.2" },
  "no-standardize": { type: "boolean", default: false },
  threads: { type: "string" },
  out: { type: "string", default: "out/model" },
  force: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  limit: { type: "string" },
  sample: { type: "string" },
  strict: { type: "boolean", default: false },
  "max-memory": { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;
export { trainOptions as options };

export function parseTrainArgs(args: string[]) {
  const { values, positionals } = parseCommandArgs(args, trainOptions);
  if (positionals.length > 1) throw new UsageError(`expected one data file, got ${positionals.length}`);
  const file = positionals[0] ?? DEFAULT_DATASET.path;
  const target = values.target ?? (positionals[0] ? undefined : DEFAULT_DATASET.target);
  if (!target) throw new UsageError("--target COL is required");
  const kind = choice("optimizer", values.optimizer, OPTIMIZERS);
  const optimizer: OptimizerSpec =
    kind === "sgd"
      ? { kind, momentum: number("momentum", values.momentum, (n) => n >= 0 && n < 1) }
      : kind === "adam"
        ? { kind, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }
        : { kind, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: number("weight-decay", values["weight-decay"], (n) => n >= 0) };
  const fraction = (n: number) => n >= 0 && n < 1;
  const options: PipelineOptions = {
    targets: list(target)!,
    features: list(values.features),
    ignore: list(values.ignore),
    task: values.task === undefined ? undefined : choice("task", values.task, ["classification", "regression"] as const),
    hidden: (list(values.hidden) ?? []).map((h) => number("hidden", h, (n) => Number.isInteger(n) && n > 0)),
    activation: choice<Activation>("activation", values.activation, ACTIVATIONS),
    loss: values.loss === undefined ? undefined : choice<LossKind>("loss", values.loss, LOSSES),
    optimizer,
    learningRate: number("lr", values.lr, (n) => n > 0),
    schedule: choice<Schedule>("schedule", values.schedule, SCHEDULES),
    epochs: number("epochs", values.epochs, (n) => Number.isInteger(n) && n > 0),
    batchSize: number("batch-size", values["batch-size"], (n) => Number.isInteger(n) && n > 0),
    seed: number("seed", values.seed, Number.isInteger),
    patience: number("patience", values.patience, (n) => Number.isInteger(n) && n >= 0) || undefined,
    clipNorm: values["clip-norm"] === undefined ? undefined : number("clip-norm", values["clip-norm"], (n) => n > 0),
    validationFraction: number("val", values.val, fraction),
    testFraction: number("test", values.test, fraction),
    standardize: !values["no-standardize"],
    threads: values.threads === undefined ? undefined : number("threads", values.threads, (n) => Number.isInteger(n) && n > 0),
  };
  if (options.validationFraction + options.testFraction >= 1) throw new CliError("--val + --test must leave rows to train on");
  const count = (name: string, value: string | undefined) => (value === undefined ? undefined : number(name, value, (n) => Number.isInteger(n) && n > 0));
  const maxMemory = values["max-memory"] === undefined ? undefined : parseByteSize(values["max-memory"]);
  if (values["max-memory"] !== undefined && maxMemory === undefined) throw new UsageError(`--max-memory: "${values["max-memory"]}" is not a size (e.g. 512MB, 2GB)`);
  if (values.limit !== undefined && values.sample !== undefined) throw new UsageError("--limit and --sample do not go together");
  const fileOptions: FileOptions = { limit: count("limit", values.limit), sample: count("sample", values.sample), strict: values.strict, maxMemory };
  return { file, options, fileOptions, out: values.out, force: values.force, json: values.json };
}

export async function main(args: string[]): Promise<void> {
  const parsed = parseTrainArgs(args);
  const progress = parsed.json ? undefined : progressReporter(parsed.options.epochs);
  try {
    const result = await trainFromFile(
      parsed.file,
      { ...parsed.options, onEpoch: progress?.update, onBatch: progress?.batch },
      { ...parsed.fileOptions, onRead: progress?.read },
    );
    progress?.stop();
    await writeOutputDir(parsed.out, result, parsed.force);
    const r = result.report;
    if (parsed.json) process.stdout.write(`${JSON.stringify({ out: parsed.out, ...r })}\n`);
    else {
      const metrics = Object.entries(r.metrics)
        .filter(([, v]) => typeof v === "number")
        .map(([k, v]) => `${k} ${(v as number).toFixed(4)}`)
        .join(", ");
      const missing = r.features.filter((f) => f.missing > 0).map((f) => `${f.name}: ${f.missing}`);
      const bad = r.features.filter((f) => f.badValues).map((f) => `${f.name}: ${f.badValues}`);
      for (const b of r.data.badValues ?? []) process.stderr.write(`warning: ${b.at}, column "${b.column}": ${JSON.stringify(b.value)} is not a number; treated as missing\n`);
      const total = r.features.reduce((n, f) => n + (f.badValues ?? 0), 0);
      if (total > (r.data.badValues?.length ?? 0)) process.stderr.write(`warning: ${total - r.data.badValues!.length} more non-numbers in numeric columns (${bad.join(", ")}); use --strict to stop at the first\n`);
      process.stdout.write(
        `${r.task} of "${r.target}" on ${r.data.train}/${r.data.validation}/${r.data.test} train/validation/test rows` +
          (r.data.droppedRows ? ` (${r.data.droppedRows} rows without a target dropped)` : "") +
          (missing.length ? `\nmissing values imputed with the training mean — ${missing.join(", ")}` : "") +
          `\n${r.evaluatedOn} metrics: ${metrics}\nwrote ${parsed.out}/model.onnx, report.json, report.html\n`,
      );
    }
  } catch (error) {
    progress?.stop();
    if (error instanceof TrainingInputError) throw new CliError(error.message);
    throw error;
  }
}
