/**
 * The exported, self-contained model: raw feature matrix in (NaN = missing), imputation and
 * standardisation as graph nodes, the MLP with its weights as initializers, and the task's head:
 * classification → `probabilities` [N, C] float32 and `label` [N] int64; regression →
 * `prediction` [N, T] float32, de-standardised.
 */
import { FEATURE_SCHEMA_KEY, type FeatureSchema } from "../../functions/registry/feature-schema.ts";
import { GraphBuilder } from "../onnx/graph-builder.ts";
import { DataType, type ModelProto } from "../onnx/model-io.ts";
import type { Preprocessing } from "../data/preprocess.ts";
import type { TargetScaling } from "../data/targets.ts";
import { forward } from "../model/graph-forward.ts";
import { flattenParams, type Activation, type LossKind, type MlpWeights } from "../model/mlp.ts";

/** metadata_props key of the trainer's own description (architecture, preprocessing names). */
export const TRAINING_KEY = "maas.training";
export const METRICS_KEY = "maas.metrics";

export interface TrainingDescription {
  activation: Activation;
  loss: LossKind;
  sizes: number[];
  /** Initializer names of the preprocessing constants. */
  preprocessing: { fill: string; mean: string; std: string };
  targetScaling?: { mean: string; std: string };
  /** Loss per epoch, for model cards (the playground draws it with the report's chart code). */
  history?: Array<{ epoch: number; trainLoss: number; validationLoss?: number }>;
  /** Held-out confusion matrix, confusion[actual][predicted], classification only. */
  confusion?: number[][];
}

export interface InferenceModelSpec {
  schema: FeatureSchema;
  weights: MlpWeights;
  activation: Activation;
  loss: LossKind;
  preprocessing: Preprocessing;
  targetScaling?: TargetScaling;
  /** Extra metadata_props (metrics, report summary). */
  metadata?: Record<string, string>;
  /** Training curves and confusion matrix to carry in the model's metadata (a few KB at most). */
  summary?: Pick<TrainingDescription, "history" | "confusion">;
}

export const BATCH_DIM = "batch";

export function buildInferenceModel(spec: InferenceModelSpec): ModelProto {
  const { schema, weights, preprocessing: p } = spec;
  const g = new GraphBuilder("float");
  const width = schema.inputWidth;
  const x = g.input(schema.inputName, [BATCH_DIM, width]);
  const fill = g.tensor("input.fill", [width], p.fill);
  const mean = g.tensor("input.mean", [width], p.mean);
  const std = g.tensor("input.std", [width], p.std);
  const imputed = g.op("Where", [g.op("IsNaN", [x]), fill, x]);
  const standardized = g.op("Div", [g.op("Sub", [imputed, mean]), std]);

  for (const param of flattenParams(weights)) g.tensor(param.name, param.dims, param.values);
  const layers = weights.layers.map((_, i) => ({ weight: `layer${i}.weight`, bias: `layer${i}.bias` }));
  const { logits } = forward(g, standardized, layers, spec.activation);
  const outputs = weights.sizes[weights.sizes.length - 1];

  const description: TrainingDescription = {
    ...spec.summary,
    activation: spec.activation,
    loss: spec.loss,
    sizes: weights.sizes,
    preprocessing: { fill: "input.fill", mean: "input.mean", std: "input.std" },
  };
  if (schema.task === "classification") {
    const probabilityName = schema.outputs.probabilities!;
    const classes = schema.classes!.length;
    if (spec.loss === "bce") {
      const positive = g.op("Sigmoid", [logits]);
      g.op("Concat", [g.op("Sub", [g.scalar(1), positive]), positive], { axis: 1 }, probabilityName);
    } else {
      g.op("Softmax", [logits], { axis: -1 }, probabilityName);
    }
    g.op("ArgMax", [probabilityName], { axis: 1, keepdims: 0 }, schema.outputs.label!);
    g.output(probabilityName, [BATCH_DIM, classes]);
    g.output(schema.outputs.label!, [BATCH_DIM], DataType.INT64);
  } else {
    const scaling = spec.targetScaling!;
    const targetStd = g.tensor("target.std", [outputs], scaling.std);
    const targetMean = g.tensor("target.mean", [outputs], scaling.mean);
    g.op("Add", [g.op("Mul", [logits, targetStd]), targetMean], {}, schema.outputs.prediction!);
    g.output(schema.outputs.prediction!, [BATCH_DIM, outputs]);
    description.targetScaling = { mean: "target.mean", std: "target.std" };
  }
  return g.model("maas_mlp", {
    [FEATURE_SCHEMA_KEY]: JSON.stringify(schema),
    [TRAINING_KEY]: JSON.stringify(description),
    ...spec.metadata,
  });
}
