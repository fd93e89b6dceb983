/**
 * `prune --finetune`: continue training a pruned model made by `maas train` with the pruning mask
 * held (masked weights get no gradient and stay zero), then export it the way the trainer does.
 * Uses the trainer's own pieces: readTrainedModel, the same encoding/preprocessing, train(), and
 * buildInferenceModel — so the fine-tuned model is a regular trainer model.
 */
import { encodeRecords } from "../../functions/registry/feature-schema.ts";
import { applyPreprocessing } from "../data/preprocess.ts";
import { readRecords } from "../data/read-records.ts";
import { classIndices, oneHot, regressionValues, scaleTargets } from "../data/targets.ts";
import { buildInferenceModel } from "../export/inference-graph.ts";
import { readTrainedModel } from "../export/read-model.ts";
import { decodeModel, encodeModel, readMetadata } from "../onnx/model-io.ts";
import { train, type Matrix } from "../train.ts";

export interface FinetuneOptions {
  epochs: number;
  seed: number;
  learningRate?: number;
  batchSize?: number;
}

/** The trainer-side inputs and targets for labelled records, encoded and preprocessed as the model expects. */
export function trainingMatrices(trained: ReturnType<typeof readTrainedModel>, records: Record<string, unknown>[]): { x: Matrix; y: Matrix } {
  const { schema } = trained;
  const kept = records.filter((r) => r[schema.target] !== undefined && r[schema.target] !== null && String(r[schema.target]).trim() !== "");
  const x = applyPreprocessing(trained.preprocessing, encodeRecords(schema, kept));
  let y: Matrix;
  if (schema.task === "classification") {
    y = oneHot(classIndices(schema, kept), schema.classes!.length, trained.description.loss === "bce");
  } else {
    const values = regressionValues(schema, kept);
    y = trained.targetScaling ? scaleTargets(trained.targetScaling, values) : values;
  }
  return { x, y };
}

export async function finetunePruned(
  prunedBytes: Uint8Array, masks: Map<string, Float32Array>, dataPath: string, target: string, options: FinetuneOptions,
): Promise<{ bytes: Uint8Array; lines: string[] }> {
  const model = decodeModel(prunedBytes);
  let trained;
  try {
    trained = readTrainedModel(model);
  } catch (error) {
    throw new Error(`--finetune works on models made by maas train: ${(error as Error).message}`);
  }
  if (target !== trained.schema.target) throw new Error(`--target ${target} is not the model's target column (${trained.schema.target})`);
  const records = await readRecords(dataPath);
  const { x, y } = trainingMatrices(trained, records);
  const layerMasks = trained.weights.layers.map((_, i) => masks.get(`layer${i}.weight`));
  const sizes = trained.weights.sizes;
  const result = await train({
    x, y,
    hidden: sizes.slice(1, -1),
    activation: trained.description.activation,
    loss: trained.description.loss,
    optimizer: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    learningRate: options.learningRate ?? 1e-3,
    epochs: options.epochs,
    batchSize: options.batchSize ?? 32,
    seed: options.seed,
    initialWeights: trained.weights,
    masks: layerMasks,
  });
  // Keep the source model's other metadata (e.g. metrics, report) alongside the rebuilt schema/description.
  const metadata = readMetadata(model);
  const rebuilt = buildInferenceModel({
    schema: trained.schema, weights: result.weights, activation: trained.description.activation, loss: trained.description.loss,
    preprocessing: trained.preprocessing, targetScaling: trained.targetScaling, metadata,
  });
  const last = result.history[result.history.length - 1];
  return {
    bytes: encodeModel(rebuilt),
    lines: [`fine-tuned ${result.history.length} epochs on ${x.rows} rows with the mask held (final train loss ${last?.trainLoss.toFixed(4)})`],
  };
}
