/**
 * The teacher side of distillation: run any ONNX classifier in onnxruntime-node on the data and
 * return its class probabilities in the student's class order.
 * - A teacher made by `maas train` is fed through its own feature schema and read through its
 *   `probabilities` output; its classes are matched to the student's by name.
 * - Any other classifier gets the student's raw encoded matrix (numeric columns as they are, categorical
 *   one-hot, in data column order) on its single float input, and its first float output of shape
 *   [N, classes] is used — as probabilities when every row is ≥ 0 and sums to 1, else as logits;
 *   its output index i is taken to be the student's i-th class (classes sorted as `maas train` sorts them).
 */
import { encodeRecords, parseFeatureSchema, type FeatureSchema } from "../../functions/registry/feature-schema.ts";
import { readMetadata, type ModelProto } from "../onnx/model-io.ts";
import type { Matrix } from "../train.ts";
import { runOnce, type PlainTensor } from "./run-model.ts";

export interface TeacherOutputs {
  /** [rows, classes] probabilities, student class order. */
  probabilities: Matrix;
  how: string;
}

function looksLikeProbabilities(values: Float32Array, rows: number, cols: number): boolean {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c];
      if (!(v >= 0)) return false;
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-3) return false;
  }
  return true;
}

function softmaxRows(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, values[r * cols + c]);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += out[r * cols + c] = Math.exp(values[r * cols + c] - max);
    for (let c = 0; c < cols; c++) out[r * cols + c] /= sum;
  }
  return out;
}

export async function teacherProbabilities(
  bytes: Uint8Array, model: ModelProto, student: FeatureSchema, records: Record<string, unknown>[],
): Promise<TeacherOutputs> {
  const classes = student.classes!;
  const rows = records.length;
  const own = parseFeatureSchema(readMetadata(model));
  if (own) {
    if (own.task !== "classification") throw new Error("the teacher is a regression model; distill needs a classifier");
    const encoded = encodeRecords(own, records);
    const outputs = await runOnce("node", bytes, { [own.inputName]: { type: "float32", dims: [rows, encoded.cols], data: encoded.data } });
    const teacherClasses = own.classes!;
    const index = classes.map((c) => teacherClasses.indexOf(c));
    const missing = classes.filter((_, i) => index[i] < 0);
    if (missing.length) throw new Error(`the teacher does not know the class(es) ${missing.join(", ")}`);
    const p = outputs[own.outputs.probabilities!].data as Float32Array;
    const data = new Float32Array(rows * classes.length);
    for (let r = 0; r < rows; r++) for (let c = 0; c < classes.length; c++) data[r * classes.length + c] = p[r * teacherClasses.length + index[c]];
    return { probabilities: { data, rows, cols: classes.length }, how: "teacher's own feature schema, classes matched by name" };
  }

  const inputs = (model.graph?.input ?? []).filter((i) => !(model.graph?.initializer ?? []).some((t) => t.name === i.name));
  if (inputs.length !== 1) throw new Error(`the teacher has ${inputs.length} inputs; a teacher without maas.schema must take one float matrix`);
  const encoded = encodeRecords(student, records);
  const declared = inputs[0].type?.tensorType?.shape?.dim?.[1]?.dimValue;
  if (declared !== undefined && declared !== null && Number(declared) !== encoded.cols) {
    throw new Error(`the teacher's input "${inputs[0].name}" has ${Number(declared)} columns but the data encodes to ${encoded.cols}`);
  }
  const outputs = await runOnce("node", bytes, { [inputs[0].name!]: { type: "float32", dims: [rows, encoded.cols], data: encoded.data } });
  const chosen = Object.entries(outputs).find(([, t]: [string, PlainTensor]) => t.type === "float32" && t.dims.length === 2 && t.dims[1] === classes.length);
  if (!chosen) throw new Error(`the teacher has no float output of shape [N, ${classes.length}] (one column per class)`);
  const values = chosen[1].data as Float32Array;
  const probabilities = looksLikeProbabilities(values, rows, classes.length);
  return {
    probabilities: { data: probabilities ? Float32Array.from(values) : softmaxRows(values, rows, classes.length), rows, cols: classes.length },
    how: `teacher output "${chosen[0]}" read as ${probabilities ? "probabilities" : "logits"}, class i = student class i`,
  };
}

/** Temperature-softened teacher distribution: softmax(log p / T). */
export function soften(p: Matrix, temperature: number): Matrix {
  const logits = Float32Array.from(p.data, (v) => Math.log(Math.max(v, 1e-12)) / temperature);
  return { data: softmaxRows(logits, p.rows, p.cols), rows: p.rows, cols: p.cols };
}
