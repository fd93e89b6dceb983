/**
 * Data → trained, exported model and its report. `trainFromFile` (the path `maas train` takes:
 * DuckDB, rows never become objects) and `trainFromRecords` (records in memory, encoded with the
 * Worker's `encodeRecords`) both produce EncodedData — the schema, the rows placed by the split,
 * the training split's statistics — and `trainEncoded` trains on it, exports, and measures the
 * exported model on the test split with onnxruntime-node (so the metrics are those of the file
 * that will be served).
 */
import type { FeatureSchema } from "../functions/registry/feature-schema.ts";
import type { BadValue, EncodedData } from "./data/encoded-data.ts";
import { encodeInMemory } from "./data/encode-records.ts";
import { encodeFile } from "./data/file/encode-file.ts";
import { TrainingInputError } from "./data/errors.ts";
import type { ColumnReport, SchemaRequest } from "./data/infer-schema.ts";
import type { DataRecord } from "./data/read-records.ts";
import { TEST, TRAIN, VALIDATION, type Part } from "./data/split.ts";
import { partChunks, trainingBatches } from "./data/training-rows.ts";
import { buildInferenceModel, METRICS_KEY } from "./export/inference-graph.ts";
import type { Activation, LossKind } from "./model/mlp.ts";
import type { OptimizerSpec } from "./model/optimizer.ts";
import { floatFeed } from "./model/ort-session.ts";
import type { Schedule } from "./model/schedule.ts";
import { encodeModel, type ModelProto } from "./onnx/model-io.ts";
import { classificationMetrics, regressionMetrics, type ClassificationMetrics, type RegressionMetrics } from "./report/metrics.ts";
import { train, type EpochRecord, type TrainOptions } from "./train.ts";

/** The trainer's own options (see TrainOptions), minus the data, which the pipeline prepares. */
type TrainerSettings = Pick<
  TrainOptions,
  "hidden" | "activation" | "optimizer" | "learningRate" | "schedule" | "epochs" | "batchSize" | "seed" | "shuffle" | "patience" | "clipNorm" | "threads" | "onEpoch" | "onBatch"
>;

export interface PipelineOptions extends SchemaRequest, TrainerSettings {
  /** Default: softmax-ce for classification, mse for regression. */
  loss?: LossKind;
  validationFraction: number;
  testFraction: number;
  /** Standardise inputs and regression targets (default true). */
  standardize?: boolean;
}

export interface TrainingReport {
  task: FeatureSchema["task"];
  target: string;
  classes?: string[];
  features: ColumnReport[];
  data: {
    rows: number;
    droppedRows: number;
    train: number;
    validation: number;
    test: number;
    /** The first few non-numbers found in numeric columns (each column's total is in features[].badValues). */
    badValues?: BadValue[];
    /** "disk" when the encoded rows were streamed from the on-disk cache (past --max-memory). */
    storage?: "disk";
  };
  model: { sizes: number[]; activation: Activation; loss: LossKind; optimizer: OptimizerSpec; learningRate: number; schedule: Schedule; batchSize: number; epochs: number; seed: number };
  /** Metrics of the exported model on the test split (the training split when the test split is empty). */
  evaluatedOn: "test" | "train";
  metrics: Partial<ClassificationMetrics & RegressionMetrics>;
  history: EpochRecord[];
  bestEpoch: number;
  stoppedEarly: boolean;
  samplesPerSecond: number;
  seconds: number;
}

export interface PipelineResult {
  model: ModelProto;
  bytes: Uint8Array;
  schema: FeatureSchema;
  report: TrainingReport;
}

/** Epochs of the loss curve kept in the model's metadata. */
const CURVE_POINTS = 50;
/**
 * Significant digits of each loss kept there: within 0.05% of the value, far below what a chart
 * shows (its axis labels have 3 digits, its plot is a few hundred pixels tall). The full-precision
 * history stays in the trainer's report.json.
 */
const CURVE_DIGITS = 4;

