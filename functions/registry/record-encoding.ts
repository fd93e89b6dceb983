/**
 * Raw records → the model's float32 input matrix, under rules. Requests are held to the feature
 * schema (RECORD_RULES): a field the model does not know, a missing feature the model never saw
 * missing, a value of the wrong kind or a category not seen in training is refused with a message
 * naming it. A request may relax the rules (impute missing values, ignore unseen categories or
 * unknown fields); each row then says what was imputed or ignored. The trainer encodes its own rows
 * leniently (TRAINING_RULES: its file also holds the target and ignored columns).
 *
 * Numeric features are passed raw (the graph standardises); a missing one becomes NaN (the graph
 * imputes the training mean); a categorical feature becomes one-hot columns, all zeros when missing
 * or (when allowed) unseen.
 */
import { closestName } from "../../shared/did-you-mean.ts";
import type { FeatureSchema } from "./feature-schema.ts";
import { categoryKey, FeatureSchemaError, isMissing, toNumber } from "./record-values.ts";

export interface RecordRules {
  /** A missing feature the model was not trained with missing: "error" refuses it, "impute" imputes it as the graph does. */
  missing: "error" | "impute";
  /** A category not seen in training: "error" refuses it, "ignore" encodes it as all zeros. */
  unknownCategory: "error" | "ignore";
  /** A field that is not a feature: "error" refuses it, "ignore" leaves it out. */
  unknownField: "error" | "ignore";
  /** Whether each row says what was imputed or ignored. */
  report: boolean;
}

/** A request's rules unless it opts into leniency. */
export const RECORD_RULES: RecordRules = { missing: "error", unknownCategory: "error", unknownField: "error", report: true };
/** The trainer's own rows: the file's other columns are not features, and missing values are what imputation learns from. */
export const TRAINING_RULES: RecordRules = { missing: "impute", unknownCategory: "ignore", unknownField: "ignore", report: false };

/** What was imputed or ignored in one row (each key only when something was). */
export interface RowAdjustments {
  /** Missing features, imputed as in training. */
  imputed?: string[];
  /** Categories not seen in training, by feature: encoded as all zeros. */
  ignored_categories?: Record<string, string>;
  /** Fields that are not features of the model, left out. */
  ignored_fields?: string[];
}

export interface EncodedRecords {
  data: Float32Array;
  rows: number;
  cols: number;
  /** Per row, what was imputed or ignored (null: nothing); present only when some row has something to say. */
  adjustments?: Array<RowAdjustments | null>;
}

interface Feature {
  name: string;
  numeric: boolean;
  /** First input column of the feature. */
  offset: number;
  categories?: ReadonlyMap<string, number>;
  /** Training data had rows without it: a missing value is imputed as in training. */
  missingInTraining: boolean;
}

interface Contract {
  features: Feature[];
  names: ReadonlySet<string>;
  nameList: string[];
  targets: ReadonlySet<string>;
}

// Schemas are parsed once per model version and kept; their lookups are built once per schema.
const contracts = new WeakMap<FeatureSchema, Contract>();

function contractOf(schema: FeatureSchema): Contract {
  let contract = contracts.get(schema);
  if (contract) return contract;
  let offset = 0;
  const features = schema.features.map((f): Feature => {
    const feature: Feature = {
      name: f.name,
      numeric: f.kind === "numeric",
      offset,
      categories: f.kind === "categorical" ? new Map(f.categories.map((c, i) => [c, i])) : undefined,
      missingInTraining: (f.missing ?? 0) > 0,
    };
    offset += f.kind === "numeric" ? 1 : f.categories.length;
    return feature;
  });
  const nameList = features.map((f) => f.name);
  contract = { features, names: new Set(nameList), nameList, targets: new Set(schema.targets ?? [schema.target]) };
  contracts.set(schema, contract);
  return contract;
}

/** The schema's feature names (built once per schema). */
export function featureNames(schema: FeatureSchema): ReadonlySet<string> {
  return contractOf(schema).names;
}

const describe = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

