/**
 * How one value of a raw record reads: missing, a number, a category. Shared by the trainer (which
 * reads its training file with them) and the Worker (which checks requests with them), so both
 * read a value the same way. Pure TypeScript: it runs inside the Worker too.
 */

/** Bad records or a bad schema; the message names the record index and the field. */
export class FeatureSchemaError extends Error {
  override name = "FeatureSchemaError";
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
