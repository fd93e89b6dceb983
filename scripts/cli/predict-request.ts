/**
 * What `maas predict` sends for what it is given: records (one object, an array of them, or the
 * rows of a CSV/JSONL file) and v1 bodies go to v1 `:predict`, where the Worker applies the model's
 * feature schema; v2 bodies and arrays of plain rows go to v2 `/infer`. `--version` / `--alias`
 * choose the version for all of them: TensorFlow Serving's `/versions/V` and `/labels/A` paths in
 * v1, `/versions/{V or A}` in v2 (an alias name is a version reference there).
 */
import { parse } from "csv-parse/sync";
import { CliError } from "../cli-error.ts";

export type Payload =
  | { protocol: "v1"; body: Record<string, unknown> }
  | { protocol: "v2"; body: Record<string, unknown> }
  /** Plain rows [[...], ...] for a single-input model: v2 with the input's name and datatype from its metadata. */
  | { protocol: "rows"; rows: unknown[] };

export interface Target {
  root: string;
  model: string;
  version?: string;
  alias?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** A v2 request names its tensors: {"inputs": [{"name", "datatype", "shape", ...}]}. */
function isV2Body(v: Record<string, unknown>): boolean {
  return Array.isArray(v.inputs) && v.inputs.length > 0 && v.inputs.every((t) => isRecord(t) && "datatype" in t && "name" in t);
}

/** TensorFlow Serving's request forms: row ("instances") or columnar ("inputs", not v2 tensors). */
function isV1Body(v: Record<string, unknown>): boolean {
  return "instances" in v || ("inputs" in v && !isV2Body(v));
}

/** Classifies parsed JSON given with --input or in a .json file. */
export function payloadOf(json: unknown): Payload {
  if (isRecord(json)) {
    if (isV2Body(json)) return { protocol: "v2", body: json };
    if (isV1Body(json)) return { protocol: "v1", body: json };
    return { protocol: "v1", body: { instances: [json] } }; // one record
  }
  if (Array.isArray(json) && json.length > 0) {
    if (json.every(isRecord)) return { protocol: "v1", body: { instances: json } };
    if (json.some(isRecord)) throw new CliError("the array mixes records (objects) with other values");
    return { protocol: "rows", rows: json };
  }
  throw new CliError('the input must be a record {"feature": value, ...}, an array of records or rows, a v1 body {"instances": [...]} or a v2 body {"inputs": [...]}');
}

/** CSV cells are text: numbers become numbers, empty cells are left out (missing), the rest stays text. */
function csvValue(cell: string): unknown {
  const n = Number(cell);
  return cell !== "" && Number.isFinite(n) ? n : cell;
}

export function csvRecords(text: string, source: string): Record<string, unknown>[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (error) {
    throw new CliError(`${source} is not valid CSV: ${(error as Error).message}`);
  }
  return rows.map((row) => Object.fromEntries(Object.entries(row).filter(([, cell]) => cell !== "").map(([k, cell]) => [k, csvValue(cell)])));
}

export function jsonlRecords(text: string, source: string): Record<string, unknown>[] {
  return text.split(/\r?\n/).flatMap((line, i) => {
    if (line.trim() === "") return [];
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new CliError(`${source} line ${i + 1} is not JSON: ${(error as Error).message}`);
    }
    if (!isRecord(value)) throw new CliError(`${source} line ${i + 1} is not a record (a JSON object)`);
    return [value];
  });
}

/** A file given with --data, by its extension: .csv, .jsonl/.ndjson (records) or .json (any JSON form). */
export function fileKind(path: string): "csv" | "jsonl" | "json" {
  const lower = path.toLowerCase();
  if (lower.endsWith(".csv")) return "csv";
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return "jsonl";
  if (lower.endsWith(".json")) return "json";
  throw new CliError(`--data ${path}: expected a .csv, .jsonl or .json file`);
}

/** Drops columns (e.g. the target column of a training file) from every record of a v1 row body. */
export function withoutColumns(payload: Payload, columns: readonly string[]): Payload {
  if (!columns.length) return payload;
  if (payload.protocol !== "v1" || !Array.isArray(payload.body.instances) || !payload.body.instances.every(isRecord)) {
    throw new CliError("--ignore applies to records only");
  }
  const instances = (payload.body.instances as Record<string, unknown>[]).map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !columns.includes(k))));
  return { protocol: "v1", body: { ...payload.body, instances } };
}

const segment = encodeURIComponent;

/** v1: TensorFlow Serving's paths. */
export function v1PredictUrl(t: Target): string {
  const which = t.version !== undefined ? `/versions/${segment(t.version)}` : t.alias !== undefined ? `/labels/${segment(t.alias)}` : "";
  return `${t.root}/v1/models/${segment(t.model)}${which}:predict`;
}

/** v2: `{v}` is a version id or an alias name. */
export function v2ModelUrl(t: Target): string {
  const which = t.version ?? t.alias;
  return `${t.root}/v2/models/${segment(t.model)}${which !== undefined ? `/versions/${segment(which)}` : ""}`;
}