/** The exported model's answers on a part's raw rows, chunk by chunk. */
async function evaluatePart(bytes: Uint8Array, data: EncodedData, part: Part, loss: LossKind): Promise<TrainingReport["metrics"]> {
  const { schema } = data;
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(bytes);
  const chunks = partChunks(data, part, loss, false);
  const rows = chunks.rows;
  const classes = schema.classes?.length ?? 0;
  const targetCols = data.targets ? data.targets.length / (data.sizes[0] + data.sizes[1] + data.sizes[2]) : 0;
  const predicted = new Array<number>(classes ? rows : 0);
  const probabilities = new Float32Array(rows * classes);
  const predictions = new Float32Array(classes ? 0 : rows * targetCols);
  let done = 0;
  try {
    for await (const chunk of chunks.chunks()) {
      const out = await session.run({ [schema.inputName]: floatFeed(chunk.x, [chunk.count, schema.inputWidth]) });
      if (classes) {
        const labels = out[schema.outputs.label!].data as BigInt64Array;
        for (let k = 0; k < chunk.count; k++) predicted[done + k] = Number(labels[k]);
        probabilities.set(out[schema.outputs.probabilities!].data as Float32Array, done * classes);
      } else predictions.set(out[schema.outputs.prediction!].data as Float32Array, done * targetCols);
      done += chunk.count;
    }
  } finally {
    await session.release();
  }
  if (classes) return classificationMetrics(Array.from(data.labels!.subarray(chunks.start, chunks.start + rows)), predicted, probabilities, classes);
  return regressionMetrics(data.targets!.subarray(chunks.start * targetCols, (chunks.start + rows) * targetCols), predictions, targetCols);
}

export function chooseLoss(schema: FeatureSchema, requested: LossKind | undefined): LossKind {
  const loss: LossKind = requested ?? (schema.task === "classification" ? "softmax-ce" : "mse");
  if (schema.task === "classification" && loss === "mse") throw new TrainingInputError("classification needs --loss softmax-ce or bce");
  if (schema.task === "regression" && loss !== "mse") throw new TrainingInputError("regression needs --loss mse");
  if (loss === "bce" && schema.classes!.length !== 2) throw new TrainingInputError(`bce needs two classes, the target has ${schema.classes!.length}`);
  return loss;
}

export function encodeSettings(options: PipelineOptions) {
  return { fractions: { validation: options.validationFraction, test: options.testFraction }, seed: options.seed, standardize: options.standardize ?? true };
}

/** What `maas train FILE` adds to the pipeline options: which rows, the bad-value policy, the memory budget. */
export interface FileOptions {
  /** The first N data rows only. */
  limit?: number;
  /** N data rows chosen at random for the seed. */
  sample?: number;
  /** Stop at the first non-number in a numeric column (default: treat it as missing, count it). */
  strict?: boolean;
  /** Bytes the encoded rows may take in memory; past about half of it they go to an on-disk cache. */
  maxMemory?: number;
  onRead?: (rows: number, totalRows: number) => void;
}

/** A CSV, JSON, JSONL/NDJSON or Parquet file → trained, exported model and its report (rows never become objects). */
export async function trainFromFile(path: string, options: PipelineOptions, file: FileOptions = {}): Promise<PipelineResult> {
  const started = performance.now();
  const settings = encodeSettings(options);
  const data = await encodeFile(path, {
    request: options,
    ...settings,
    selection: { limit: file.limit, sample: file.sample, seed: options.seed },
    strict: file.strict ?? false,
    memoryBudget: file.maxMemory,
    onRead: file.onRead,
  });
  return trainEncoded(data, options, started);
}

export async function trainFromRecords(allRecords: DataRecord[], options: PipelineOptions): Promise<PipelineResult> {
  const started = performance.now();
  const data = encodeInMemory(allRecords, options, encodeSettings(options));
  return trainEncoded(data, options, started);
}

/** Trains on encoded data (from records or from a file), exports, evaluates and reports. Closes the store. */
export async function trainEncoded(data: EncodedData, options: PipelineOptions, started = performance.now()): Promise<PipelineResult> {
  try {
    return await trainAndReport(data, options, started);
  } finally {
    await data.store.close();
  }
}

