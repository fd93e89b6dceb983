/**
 * The output difference a compressed model makes: the source model run in onnxruntime-node is the
 * reference; the compressed one runs in onnxruntime-node and onnxruntime-web on the same inputs —
 * the user's data (through the feature schema) or seeded random inputs matching the input metadata.
 */
import { readMetadata, type ModelProto } from "../onnx/model-io.ts";
import { parseFeatureSchema } from "../../functions/registry/feature-schema.ts";
import { schemaFeeds } from "./evaluate.ts";
import { compareOutputs, type OutputDifference } from "./output-difference.ts";
import { randomFeeds } from "./random-feeds.ts";
import { readRecords } from "./records.ts";
import { runOnce, type Feeds } from "./run-model.ts";

export interface ComparisonInputs {
  description: string;
  feeds: Feeds;
}

export interface ModelComparison {
  inputs: string;
  node: OutputDifference[];
  web: OutputDifference[];
}

export function comparisonInputs(model: ModelProto, dataPath: string | undefined, seed: number, batch: number): ComparisonInputs {
  if (dataPath) {
    const schema = parseFeatureSchema(readMetadata(model));
    if (!schema) throw new Error("--data needs a model with maas.schema metadata (made by maas train) to encode records");
    const records = readRecords(dataPath);
    return { description: `${records.length} records from ${dataPath}`, feeds: schemaFeeds(schema, records) };
  }
  return { description: `seeded random inputs (seed ${seed}, batch ${batch})`, feeds: randomFeeds(model, seed, batch) };
}

export async function compareModels(source: Uint8Array, compressed: Uint8Array, inputs: ComparisonInputs): Promise<ModelComparison> {
  const reference = await runOnce("node", source, inputs.feeds);
  const node = compareOutputs(reference, await runOnce("node", compressed, inputs.feeds));
  const web = compareOutputs(reference, await runOnce("web", compressed, inputs.feeds));
  return { inputs: inputs.description, node, web };
}
