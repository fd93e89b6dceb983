/**
 * The schema pass over a file: one aggregate query (DuckDB) counts rows, rows without a target,
 * and per column the missing values and the numbers; then, where needed, a second query collects
 * category levels and class names with their counts. The decisions are infer-schema.ts's own
 * (columnKind, taskOf, sortClasses, buildSchema), so a file and the same records in memory get
 * the same schema.
 */
import type { FeatureSchema, FeatureSpec } from "../../../functions/registry/feature-schema.ts";
import { TrainingInputError } from "../errors.ts";
import { buildSchema, columnKind, featureColumns, sortClasses, taskOf, type ColumnReport, type SchemaRequest } from "../infer-schema.ts";
import { columnSql, type ColumnSql } from "./column-sql.ts";
import type { Engine } from "./engine.ts";
import { inputError, switchToText, type FileSource } from "./source.ts";

export interface FileSchema {
  schema: FeatureSchema;
  columns: ColumnReport[];
  rowsRead: number;
  droppedRows: number;
  /** Rows per class (classification) or [kept rows] (regression). */
  groupSizes: number[];
  /** SQL of each feature column and target column, and the condition for a kept row. */
  featureSql: ColumnSql[];
  targetSql: ColumnSql[];
  keep: string;
}

type Histogram = Array<{ key: string; value: string }>;

const count = (value: unknown): number => Number(value ?? 0);

/** Runs `query` on the rows; a CSV column DuckDB cannot convert is switched to text and the query rerun. */
async function withRetry<T>(source: FileSource, query: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await query();
    } catch (error) {
      if (!switchToText(source, error)) throw inputError(source.path, source.format, error);
    }
  }
}

export async function scanSchema(engine: Engine, source: FileSource, rows: () => string, request: SchemaRequest): Promise<FileSchema> {
  const names = source.columns.map((c) => c.name);
  const featureNames = featureColumns(names, request);
  const raw = (name: string) => source.columns.find((c) => c.name === name)!;
  const sqlOf = () => ({
    features: featureNames.map((n) => columnSql(raw(n))),
    targets: request.targets.map((n) => columnSql(raw(n))),
  });

  const first = await withRetry(source, async () => {
    const { features, targets } = sqlOf();
    const keep = targets.map((t) => `NOT ${t.missing}`).join(" AND ");
    const parts = [`count(*) AS rows`, `count(*) FILTER (WHERE ${keep}) AS kept`];
    features.forEach((f, i) => {
      parts.push(`count(*) FILTER (WHERE ${keep} AND ${f.missing}) AS m${i}`);
      parts.push(`count(*) FILTER (WHERE ${keep} AND NOT ${f.missing} AND ${f.isNumber}) AS n${i}`);
    });
    targets.forEach((t, i) => {
      parts.push(`count(*) FILTER (WHERE ${keep} AND NOT ${t.isNumber}) AS tn${i}`);
      parts.push(`any_value(${t.text}) FILTER (WHERE ${keep} AND NOT ${t.isNumber}) AS tx${i}`);
    });
    if (!request.task) {
      const t = targets[0];
      parts.push(`count(DISTINCT ${t.number}) FILTER (WHERE ${keep}) AS td`);
      parts.push(`count(*) FILTER (WHERE ${keep} AND ${t.number} <> trunc(${t.number})) AS ti`);
    }
    return { keep, result: await engine.rowJson(`SELECT ${parts.join(", ")} FROM ${rows()}`) };
  });
  const { result } = first;
  const rowsRead = count(result.rows);
  const kept = count(result.kept);
  if (rowsRead === 0) throw new TrainingInputError(`${source.path} has no data rows`);
  if (kept === 0) throw new TrainingInputError("every row is missing the target");

  const kinds = featureNames.map((name, i) => columnKind(name, kept - count(result[`m${i}`]), count(result[`n${i}`])));
  const multi = request.targets.length > 1;
  const task =
    request.task ??
    (multi ? "regression" : taskOf({ rows: kept, nonNumbers: count(result.tn0), distinctNumbers: count(result.td), nonIntegers: count(result.ti) }));
  if (task === "classification" && multi) throw new TrainingInputError("classification takes one target column");
  if (task === "regression") {
    request.targets.forEach((target, i) => {
      if (count(result[`tn${i}`]) > 0) throw new TrainingInputError(`target "${target}": ${JSON.stringify(result[`tx${i}`])} is not a number (regression)`);
    });
  }

  // Levels of the categorical columns and the class names, with their counts: one more pass.
  const { features, targets } = sqlOf();
  const keep = targets.map((t) => `NOT ${t.missing}`).join(" AND ");
  const wanted = kinds.flatMap((kind, i) => (kind === "categorical" ? [i] : []));
  const levelParts = wanted.map((i) => `histogram(${features[i].text}) FILTER (WHERE ${keep} AND NOT ${features[i].missing}) AS l${i}`);
  if (task === "classification") levelParts.push(`histogram(${targets[0].text}) FILTER (WHERE ${keep}) AS classes`);
  const levels = levelParts.length ? await withRetry(source, () => engine.rowJson(`SELECT ${levelParts.join(", ")} FROM ${rows()}`)) : {};

  const specs: FeatureSpec[] = featureNames.map((name, i) =>
    kinds[i] === "numeric" ? { name, kind: "numeric" } : { name, kind: "categorical", categories: (levels[`l${i}`] as Histogram).map((e) => e.key).sort() },
  );
  let classes: string[] | undefined;
  let groupSizes = [kept];
  if (task === "classification") {
    const byClass = new Map((levels.classes as Histogram).map((e) => [e.key, count(e.value)]));
    classes = sortClasses([...byClass.keys()]);
    if (classes.length < 2) throw new TrainingInputError(`target "${request.targets[0]}" has only one class (${JSON.stringify(classes[0])}); nothing to learn`);
    groupSizes = classes.map((c) => byClass.get(c)!);
  }
  const columns = specs.map((spec, i): ColumnReport => {
    const bad = spec.kind === "numeric" ? kept - count(result[`m${i}`]) - count(result[`n${i}`]) : 0;
    return {
      name: spec.name,
      kind: spec.kind,
      missing: count(result[`m${i}`]),
      ...(spec.kind === "categorical" ? { categories: spec.categories.length } : {}),
      ...(bad ? { badValues: bad } : {}),
    };
  });
  return { schema: buildSchema(request, task, specs, classes), columns, rowsRead, droppedRows: rowsRead - kept, groupSizes, featureSql: features, targetSql: targets, keep };
}
