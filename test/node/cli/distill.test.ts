/**
 * `maas distill` with its defaults: the student has at most a quarter of the teacher's parameters
 * (counted here from both files' initializers), the summary says how its size was chosen, the file
 * records the distillation with the teacher's sha256, and `maas push` records that with no flag.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataType, decodeModel, readMetadata } from "../../../training/onnx/model-io.ts";
import { trainFromRecords } from "../../../training/pipeline.ts";
import { syntheticRecords } from "../compress/synthetic-data.ts";
import { runOk, tempDir } from "../registry/helpers.ts";

/** Float32 initializer elements: the weights, biases and preprocessing constants of a trainer-made MLP. */
function floatElements(path: string): number {
  return decodeModel(readFileSync(path)).graph!.initializer!
    .filter((t) => t.dataType === DataType.FLOAT)
    .reduce((n, t) => n + (t.dims ?? []).reduce((p: number, d) => p * Number(d), 1), 0);
}

let dir: { path: string; remove: () => Promise<void> };
let teacher: string;
let data: string;

beforeAll(async () => {
  dir = await tempDir("maas-distill-cli-");
  const records = syntheticRecords(300, 1);
  const trained = await trainFromRecords(records, {
    targets: ["label"], hidden: [32], activation: "relu", optimizer: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    learningRate: 0.01, epochs: 10, batchSize: 32, seed: 1, validationFraction: 0.15, testFraction: 0.2,
  });
  teacher = join(dir.path, "teacher.onnx");
  data = join(dir.path, "data.csv");
  writeFileSync(teacher, trained.bytes);
  writeFileSync(data, [Object.keys(records[0]).join(","), ...records.map((r) => Object.values(r).join(","))].join("\n"));
});
afterAll(() => dir?.remove());

describe("maas distill with default options", () => {
  it("trains a student with at most a quarter of the teacher's parameters, says why, records it, and push records it", async () => {
    const out = join(dir.path, "student");
    const run = await runOk(["distill", "--teacher", teacher, "--data", data, "--target", "label", "--out", out, "--epochs", "15", "--json"]);
    const summary = JSON.parse(run.stdout);
    const student = join(out, "model.onnx");
    const [teacherCount, studentCount] = [floatElements(teacher), floatElements(student)];
    expect(studentCount).toBeLessThanOrEqual(teacherCount / 4);
    expect(studentCount).toBeGreaterThan(teacherCount / 8); // the widest that fits, not just any small one
    expect(summary).toMatchObject({ teacherParameters: teacherCount, studentParameters: studentCount, hidden: [expect.any(Number)] });
    expect(summary.hiddenChosen).toBe(
      `one hidden layer of ${summary.hidden[0]}: the widest with at most a quarter of the teacher's ${teacherCount} parameters (${Math.floor(teacherCount / 4)})`,
    );

    const step = {
      kind: "distill", teacherSha256: createHash("sha256").update(readFileSync(teacher)).digest("hex"),
      teacherParameters: teacherCount, studentParameters: studentCount, hidden: summary.hidden, temperature: 4, alpha: 0.5,
    };
    expect(JSON.parse(readMetadata(decodeModel(readFileSync(student)))["maas.compression"])).toEqual([step]);
    const pushed = JSON.parse((await runOk(["push", student, "--name", "student", "--json"], { MAAS_STATE_DIR: join(dir.path, "state") })).stdout);
    expect(pushed.compression).toEqual([step]);
  });

  it("prints how the student was chosen", async () => {
    const out = join(dir.path, "student-text");
    const run = await runOk(["distill", "--teacher", teacher, "--data", data, "--target", "label", "--out", out, "--epochs", "2"]);
    expect(run.stdout).toMatch(/^student: one hidden layer of \d+: the widest with at most a quarter of the teacher's \d+ parameters \(\d+\) \(--hidden to choose\)$/m);
    expect(run.stdout).toMatch(/^parameters: teacher \d+ -> student \d+ \(0\.2[0-5]\dx\)$/m);
  });
});
