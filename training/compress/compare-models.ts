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
import { openModel, runOnce, type Feeds } from "./run-model.ts";

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
