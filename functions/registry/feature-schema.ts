/**
 * The feature schema: how raw records (rows of the training file) become the model's input matrix,
 * and how the model's outputs become answers. Written by the trainer into the ONNX model's
 * metadata_props under FEATURE_SCHEMA_KEY; read by the Worker's v1 `:predict`. The trainer encodes
 * its own training rows with `encodeRecords`, so the two sides cannot disagree.
 *
 * Pure TypeScript (no Node APIs): it runs inside the Worker too.
 */
import { z } from "zod";

export const FEATURE_SCHEMA_KEY = "maas.schema";

const numericFeature = z.object({ name: z.string().min(1), kind: z.literal("numeric") });
const categoricalFeature = z.object({
  name: z.string().min(1),
  kind: z.literal("categorical"),
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

/** Bad records or a bad schema; the message names the record index and the field. */
export class FeatureSchemaError extends Error {
  override name = "FeatureSchemaError";
}

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

/** The spellings of a missing value (besides an absent key and null/undefined). */
export const MISSING_STRINGS: ReadonlySet<string> = new Set(["", "NA", "NaN", "nan", "N/A", "null", "NULL"]);

export function isMissing(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === "number") return Number.isNaN(value);
  return typeof value === "string" && MISSING_STRINGS.has(value.trim());
}

/** A number from a number or a numeric string; undefined when the value is not numeric. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string") {
    const text = value.trim();
    // Number("") is 0 and Number("0x1f") is 31: accept only plain decimal notation.
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
    return Number(text);
  }
  return undefined;
}

/** The string a categorical value is looked up by (booleans and numbers by their text). */
export function categoryKey(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/**
 * Records → the float32 input matrix, row-major [rows, cols]. Numeric features are passed raw (the
 * graph standardises); missing values become NaN (the graph imputes); categorical features become
 * one-hot columns, all zeros when missing or unknown.
 */
export function encodeRecords(schema: FeatureSchema, records: unknown[]): { data: Float32Array; rows: number; cols: number } {
  const rows = records.length;
  const cols = schema.inputWidth;
  const data = new Float32Array(rows * cols);
  const lookups = schema.features.map((f) => (f.kind === "categorical" ? new Map(f.categories.map((c, i) => [c, i])) : undefined));
  for (let r = 0; r < rows; r++) {
    const record = records[r];
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      throw new FeatureSchemaError(`record ${r} is not an object`);
    }
    const fields = record as Record<string, unknown>;
    let col = r * cols;
    for (let f = 0; f < schema.features.length; f++) {
      const feature = schema.features[f];
      const value = fields[feature.name];
      if (feature.kind === "numeric") {
        if (isMissing(value)) data[col] = NaN;
        else {
          const number = toNumber(value);
          if (number === undefined) {
            throw new FeatureSchemaError(`record ${r}, field "${feature.name}": ${JSON.stringify(value)} is not a number`);
          }
          data[col] = number;
        }
        col += 1;
      } else {
        if (!isMissing(value)) {
          const key = categoryKey(value);
          if (key === undefined) {
            throw new FeatureSchemaError(`record ${r}, field "${feature.name}": ${JSON.stringify(value)} is not a category`);
          }
          const index = lookups[f]!.get(key);
          if (index !== undefined) data[col + index] = 1;
        }
        col += feature.categories.length;
      }
    }
  }
  return { data, rows, cols };
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
