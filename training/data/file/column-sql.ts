/**
 * SQL for one column, with the semantics of the Worker's feature schema (functions/registry/
 * feature-schema.ts): what is missing (isMissing), what is a number (toNumber: plain decimal
 * notation only), and the text a category is looked up by (categoryKey, trimmed).
 */
import { MISSING_STRINGS } from "../../../functions/registry/feature-schema.ts";
import { ident, literal } from "./engine.ts";
import { isNumberType, type RawColumn } from "./source.ts";

/** toNumber's pattern (RE2 syntax). */
const NUMBER_PATTERN = String.raw`[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?`;
const WHITESPACE = "chr(32) || chr(9) || chr(10) || chr(13)";

export interface ColumnSql {
  /** The trimmed text (NULL when absent). */
  text: string;
  missing: string;
  /** Not missing and a number (to be used with NOT missing). */
  isNumber: string;
  /** The DOUBLE value (NULL when not a number). */
  number: string;
  /** Number-typed columns: the FLOAT feature directly (NaN when missing; infinities kept, reported as bad values). */
  float?: string;
}

export function columnSql(column: RawColumn): ColumnSql {
  const c = ident(column.name);
  if (isNumberType(column.type)) {
    const v = `${c}::DOUBLE`;
    return {
      // Integral values as JS prints them ("1", not "1.0"), so numeric class names match the text files'.
      text: `CASE WHEN ${v} = trunc(${v}) AND abs(${v}) < 1e15 THEN (${v}::BIGINT)::VARCHAR ELSE ${v}::VARCHAR END`,
      missing: `(${c} IS NULL OR isnan(${v}))`,
      isNumber: `NOT isinf(${v})`,
      number: v,
      float: `coalesce(TRY_CAST(${v} AS FLOAT), 'nan'::FLOAT)`,
    };
  }
  const raw = column.type === "JSON" ? `json_extract_string(${c}, '$')` : `${c}::VARCHAR`;
  const text = `trim(${raw}, ${WHITESPACE})`;
  const isNumber = `regexp_full_match(${text}, ${literal(NUMBER_PATTERN)})`;
  return {
    text,
    missing: `(${text} IS NULL OR ${text} IN (${[...MISSING_STRINGS].map(literal).join(", ")}))`,
    isNumber,
    number: `CASE WHEN ${isNumber} THEN (${text})::DOUBLE END`,
  };
}

/** A numeric feature as FLOAT: NaN when missing or not a number (the graph imputes). */
export function numericFeature(sql: ColumnSql): string {
  if (sql.float) return sql.float;
  return `coalesce(CASE WHEN NOT ${sql.missing} AND ${sql.isNumber} THEN TRY_CAST(${sql.number} AS FLOAT) END, 'nan'::FLOAT)`;
}

/** A categorical feature as the 1-based position of its level; 0 when missing or unknown. */
export function levelIndex(sql: ColumnSql, levels: readonly string[]): string {
  return `coalesce(list_position([${levels.map(literal).join(", ")}]::VARCHAR[], ${sql.text}), 0)::INTEGER`;
}
