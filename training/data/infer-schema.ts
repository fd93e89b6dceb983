/**
 * Looks at the records and decides the feature schema: which columns are features, numeric or
 * categorical (with their vocabulary), the task, and the classes. Also counts missing values.
 */
import { categoryKey, isMissing, toNumber, type FeatureSchema, type FeatureSpec } from "../../functions/registry/feature-schema.ts";
import { TrainingInputError } from "./errors.ts";
import type { DataRecord } from "./read-records.ts";

export type Task = "classification" | "regression";

export interface SchemaRequest {
  targets: string[];
  features?: string[];
  ignore?: string[];
  task?: Task;
}

export interface ColumnReport {
  name: string;
  kind: "numeric" | "categorical";
  missing: number;
  categories?: number;
  /** Values that were not numbers in a numeric column, treated as missing (files only; see --strict). */
  badValues?: number;
}

export interface InferredSchema {
  schema: FeatureSchema;
  columns: ColumnReport[];
  /** Rows dropped because a target value was missing. */
  droppedRows: number;
  /** The records kept (target present). */
  records: DataRecord[];
}

export const INPUT_NAME = "input";
export const OUTPUT_NAMES = { probabilities: "probabilities", label: "label", prediction: "prediction" } as const;

function columnNames(records: DataRecord[]): string[] {
  const seen = new Set<string>();
  for (const record of records) for (const key of Object.keys(record)) seen.add(key);
  return [...seen];
}

function describeColumn(records: DataRecord[], name: string): { spec: FeatureSpec; missing: number } {
  let missing = 0;
  let numeric = 0;
  let firstGarbage: { row: number; value: unknown } | undefined;
  const categories = new Set<string>();
  records.forEach((record, row) => {
    const value = record[name];
    if (isMissing(value)) return void missing++;
    if (toNumber(value) !== undefined) numeric++;
    else firstGarbage ??= { row, value };
    const key = categoryKey(value);
    if (key === undefined) throw new TrainingInputError(`row ${row + 1}, column "${name}": ${JSON.stringify(value)} is neither a number nor a category`);
    categories.add(key);
  });
  const present = records.length - missing;
  if (present === 0) throw new TrainingInputError(`column "${name}" has no values (use --ignore ${name})`);
  if (!firstGarbage) return { spec: { name, kind: "numeric" }, missing };
  // Mostly numbers with a few words: a broken numeric column, not a categorical one.
  if (numeric > (present - numeric)) {
    throw new TrainingInputError(`row ${firstGarbage.row + 1}, column "${name}": ${JSON.stringify(firstGarbage.value)} is not a number (the column is numeric)`);
  }
  return { spec: { name, kind: "categorical", categories: [...categories].sort() }, missing };
}

function sortClasses(values: string[]): string[] {
  const allNumeric = values.every((v) => toNumber(v) !== undefined);
  return allNumeric ? values.sort((a, b) => toNumber(a)! - toNumber(b)!) : values.sort();
}

function detectTask(values: unknown[]): Task {
  const numbers = values.map(toNumber);
  if (numbers.some((n) => n === undefined)) return "classification";
  const distinct = new Set(numbers);
  const integers = numbers.every((n) => Number.isInteger(n));
  return integers && distinct.size <= 20 && distinct.size * 5 <= values.length ? "classification" : "regression";
}

export function inferSchema(allRecords: DataRecord[], request: SchemaRequest): InferredSchema {
  const columns = columnNames(allRecords);
  for (const target of request.targets) {
    if (!columns.includes(target)) throw new TrainingInputError(`target column "${target}" not found (columns: ${columns.join(", ")})`);
  }
  for (const name of [...(request.features ?? []), ...(request.ignore ?? [])]) {
    if (!columns.includes(name)) throw new TrainingInputError(`column "${name}" not found (columns: ${columns.join(", ")})`);
  }
  const records = allRecords.filter((r) => request.targets.every((t) => !isMissing(r[t])));
  const droppedRows = allRecords.length - records.length;
  if (records.length === 0) throw new TrainingInputError(`every row is missing the target`);

  const featureNames = (request.features ?? columns).filter((c) => !request.targets.includes(c) && !(request.ignore ?? []).includes(c));
  if (featureNames.length === 0) throw new TrainingInputError("no feature columns left");
  const described = featureNames.map((name) => describeColumn(records, name));
  const features = described.map((d) => d.spec);

  const multi = request.targets.length > 1;
  const targetValues = records.map((r) => r[request.targets[0]]);
  const task = request.task ?? (multi ? "regression" : detectTask(targetValues));
  if (task === "classification" && multi) throw new TrainingInputError("classification takes one target column");
  let classes: string[] | undefined;
  if (task === "classification") {
    classes = sortClasses([...new Set(targetValues.map((v) => categoryKey(v)!))]);
    if (classes.length < 2) throw new TrainingInputError(`target "${request.targets[0]}" has only one class (${JSON.stringify(classes[0])}); nothing to learn`);
  } else {
    for (const target of request.targets) {
      const bad = records.findIndex((r) => toNumber(r[target]) === undefined);
      if (bad >= 0) throw new TrainingInputError(`target "${target}": ${JSON.stringify(records[bad][target])} is not a number (regression)`);
    }
  }
  const inputWidth = features.reduce((n, f) => n + (f.kind === "numeric" ? 1 : f.categories.length), 0);
  const schema: FeatureSchema = {
    version: 1,
    task,
    target: request.targets.join(","),
    ...(multi ? { targets: request.targets } : {}),
    features,
    inputName: INPUT_NAME,
    inputWidth,
    ...(classes ? { classes } : {}),
    outputs: task === "classification" ? { probabilities: OUTPUT_NAMES.probabilities, label: OUTPUT_NAMES.label } : { prediction: OUTPUT_NAMES.prediction },
  };
  const report = described.map((d): ColumnReport => ({
    name: d.spec.name,
    kind: d.spec.kind,
    missing: d.missing,
    ...(d.spec.kind === "categorical" ? { categories: d.spec.categories.length } : {}),
  }));
  return { schema, columns: report, droppedRows, records };
}
