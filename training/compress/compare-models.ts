/**
 * The output difference a compressed model makes: the source model run in onnxruntime-node is the
 * reference; the compressed one runs in onnxruntime-node and onnxruntime-web on the same inputs —
 * the user's data (through the feature schema) or seeded random inputs matching the input metadata.
 */
import { readMetadata, type ModelProto } from "../onnx/model-io.ts";
import { parseFeatureSchema } from "../../functions/registry/feature-schema.ts";
import { schemaFeeds } from "./evaluate.ts";
import { compareOutputs, type OutputDifference } from "./output-difference.ts";
import { randomFeeds, UnsupportedInputError, type InputShapes } from "./random-feeds.ts";
import { readRecords } from "./records.ts";
import { openModel, runOnce, type Feeds, type Outputs, type PlainTensor } from "./run-model.ts";

export interface ComparisonInputs {
  description: string;
  feeds: Feeds;
}

export interface ModelComparison {
  inputs: string;
  node: OutputDifference[];
  web: OutputDifference[];
  /** Set when no inputs could be made (e.g. a string input): then only loading was checked. */
  notMeasured?: string;
}

export function comparisonInputs(model: ModelProto, dataPath: string | undefined, seed: number, batch: number, shapes: InputShapes = {}): ComparisonInputs {
  if (dataPath) {
    const schema = parseFeatureSchema(readMetadata(model));
    if (!schema) throw new Error("--data needs a model with maas.schema metadata (made by maas train) to encode records");
    const records = readRecords(dataPath);
    return { description: `${records.length} records from ${dataPath}`, feeds: schemaFeeds(schema, records) };
  }
  const given = Object.entries(shapes).map(([name, dims]) => `, ${name}=${dims.join(",")}`).join("");
  return { description: `seeded random inputs (seed ${seed}, batch ${batch} on symbolic first axes${given})`, feeds: randomFeeds(model, seed, batch, shapes) };
}

/**
 * Like compareModels, but when the source model cannot be run on generated inputs (an input type
 * random data cannot cover, or random values the model rejects) it still proves the compressed model
 * loads in both engines and says why the difference was not measured. A compressed model that fails
 * where the source runs is an error.
 */
export async function compareOrLoad(
  source: Uint8Array, compressed: Uint8Array, model: ModelProto, dataPath: string | undefined, seed: number, shapes: InputShapes = {},
): Promise<ModelComparison> {
  const loadOnly = async (why: string): Promise<ModelComparison> => {
    for (const engine of ["node", "web"] as const) await (await openModel(engine, compressed)).release();
    return { inputs: "none", node: [], web: [], notMeasured: why };
  };
  let inputs: ComparisonInputs;
  try {
    inputs = comparisonInputs(model, dataPath, seed, 64, shapes);
  } catch (error) {
    if (error instanceof UnsupportedInputError) return loadOnly(error.message);
    throw error;
  }
  try {
    await runOnce("node", source, inputs.feeds);
  } catch (error) {
    if (dataPath) throw error;
    return loadOnly(`the source model does not run on random inputs: ${oneLine(error)}`);
  }
  return compareModels(source, compressed, inputs);
}

/** An error message on one line (ORT's messages span several). */
export function oneLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).replace(/\s+/g, " ").trim();
}

export async function compareModels(source: Uint8Array, compressed: Uint8Array, inputs: ComparisonInputs): Promise<ModelComparison> {
  const reference = await runOnce("node", source, inputs.feeds);
  const node = compareOutputs(reference, await runOnce("node", compressed, inputs.feeds));
  const web = compareOutputs(reference, await runOnce("web", compressed, inputs.feeds));
  return { inputs: inputs.description, node, web };
}

/** Every output of `runner` over `samples`, each output's values concatenated sample after sample. */
async function runAll(engine: "node" | "web", bytes: Uint8Array, samples: readonly Feeds[]): Promise<Outputs> {
  const runner = await openModel(engine, bytes);
  try {
    const parts = new Map<string, PlainTensor[]>();
    for (const feeds of samples) {
      for (const [name, t] of Object.entries(await runner.run(feeds))) parts.set(name, [...(parts.get(name) ?? []), t]);
    }
    const all: Outputs = {};
    for (const [name, tensors] of parts) {
      const total = tensors.reduce((n, t) => n + t.data.length, 0);
      const data = new (tensors[0].data.constructor as new (n: number) => PlainTensor["data"])(total);
      let at = 0;
      for (const t of tensors) {
        (data as Float32Array).set(t.data as Float32Array, at);
        at += t.data.length;
      }
      all[name] = { type: tensors[0].type, dims: [total], data };
    }
    return all;
  } finally {
    await runner.release();
  }
}

/** compareModels on inputs that come one feed at a time (calibration samples): differences over all of them. */
export async function compareOnSamples(source: Uint8Array, compressed: Uint8Array, samples: readonly Feeds[], description: string): Promise<ModelComparison> {
  const reference = await runAll("node", source, samples);
  const node = compareOutputs(reference, await runAll("node", compressed, samples));
  const web = compareOutputs(reference, await runAll("web", compressed, samples));
  return { inputs: description, node, web };
}

