/**
 * Records → trained, exported model and its report. The path `maas train` takes, usable on its own:
 * infer the feature schema, encode rows with the Worker's `encodeRecords`, split, fit
 * preprocessing on the training split, train, export, and measure the exported model on the test
 * split with onnxruntime-node (so the metrics are those of the file that will be served).
 */
import { encodeRecords, FeatureSchemaError, type FeatureSchema } from "../functions/registry/feature-schema.ts";
import { TrainingInputError } from "./data/errors.ts";
import { inferSchema, type ColumnReport, type SchemaRequest } from "./data/infer-schema.ts";
import { applyPreprocessing, fitPreprocessing, numericColumns, selectRows } from "./data/preprocess.ts";
import type { DataRecord } from "./data/read-records.ts";
import { splitRows } from "./data/split.ts";
import { classIndices, fitTargetScaling, oneHot, regressionValues, scaleTargets } from "./data/targets.ts";
import { buildInferenceModel, METRICS_KEY } from "./export/inference-graph.ts";
import type { Activation, LossKind } from "./model/mlp.ts";
import type { OptimizerSpec } from "./model/optimizer.ts";
import { floatFeed } from "./model/ort-session.ts";
import type { Schedule } from "./model/schedule.ts";
import { encodeModel, type ModelProto } from "./onnx/model-io.ts";
import { classificationMetrics, regressionMetrics, type ClassificationMetrics, type RegressionMetrics } from "./report/metrics.ts";
import { train, type EpochRecord, type Matrix, type TrainOptions } from "./train.ts";

/** The trainer's own options (see TrainOptions), minus the data, which the pipeline prepares. */
type TrainerSettings = Pick<
  TrainOptions,
  "hidden" | "activation" | "optimizer" | "learningRate" | "schedule" | "epochs" | "batchSize" | "seed" | "shuffle" | "patience" | "clipNorm" | "threads" | "onEpoch"
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
  data: { rows: number; droppedRows: number; train: number; validation: number; test: number };
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

function encode(schema: FeatureSchema, records: DataRecord[]): Matrix {
  try {
    return encodeRecords(schema, records);
  } catch (error) {
    if (error instanceof FeatureSchemaError) throw new TrainingInputError(error.message.replace(/record (\d+)/, (_, r) => `row ${Number(r) + 1}`));
    throw error;
  }
}

/** Runs the exported model on a raw (un-preprocessed) matrix. */
export async function runExportedModel(bytes: Uint8Array, schema: FeatureSchema, raw: Matrix): Promise<Record<string, { data: ArrayLike<number | bigint>; dims: readonly number[] }>> {
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ [schema.inputName]: floatFeed(raw.data, [raw.rows, raw.cols]) });
  await session.release();
  return out as Record<string, { data: ArrayLike<number | bigint>; dims: readonly number[] }>;
}

export async function trainFromRecords(allRecords: DataRecord[], options: PipelineOptions): Promise<PipelineResult> {
  const started = performance.now();
  const { schema, columns, droppedRows, records } = inferSchema(allRecords, options);
  const loss: LossKind = options.loss ?? (schema.task === "classification" ? "softmax-ce" : "mse");
  if (schema.task === "classification" && loss === "mse") throw new TrainingInputError("classification needs --loss softmax-ce or bce");
  if (schema.task === "regression" && loss !== "mse") throw new TrainingInputError("regression needs --loss mse");
  if (loss === "bce" && schema.classes!.length !== 2) throw new TrainingInputError(`bce needs two classes, the target has ${schema.classes!.length}`);

  const raw = encode(schema, records);
  const labels = schema.task === "classification" ? classIndices(schema, records) : undefined;
  const split = splitRows(records.length, { validation: options.validationFraction, test: options.testFraction }, options.seed, labels);
  if (split.train.length === 0) throw new TrainingInputError(`too few rows (${records.length}) to train`);

  const standardize = options.standardize ?? true;
  const rawTrain = selectRows(raw, split.train);
  const preprocessing = fitPreprocessing(rawTrain, numericColumns(schema), standardize);
  const prepared = (indices: number[]): Matrix => applyPreprocessing(preprocessing, selectRows(raw, indices));

  let targets: Matrix;
  let targetScaling;
  if (labels) targets = oneHot(labels, schema.classes!.length, loss === "bce");
  else {
    const values = regressionValues(schema, records);
    targetScaling = fitTargetScaling(selectRows(values, split.train), standardize);
    targets = scaleTargets(targetScaling, values);
  }

  const result = await train({
    x: prepared(split.train),
    y: selectRows(targets, split.train),
    validation: split.validation.length ? { x: prepared(split.validation), y: selectRows(targets, split.validation) } : undefined,
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
  });

  const modelSpec = { schema, weights: result.weights, activation: options.activation, loss, preprocessing, targetScaling };
  const evaluatedOn = split.test.length ? "test" : "train";
  const evalRows = split.test.length ? split.test : split.train;
  const outputs = await runExportedModel(encodeModel(buildInferenceModel(modelSpec)), schema, selectRows(raw, evalRows));
  let metrics: TrainingReport["metrics"];
  if (labels) {
    const predicted = Array.from(outputs[schema.outputs.label!].data, Number);
    metrics = classificationMetrics(evalRows.map((r) => labels[r]), predicted, outputs[schema.outputs.probabilities!].data as Float32Array, schema.classes!.length);
  } else {
    const actual = selectRows(regressionValues(schema, records), evalRows);
    metrics = regressionMetrics(actual.data, outputs[schema.outputs.prediction!].data as Float32Array, actual.cols);
  }
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
    data: { rows: allRecords.length, droppedRows, train: split.train.length, validation: split.validation.length, test: split.test.length },
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
