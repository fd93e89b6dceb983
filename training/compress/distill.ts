/**
 * Knowledge distillation: train a small student MLP (our trainer) on a teacher's softened outputs
 * mixed with the hard labels — loss α·CE(labels) + (1 − α)·T²·CE(softmax(log p_teacher / T), softmax(z / T)).
 * The student is a regular `maas train` model (feature schema, in-graph preprocessing).
 */
import { encodeRecords } from "../../functions/registry/feature-schema.ts";
import { inferSchema } from "../data/infer-schema.ts";
import { applyPreprocessing, fitPreprocessing, numericColumns, selectRows } from "../data/preprocess.ts";
import { splitRows } from "../data/split.ts";
import { classIndices, oneHot } from "../data/targets.ts";
import { buildInferenceModel } from "../export/inference-graph.ts";
import type { Activation } from "../model/mlp.ts";
import { encodeModel, type ModelProto } from "../onnx/model-io.ts";
import { train, type Matrix } from "../train.ts";
import { floatParameterCount } from "./parameter-count.ts";
import { defaultStudent, studentParameters as countStudent } from "./student-size.ts";
import { sha256Hex } from "./record-step.ts";
import { COMPRESSION_KEY, type CompressionStep } from "../../shared/compression-record.ts";
import { runOnce } from "./run-model.ts";
import { soften, teacherProbabilities } from "./teacher.ts";

export interface DistillOptions {
  target: string;
  /** Hidden layer widths; default: one layer sized by defaultStudent (at most a quarter of the teacher's parameters). */
  hidden?: number[];
  temperature: number;
  alpha: number;
  epochs: number;
  learningRate: number;
  batchSize: number;
  seed: number;
  activation: Activation;
  validationFraction: number;
  testFraction: number;
  patience?: number;
}

export interface DistillReport {
  teacherParameters: number;
  studentParameters: number;
  /** The student's hidden layers, and how they were chosen when --hidden was not given. */
  hidden: number[];
  hiddenChosen?: string;
  parameterRatio: number;
  /** Accuracy on the held-out test rows (train rows when there are none). */
  evaluatedOn: "test" | "train";
  rows: number;
  teacherAccuracy: number;
  studentAccuracy: number;
  /** Share of rows where student and teacher predict the same class. */
  agreement: number;
  teacherInputs: string;
  epochs: number;
}

function argmaxRows(m: { data: ArrayLike<number>; cols: number }, rows: number): number[] {
  return Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let c = 1; c < m.cols; c++) if (m.data[r * m.cols + c] > m.data[r * m.cols + best]) best = c;
    return best;
  });
}

export async function distill(
  teacherBytes: Uint8Array, teacher: ModelProto, allRecords: Record<string, unknown>[], options: DistillOptions,
): Promise<{ model: ModelProto; bytes: Uint8Array; report: DistillReport }> {
  const { schema, records } = inferSchema(allRecords, { targets: [options.target], task: "classification" });
  const labels = classIndices(schema, records);
  const classes = schema.classes!.length;
  const teacherOut = await teacherProbabilities(teacherBytes, teacher, schema, records);
  const soft = soften(teacherOut.probabilities, options.temperature);

  const raw = encodeRecords(schema, records);
  const teacherParameters = floatParameterCount(teacher);
  const chosen = options.hidden ? undefined : defaultStudent(teacherParameters, raw.cols, classes);
  const hidden = options.hidden ?? chosen!.hidden;
  const split = splitRows(records.length, { validation: options.validationFraction, test: options.testFraction }, options.seed, labels);
  if (split.train.length === 0) throw new Error(`too few rows (${records.length}) to train a student`);
  const preprocessing = fitPreprocessing(selectRows(raw, split.train), numericColumns(schema), true);
  const prepared = (rows: number[]): Matrix => applyPreprocessing(preprocessing, selectRows(raw, rows));
  const y = oneHot(labels, classes, false);

  const result = await train({
    x: prepared(split.train),
    y: selectRows(y, split.train),
    validation: split.validation.length ? { x: prepared(split.validation), y: selectRows(y, split.validation) } : undefined,
    hidden,
    activation: options.activation,
    loss: "softmax-ce",
    optimizer: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    learningRate: options.learningRate,
    epochs: options.epochs,
    batchSize: options.batchSize,
    seed: options.seed,
    patience: options.patience,
    distillation: { softTargets: selectRows(soft, split.train), alpha: options.alpha, temperature: options.temperature },
  });
  const distillStep: CompressionStep = {
    kind: "distill", teacherSha256: sha256Hex(teacherBytes), teacherParameters, studentParameters: countStudent(raw.cols, hidden, classes),
    hidden, temperature: options.temperature, alpha: options.alpha,
  };
  const model = buildInferenceModel({
    schema, weights: result.weights, activation: options.activation, loss: "softmax-ce", preprocessing,
    metadata: {
      "maas.distilled": JSON.stringify({ temperature: options.temperature, alpha: options.alpha }),
      [COMPRESSION_KEY]: JSON.stringify([distillStep]),
    },
  });
  const bytes = encodeModel(model);

  const evaluatedOn = split.test.length ? "test" : "train";
  const evalRows = split.test.length ? split.test : split.train;
  const evalRaw = selectRows(raw, evalRows);
  const studentOut = await runOnce("node", bytes, { [schema.inputName]: { type: "float32", dims: [evalRaw.rows, evalRaw.cols], data: evalRaw.data } });
  const studentLabels = Array.from(studentOut[schema.outputs.label!].data, Number);
  const teacherLabels = argmaxRows(teacherOut.probabilities, records.length);
  const truth = evalRows.map((r) => labels[r]);
  const share = (hits: number): number => hits / evalRows.length;
  const studentParameters = floatParameterCount(model);
  return {
    model,
    bytes,
    report: {
      teacherParameters,
      studentParameters,
      parameterRatio: studentParameters / teacherParameters,
      hidden,
      ...(chosen ? { hiddenChosen: chosen.reason } : {}),
      evaluatedOn,
      rows: evalRows.length,
      teacherAccuracy: share(evalRows.filter((r, i) => teacherLabels[r] === truth[i]).length),
      studentAccuracy: share(studentLabels.filter((l, i) => l === truth[i]).length),
      agreement: share(evalRows.filter((r, i) => teacherLabels[r] === studentLabels[i]).length),
      teacherInputs: teacherOut.how,
      epochs: result.history.length,
    },
  };
}
