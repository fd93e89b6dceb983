/**
 * Looks at the records and decides the feature schema: which columns are features, numeric or
 * categorical (with their vocabulary), the task, and the classes. Also counts missing values.
 */
import { categoryKey, isMissing, toNumber, type FeatureSchema, type FeatureSpec } from "../../functions/registry/feature-schema.ts";
import { didYouMean } from "../../shared/did-you-mean.ts";
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
  const kind = columnKind(name, records.length - missing, numeric);
  if (kind === "numeric" && firstGarbage) {
    throw new TrainingInputError(`row ${firstGarbage.row + 1}, column "${name}": ${JSON.stringify(firstGarbage.value)} is not a number (the column is numeric)`);
  }
  if (kind === "numeric") return { spec: { name, kind: "numeric" }, missing };
  return { spec: { name, kind: "categorical", categories: [...categories].sort() }, missing };
}

/** Numeric when more than half of the present values are numbers (the rest are then bad values), else categorical. */
export function columnKind(name: string, present: number, numbers: number): "numeric" | "categorical" {
  if (present === 0) throw new TrainingInputError(`column "${name}" has no values (use --ignore ${name})`);
  // Mostly numbers with a few words: a broken numeric column, not a categorical one.
  return numbers === present || numbers > present - numbers ? "numeric" : "categorical";
}

export function sortClasses(values: string[]): string[] {
  const allNumeric = values.every((v) => toNumber(v) !== undefined);
  return allNumeric ? values.sort((a, b) => toNumber(a)! - toNumber(b)!) : values.sort();
}

/** What the target's values say about the task: any non-number, or few distinct integers, is classification. */
export function taskOf(target: { rows: number; nonNumbers: number; distinctNumbers: number; nonIntegers: number }): Task {
  if (target.nonNumbers > 0) return "classification";
  const distinct = target.distinctNumbers;
  return target.nonIntegers === 0 && distinct <= 20 && distinct * 5 <= target.rows ? "classification" : "regression";
}

function detectTask(values: unknown[]): Task {
  const numbers = values.map(toNumber);
  const present = numbers.filter((n): n is number => n !== undefined);
  return taskOf({ rows: values.length, nonNumbers: values.length - present.length, distinctNumbers: new Set(present).size, nonIntegers: present.filter((n) => !Number.isInteger(n)).length });
}

/** The schema around the features: task, target(s), classes, input width and the output names. */
export function buildSchema(request: SchemaRequest, task: Task, features: FeatureSpec[], classes?: string[]): FeatureSchema {
  const multi = request.targets.length > 1;
  const inputWidth = features.reduce((n, f) => n + (f.kind === "numeric" ? 1 : f.categories.length), 0);
  return {
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
}

/** Up to this many of the file's columns are listed when a requested one is missing. */
const LIST_AT_MOST = 30;

function missingColumn(what: string, name: string, columns: readonly string[]): TrainingInputError {
  const listed = columns.slice(0, LIST_AT_MOST).join(", ") + (columns.length > LIST_AT_MOST ? ` and ${columns.length - LIST_AT_MOST} more` : "");
  return new TrainingInputError(`${what} "${name}" not found${didYouMean(name, columns)} (columns: ${listed})`);
}

/** Checks the requested columns against the file's and returns the feature columns. */
export function featureColumns(columns: string[], request: SchemaRequest): string[] {
  for (const target of request.targets) {
    if (!columns.includes(target)) throw missingColumn("target column", target, columns);
  }
  for (const name of [...(request.features ?? []), ...(request.ignore ?? [])]) {
    if (!columns.includes(name)) throw missingColumn("column", name, columns);
  }
  const names = (request.features ?? columns).filter((c) => !request.targets.includes(c) && !(request.ignore ?? []).includes(c));
  if (names.length === 0) throw new TrainingInputError("no feature columns left");
  return names;
}

export function inferSchema(allRecords: DataRecord[], request: SchemaRequest): InferredSchema {
  const columns = columnNames(allRecords);
  const featureNames = featureColumns(columns, request);
  const records = allRecords.filter((r) => request.targets.every((t) => !isMissing(r[t])));
  const droppedRows = allRecords.length - records.length;
  if (records.length === 0) throw new TrainingInputError(`every row is missing the target`);

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
  const schema = buildSchema(request, task, features, classes);
  const report = described.map((d): ColumnReport => ({
    name: d.spec.name,
    kind: d.spec.kind,
    missing: d.missing,
    ...(d.spec.kind === "categorical" ? { categories: d.spec.categories.length } : {}),
  }));
  return { schema, columns: report, droppedRows, records };
}
