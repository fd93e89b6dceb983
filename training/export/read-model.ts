/**
 * Reads back a model this trainer exported: schema, architecture, weights and preprocessing —
 * what `prune --finetune` and `distill` need to continue training or to encode data the same way.
 */
import * as z from "zod";
import { parseFeatureSchema, type FeatureSchema } from "../../functions/registry/feature-schema.ts";
import { readFloatTensor, readMetadata, type ModelProto } from "../onnx/model-io.ts";
import type { Preprocessing } from "../data/preprocess.ts";
import type { TargetScaling } from "../data/targets.ts";
import { ACTIVATIONS, LOSSES, type MlpWeights } from "../model/mlp.ts";
import { TRAINING_KEY, type TrainingDescription } from "./inference-graph.ts";

const descriptionSchema = z.object({
  activation: z.enum(ACTIVATIONS),
  loss: z.enum(LOSSES),
  sizes: z.array(z.number().int().positive()).min(2),
  preprocessing: z.object({ fill: z.string(), mean: z.string(), std: z.string() }),
  targetScaling: z.object({ mean: z.string(), std: z.string() }).optional(),
});

export interface TrainedModel {
  schema: FeatureSchema;
  description: TrainingDescription;
  weights: MlpWeights;
  preprocessing: Preprocessing;
  targetScaling?: TargetScaling;
}

export function readTrainedModel(model: ModelProto): TrainedModel {
  const metadata = readMetadata(model);
  const schema = parseFeatureSchema(metadata);
  if (!schema || !metadata[TRAINING_KEY]) throw new Error("not a model exported by maas train (no maas.schema / maas.training metadata)");
  const description = descriptionSchema.parse(JSON.parse(metadata[TRAINING_KEY]));
  const tensors = new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? "", t]));
  const read = (name: string): Float32Array => {
    const tensor = tensors.get(name);
    if (!tensor) throw new Error(`initializer ${name} is missing`);
    return readFloatTensor(tensor);
  };
  const layers = description.sizes.slice(1).map((_, i) => ({ weight: read(`layer${i}.weight`), bias: read(`layer${i}.bias`) }));
  return {
    schema,
    description,
    weights: { sizes: description.sizes, layers },
    preprocessing: { fill: read(description.preprocessing.fill), mean: read(description.preprocessing.mean), std: read(description.preprocessing.std) },
    ...(description.targetScaling ? { targetScaling: { mean: read(description.targetScaling.mean), std: read(description.targetScaling.std) } } : {}),
  };
}