const quoted = (names: readonly string[], max = 20): string =>
  names.slice(0, max).map((n) => JSON.stringify(n)).join(", ") + (names.length > max ? ` and ${names.length - max} more` : "");

function unknownField(row: number, field: string, contract: Contract): FeatureSchemaError {
  const what = contract.targets.has(field) ? "is the model's target, not a feature" : `is not a feature of the model (did you mean "${closestName(field, contract.nameList)}"?)`;
  return new FeatureSchemaError(`record ${row}: field "${field}" ${what}; to leave out unknown fields, send "parameters": {"unknown_field": "ignore"}`);
}

function missingFeatures(row: number, fields: Record<string, unknown>, contract: Contract): FeatureSchemaError {
  const missing = contract.features.filter((f) => !f.missingInTraining && isMissing(valueOf(fields, f.name))).map((f) => f.name);
  return new FeatureSchemaError(
    `record ${row}: missing feature${missing.length > 1 ? "s" : ""} ${quoted(missing)} (the training data always had ${missing.length > 1 ? "them" : "it"}); ` +
      `to impute missing values as in training, send "parameters": {"missing": "impute"}`,
  );
}

function knownCategories(feature: Feature): string {
  return `known: ${quoted([...feature.categories!.keys()])}`;
}

// An own property only: a feature named "constructor" must not read Object.prototype's.
const valueOf = (fields: Record<string, unknown>, name: string): unknown => (Object.hasOwn(fields, name) ? fields[name] : undefined);

export function encodeRecords(schema: FeatureSchema, records: readonly unknown[], rules: RecordRules = TRAINING_RULES): EncodedRecords {
  const contract = contractOf(schema);
  const rows = records.length;
  const cols = schema.inputWidth;
  const data = new Float32Array(rows * cols);
  const checkFields = rules.unknownField === "error" || rules.report;
  let adjustments: Array<RowAdjustments | null> | undefined;
  for (let r = 0; r < rows; r++) {
    const record = records[r];
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      throw new FeatureSchemaError(`record ${r} is not an object`);
    }
    const fields = record as Record<string, unknown>;
    let adjusted: RowAdjustments | undefined;
    if (checkFields) {
      for (const key in fields) {
        if (contract.names.has(key)) continue;
        if (rules.unknownField === "error") throw unknownField(r, key, contract);
        ((adjusted ??= {}).ignored_fields ??= []).push(key);
      }
    }
    const base = r * cols;
    for (const feature of contract.features) {
      const value = valueOf(fields, feature.name);
      if (isMissing(value)) {
        if (!feature.missingInTraining && rules.missing === "error") throw missingFeatures(r, fields, contract);
        if (feature.numeric) data[base + feature.offset] = NaN;
        if (rules.report) ((adjusted ??= {}).imputed ??= []).push(feature.name);
        continue;
      }
      if (feature.numeric) {
        const number = toNumber(value);
        if (number === undefined) throw new FeatureSchemaError(`record ${r}, field "${feature.name}": ${describe(value)} is not a number`);
        data[base + feature.offset] = number;
        continue;
      }
      const key = categoryKey(value);
      const index = key === undefined ? undefined : feature.categories!.get(key);
      if (index !== undefined) {
        data[base + feature.offset + index] = 1;
        continue;
      }
      if (typeof value !== "string") {
        throw new FeatureSchemaError(`record ${r}, field "${feature.name}": ${describe(value)} is not a category (${knownCategories(feature)})`);
      }
      if (rules.unknownCategory === "error") {
        throw new FeatureSchemaError(
          `record ${r}, field "${feature.name}": ${describe(value)} is not a category seen in training (${knownCategories(feature)}); ` +
            `to encode unseen categories as none of them, send "parameters": {"unknown_category": "ignore"}`,
        );
      }
      if (rules.report) ((adjusted ??= {}).ignored_categories ??= {})[feature.name] = value;
    }
    if (adjusted) (adjustments ??= new Array<RowAdjustments | null>(rows).fill(null))[r] = adjusted;
  }
  return adjustments ? { data, rows, cols, adjustments } : { data, rows, cols };
}