/** The schema as exported: each feature that some rows lacked (or held a non-number, read as
 * missing) says how many. The Worker imputes a missing feature only where training saw it missing
 * (functions/registry/feature-schema.ts); elsewhere an absent field is the caller's mistake. */
function withMissingCounts(schema: FeatureSchema, columns: ColumnReport[]): FeatureSchema {
  const lacking = new Map(columns.map((c) => [c.name, c.missing + (c.badValues ?? 0)]));
  return { ...schema, features: schema.features.map((f) => ((lacking.get(f.name) ?? 0) > 0 ? { ...f, missing: lacking.get(f.name)! } : f)) };
}

async function trainAndReport(data: EncodedData, options: PipelineOptions, started: number): Promise<PipelineResult> {
  const { columns, droppedRows, preprocessing, targetScaling } = data;
  const schema = withMissingCounts(data.schema, columns);
  const loss = chooseLoss(schema, options.loss);
  const [trainRows, validationRows, testRows] = data.sizes;
  if (trainRows === 0) throw new TrainingInputError(`too few rows (${trainRows + validationRows + testRows}) to train`);

  const result = await train({
    source: trainingBatches(data, loss),
    validation: validationRows ? partChunks(data, VALIDATION, loss, true) : undefined,
    hidden: options.hidden,
    activation: options.activation,
    loss,
    optimizer: options.optimizer,
    learningRate: options.learningRate,
    schedule: options.schedule,
    epochs: options.epochs,
    batchSize: options.batchSize,
    seed: options.seed,
    patience: options.patience,
    shuffle: options.shuffle,
    clipNorm: options.clipNorm,
    threads: options.threads,
    onEpoch: options.onEpoch,
    onBatch: options.onBatch,
  });

  const modelSpec = { schema, weights: result.weights, activation: options.activation, loss, preprocessing, targetScaling };
  const evaluatedOn = testRows ? "test" : "train";
  const metrics = await evaluatePart(encodeModel(buildInferenceModel(modelSpec)), data, testRows ? TEST : TRAIN, loss);
  const scalarMetrics = Object.fromEntries(Object.entries(metrics).filter(([, v]) => typeof v === "number"));
  // At most CURVE_POINTS epochs (evenly spaced, the last one kept), rounded: the curves are for
  // looking at, and the metadata must stay small next to the weights of a compressed model.
  const step = Math.max(1, Math.ceil(result.history.length / CURVE_POINTS));
  const curve = result.history.filter((_, i) => i % step === 0 || i === result.history.length - 1);
  const summary = {
    history: curve.map((e) => ({
      epoch: e.epoch,
      trainLoss: Number(e.trainLoss.toPrecision(CURVE_DIGITS)),
      ...(e.validationLoss === undefined ? {} : { validationLoss: Number(e.validationLoss.toPrecision(CURVE_DIGITS)) }),
    })),
    ...("confusion" in metrics && metrics.confusion ? { confusion: metrics.confusion } : {}),
  };
  const model = buildInferenceModel({ ...modelSpec, summary, metadata: { [METRICS_KEY]: JSON.stringify({ evaluatedOn, ...scalarMetrics }) } });

  const report: TrainingReport = {
    task: schema.task,
    target: schema.target,
    ...(schema.classes ? { classes: schema.classes } : {}),
    features: columns,
    data: {
      rows: data.rowsRead,
      droppedRows,
      train: trainRows,
      validation: validationRows,
      test: testRows,
      ...(data.badValues.length ? { badValues: data.badValues } : {}),
      ...(data.store.kind === "disk" ? { storage: "disk" as const } : {}),
    },
    model: {
      sizes: result.weights.sizes,
      activation: options.activation,
      loss,
      optimizer: options.optimizer,
      learningRate: options.learningRate,
      schedule: options.schedule ?? "constant",
      batchSize: options.batchSize,
      epochs: options.epochs,
      seed: options.seed,
    },
    evaluatedOn,
    metrics,
    history: result.history,
    bestEpoch: result.bestEpoch,
    stoppedEarly: result.stoppedEarly,
    samplesPerSecond: result.samplesPerSecond,
    seconds: (performance.now() - started) / 1000,
  };
  return { model, bytes: encodeModel(model), schema, report };
}
