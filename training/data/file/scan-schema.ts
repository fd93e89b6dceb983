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

/** Numbers below this (integers) are collected as possible levels in the first pass. */
const SMALL_INTEGER = 1000;

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

  // Each per-row test is computed once in an inner projection; the aggregates only count booleans.
  const result = await withRetry(source, async () => {
    const { features, targets } = sqlOf();
    const inner = [`${targets.map((t) => `NOT ${t.missing}`).join(" AND ")} AS k`];
    const parts = [`count(*) AS rows`, `count(*) FILTER (WHERE k) AS kept`];
    // Levels are collected on the way for text columns: every non-number, and numbers that are
    // small integers (as class names and codes are); any other number left out sends the column
    // to a second pass if it turns out categorical.
    const small = (sql: ColumnSql) => `(${sql.number} = trunc(${sql.number}) AND abs(${sql.number}) < ${SMALL_INTEGER})`;
    // Number-typed columns are numeric whatever they hold: not read here (their missing values are
    // counted as they are encoded), which saves parsing every number twice.
    features.forEach((f, i) => {
      if (f.float) return;
      inner.push(`${f.missing} AS m${i}`, `${f.isNumber} AS n${i}`);
      parts.push(`count(*) FILTER (WHERE k AND m${i}) AS m${i}`, `count(*) FILTER (WHERE k AND NOT m${i} AND n${i}) AS n${i}`);
      inner.push(`${f.text} AS x${i}`, `coalesce(${small(f)}, false) AS s${i}`);
      parts.push(`histogram(x${i}) FILTER (WHERE k AND NOT m${i} AND (NOT n${i} OR s${i})) AS h${i}`, `count(*) FILTER (WHERE k AND NOT m${i} AND n${i} AND NOT s${i}) AS o${i}`);
    });
    targets.forEach((t, i) => {
      inner.push(`${t.isNumber} AS tn${i}`, `${t.text} AS tx${i}`, `${t.number} AS tv${i}`);
      parts.push(`count(*) FILTER (WHERE k AND NOT tn${i}) AS tn${i}`, `any_value(tx${i}) FILTER (WHERE k AND NOT tn${i}) AS tx${i}`);
    });
    inner.push(`coalesce(${small(targets[0])}, false) AS ts`);
    parts.push(`histogram(tx0) FILTER (WHERE k AND (NOT tn0 OR ts)) AS th`, `count(*) FILTER (WHERE k AND tn0 AND NOT ts) AS tother`);
    if (!request.task) parts.push(`count(DISTINCT tv0) FILTER (WHERE k) AS td`, `count(*) FILTER (WHERE k AND tv0 <> trunc(tv0)) AS ti`);
    return engine.rowJson(`SELECT ${parts.join(", ")} FROM (SELECT ${inner.join(", ")} FROM ${rows()})`);
  });
  const rowsRead = count(result.rows);
  const kept = count(result.kept);
  if (rowsRead === 0) throw new TrainingInputError(`${source.path} has no data rows`);
  if (kept === 0) throw new TrainingInputError("every row is missing the target");

  const { features, targets } = sqlOf();
  const kinds = featureNames.map((name, i) => (features[i].float ? "numeric" : columnKind(name, kept - count(result[`m${i}`]), count(result[`n${i}`]))));
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

  // Levels of the categorical columns and class names not collected above, with their counts: one more pass.
  const keep = targets.map((t) => `NOT ${t.missing}`).join(" AND ");
  const wanted = kinds.flatMap((kind, i) => (kind === "categorical" && count(result[`o${i}`]) > 0 ? [i] : []));
  const classesWanted = task === "classification" && count(result.tother) > 0;
  const inner = [`${keep} AS k`, ...wanted.map((i) => `${features[i].text} AS l${i}, ${features[i].missing} AS m${i}`), `${targets[0].text} AS t`];
  const levelParts = wanted.map((i) => `histogram(l${i}) FILTER (WHERE k AND NOT m${i}) AS h${i}`);
  if (classesWanted) levelParts.push(`histogram(t) FILTER (WHERE k) AS th`);
  const second = levelParts.length ? await withRetry(source, () => engine.rowJson(`SELECT ${levelParts.join(", ")} FROM (SELECT ${inner.join(", ")} FROM ${rows()})`)) : {};
  const levels = { ...result, ...second };

  const specs: FeatureSpec[] = featureNames.map((name, i) =>
    kinds[i] === "numeric" ? { name, kind: "numeric" } : { name, kind: "categorical", categories: (levels[`h${i}`] as Histogram).map((e) => e.key).sort() },
  );
  let classes: string[] | undefined;
  let groupSizes = [kept];
  if (task === "classification") {
    const byClass = new Map((levels.th as Histogram).map((e) => [e.key, count(e.value)]));
    classes = sortClasses([...byClass.keys()]);
    if (classes.length < 2) throw new TrainingInputError(`target "${request.targets[0]}" has only one class (${JSON.stringify(classes[0])}); nothing to learn`);
    groupSizes = classes.map((c) => byClass.get(c)!);
  }
  // Number-typed columns get their counts from the encoding pass.
  const columns = specs.map((spec, i): ColumnReport => {
    const bad = spec.kind === "numeric" && !features[i].float ? kept - count(result[`m${i}`]) - count(result[`n${i}`]) : 0;
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
