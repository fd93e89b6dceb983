/**
 * Distillation from a teacher that is not ours: a plain ONNX classifier (MatMul + Add producing
 * logits, no maas metadata) whose argmax defines the labels. The student must learn it from the
 * teacher's softened outputs; the teacher's own predictions come from onnxruntime-node.
 */
import { describe, expect, it } from "vitest";
import { parseFeatureSchema } from "../../../functions/registry/feature-schema.ts";
import { DataType, decodeModel, floatTensor, readMetadata } from "../../../training/onnx/model-io.ts";
import { distill } from "../../../training/compress/distill.ts";
import { runOnce } from "../../../training/compress/run-model.ts";
import { modelBytes, node, randomMatrix, valueInfo } from "./fixtures.ts";
import { Rng } from "../../../training/util/rng.ts";

const FEATURES = 6;
const CLASSES = 3;

function foreignTeacher(): Uint8Array {
  return modelBytes({
    name: "foreign",
    node: [node("MatMul", ["features", "W"], ["scores"]), node("Add", ["scores", "b"], ["logits"])],
    initializer: [floatTensor("W", [FEATURES, CLASSES], randomMatrix(FEATURES, CLASSES, 5)), floatTensor("b", [CLASSES], new Float32Array([0.1, 0, -0.1]))],
    input: [valueInfo("features", DataType.FLOAT, ["n", FEATURES])],
    output: [valueInfo("logits", DataType.FLOAT, ["n", CLASSES])],
  });
}

describe("distill from a foreign ONNX classifier", () => {
  it("trains a student that agrees with the teacher", async () => {
    const teacher = foreignTeacher();
    const rng = new Rng(3);
    const x = Float32Array.from({ length: 800 * FEATURES }, () => rng.normal());
    // Labels are the teacher's own argmax, computed by onnxruntime-node (the reference).
    const logits = (await runOnce("node", teacher, { features: { type: "float32", dims: [800, FEATURES], data: x } })).logits.data as Float32Array;
    const records = Array.from({ length: 800 }, (_, r) => {
      const row: Record<string, unknown> = {};
      for (let f = 0; f < FEATURES; f++) row[`x${f}`] = x[r * FEATURES + f];
      const scores = Array.from(logits.subarray(r * CLASSES, (r + 1) * CLASSES));
      row.cls = `k${scores.indexOf(Math.max(...scores))}`;
      return row;
    });
    const result = await distill(teacher, decodeModel(teacher), records, {
      target: "cls", hidden: [8], temperature: 4, alpha: 0.5, epochs: 40, learningRate: 0.01, batchSize: 32, seed: 1,
      activation: "relu", validationFraction: 0.1, testFraction: 0.25,
    });
    // Scored here on 400 fresh rows: the teacher's argmax (onnxruntime-node) against the student's
    // (raw features in its schema's order into onnxruntime-node, argmax of its probabilities).
    const fresh = new Rng(4);
    const xFresh = Float32Array.from({ length: 400 * FEATURES }, () => fresh.normal());
    const teacherLogits = (await runOnce("node", teacher, { features: { type: "float32", dims: [400, FEATURES], data: xFresh } })).logits.data as Float32Array;
    const schema = parseFeatureSchema(readMetadata(result.model))!;
    const columns = schema.features.map((f) => Number(f.name.slice(1)));
    const studentInput = Float32Array.from({ length: 400 * FEATURES }, (_, i) => xFresh[Math.floor(i / FEATURES) * FEATURES + columns[i % FEATURES]]);
    const probabilities = (await runOnce("node", result.bytes, { [schema.inputName]: { type: "float32", dims: [400, FEATURES], data: studentInput } }))[schema.outputs.probabilities!].data as Float32Array;
    const argmax = (values: ArrayLike<number>, row: number) => {
      let best = 0;
      for (let c = 1; c < CLASSES; c++) if (values[row * CLASSES + c] > values[row * CLASSES + best]) best = c;
      return best;
    };
    const agreeing = Array.from({ length: 400 }, (_, r) => schema.classes![argmax(probabilities, r)] === `k${argmax(teacherLogits, r)}`).filter(Boolean).length;
    expect(agreeing / 400).toBeGreaterThanOrEqual(0.9);

    expect(result.report.teacherInputs).toMatch(/read as logits/);
    expect(result.report.teacherAccuracy).toBe(1); // the labels are its argmax
    expect(result.report.agreement).toBeGreaterThanOrEqual(0.9);
    expect(result.report.studentAccuracy).toBeGreaterThanOrEqual(0.9);
  });
});
