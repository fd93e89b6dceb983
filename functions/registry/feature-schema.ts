/**
 * The feature schema: how raw records (rows of the training file) become the model's input matrix,
 * and how the model's outputs become answers. Written by the trainer into the ONNX model's
 * metadata_props under FEATURE_SCHEMA_KEY; read by the Worker's v1 `:predict`. The trainer encodes
 * its own training rows with `encodeRecords` (record-encoding.ts), as the Worker does requests, so
 * the two sides cannot disagree; requests are held to stricter rules (RECORD_RULES) than training
 * rows (TRAINING_RULES).
 *
 * Pure TypeScript (no Node APIs): it runs inside the Worker too.
 */
import * as z from "zod";
import { FeatureSchemaError } from "./record-values.ts";

export { categoryKey, FeatureSchemaError, isMissing, MISSING_STRINGS, toNumber } from "./record-values.ts";
export { encodeRecords, RECORD_RULES, TRAINING_RULES, type EncodedRecords, type RecordRules, type RowAdjustments } from "./record-encoding.ts";

export const FEATURE_SCHEMA_KEY = "maas.schema";

/**
 * How many training rows lacked the feature. When more than 0 the model learned what "missing"
 * means there (a numeric NaN becomes the training mean in the graph; a categorical one is an
 * all-zero one-hot), so a request may leave it out and the value is imputed as in training.
 * Absent (schemas from trainers before it was recorded): taken as 0.
 */
const missingInTraining = z.number().int().nonnegative().optional();
const numericFeature = z.object({ name: z.string().min(1), kind: z.literal("numeric"), missing: missingInTraining });
const categoricalFeature = z.object({
  name: z.string().min(1),
  kind: z.literal("categorical"),
  missing: missingInTraining,
  /** The one-hot vocabulary, in column order. */
  categories: z.array(z.string()).min(1),
});
export const featureSpecSchema = z.discriminatedUnion("kind", [numericFeature, categoricalFeature]);
export type FeatureSpec = z.infer<typeof featureSpecSchema>;

export const featureSchemaSchema = z
  .object({
    version: z.literal(1),
    task: z.enum(["classification", "regression"]),
    /** The target column (for multi-target regression: the columns joined with ","). */
    target: z.string().min(1),
    /** Multi-target regression only: the target column of each prediction column, in order. */
    targets: z.array(z.string().min(1)).min(1).optional(),
    features: z.array(featureSpecSchema).min(1),
    inputName: z.string().min(1),
    inputWidth: z.number().int().positive(),
    /** Classification: the class names, indexed by the label output. */
    classes: z.array(z.string()).min(2).optional(),
    outputs: z.object({
      probabilities: z.string().min(1).optional(),
      label: z.string().min(1).optional(),
      prediction: z.string().min(1).optional(),
    }),
  })
  .superRefine((schema, ctx) => {
    const width = schema.features.reduce((n, f) => n + (f.kind === "numeric" ? 1 : f.categories.length), 0);
    if (width !== schema.inputWidth) {
      ctx.addIssue({ code: "custom", message: `inputWidth ${schema.inputWidth} but the features encode to ${width} columns` });
    }
    if (schema.task === "classification" && (!schema.classes || !schema.outputs.probabilities || !schema.outputs.label)) {
      ctx.addIssue({ code: "custom", message: "a classification schema needs classes and the probabilities and label outputs" });
    }
    if (schema.task === "regression" && !schema.outputs.prediction) {
      ctx.addIssue({ code: "custom", message: "a regression schema needs the prediction output" });
    }
  });
export type FeatureSchema = z.infer<typeof featureSchemaSchema>;

/** Reads the schema from metadata_props; undefined when the model has none, throws when malformed. */
export function parseFeatureSchema(metadata: Record<string, string>): FeatureSchema | undefined {
  const text = metadata[FEATURE_SCHEMA_KEY];
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new FeatureSchemaError(`${FEATURE_SCHEMA_KEY} metadata is not valid JSON`);
  }
  const parsed = featureSchemaSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FeatureSchemaError(`${FEATURE_SCHEMA_KEY} metadata is malformed: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return parsed.data;
}

type OutputTensor = { data: ArrayLike<number | bigint>; dims: readonly number[] };

function requireOutput(outputs: Record<string, OutputTensor>, name: string | undefined): OutputTensor {
  const tensor = name === undefined ? undefined : outputs[name];
  if (!tensor) throw new FeatureSchemaError(`the model did not return the output "${name}"`);
  return tensor;
}

/**
 * The model's outputs → one answer per row: classification gives `{ label, probabilities }` keyed
 * by class name; regression gives the number (an array of numbers for multi-target models).
 */
export function decodePredictions(schema: FeatureSchema, outputs: Record<string, OutputTensor>): unknown[] {
  if (schema.task === "classification") {
    const classes = schema.classes!;
    const probabilities = requireOutput(outputs, schema.outputs.probabilities);
    const labels = requireOutput(outputs, schema.outputs.label);
    const rows = labels.data.length;
    const width = classes.length;
    if (probabilities.data.length !== rows * width) {
      throw new FeatureSchemaError(`probabilities has ${probabilities.data.length} values, expected ${rows} x ${width}`);
    }
    const answers: unknown[] = [];
    for (let r = 0; r < rows; r++) {
      const index = Number(labels.data[r]);
      const byClass: Record<string, number> = {};
      for (let c = 0; c < width; c++) byClass[classes[c]] = Number(probabilities.data[r * width + c]);
      answers.push({ label: classes[index] ?? String(index), probabilities: byClass });
    }
    return answers;
  }
  const prediction = requireOutput(outputs, schema.outputs.prediction);
  const width = prediction.dims.length > 1 ? prediction.dims[prediction.dims.length - 1] : 1;
  const rows = width === 0 ? 0 : prediction.data.length / width;
  const answers: unknown[] = [];
  for (let r = 0; r < rows; r++) {
    if (width === 1) answers.push(Number(prediction.data[r]));
    else answers.push(Array.from({ length: width }, (_, c) => Number(prediction.data[r * width + c])));
  }
  return answers;
}

// Keyed by a cached manifest's metadata object: each model version's schema is parsed once.
const parsedSchemas = new WeakMap<Record<string, string>, FeatureSchema | null>();

/**
 * The feature schema in a model's metadata, parsed once per metadata object; undefined when there
 * is none or it is malformed (the model is then still servable as plain tensors).
 */
export function featureSchemaIn(metadata: Record<string, string> | undefined): FeatureSchema | undefined {
  if (!metadata) return undefined;
  let schema = parsedSchemas.get(metadata);
  if (schema === undefined) {
    try {
      schema = parseFeatureSchema(metadata) ?? null;
    } catch {
      schema = null;
    }
    parsedSchemas.set(metadata, schema);
  }
  return schema ?? undefined;
}
