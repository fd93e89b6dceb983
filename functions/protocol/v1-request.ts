/**
 * The body of a v1 `:predict` request, as TensorFlow Serving's REST API defines it: the inputs in
 * row format (`instances`: one entry per batch row; an object of named inputs per row for several
 * inputs) or columnar format (`inputs`: the tensor, or an object of named tensors), never both, and
 * an optional `signature_name`. Ours adds `parameters`, the rules for raw records (see
 * functions/registry/record-encoding.ts).
 */
import * as z from "zod";
import { badRequest } from "../errors.ts";
import { RECORD_RULES, type RecordRules } from "../registry/record-encoding.ts";
import type { TensorSpec } from "../registry/manifest.ts";
import { isPlainObject, parseWith } from "./parse-with.ts";
import type { JsonInferInput } from "./v2-request.ts";

/** A model's one signature (the name TensorFlow Serving gives the default one). */
export const SIGNATURE_NAME = "serving_default";

export const recordParameters = z
  .object({
    missing: z
      .enum(["error", "impute"])
      .optional()
      .describe('a missing feature (absent, null, "", "NA", "NaN") that the training data never lacked: "error" (default) refuses the request; "impute" imputes it as the model does for missing values (numeric: the training mean; categorical: no category). Features the training data did lack are always imputed.'),
    unknown_category: z
      .enum(["error", "ignore"])
      .optional()
      .describe('a category not seen in training: "error" (default) refuses the request, listing the known ones; "ignore" encodes it as none of them'),
    unknown_field: z
      .enum(["error", "ignore"])
      .optional()
      .describe('a field that is not a feature of the model: "error" (default) refuses the request, naming the closest feature; "ignore" leaves it out'),
  })
  .strict()
  .describe("how raw records are held to the model's feature schema; every imputed or ignored value is reported per row in `adjustments`");
export type RecordParameters = z.infer<typeof recordParameters>;

// Only "is an array" for instances: the elements are checked where they are used, and
// z.array(z.unknown()) would copy each one.
const list = z.custom<unknown[]>((value) => Array.isArray(value) && value.length > 0, { message: "expected a non-empty array" });

const predictBody = z
  .object({
    signature_name: z.string().optional(),
    instances: list.optional(),
    inputs: z.unknown().optional(),
    parameters: recordParameters.optional(),
  })
  .strict();

export interface PredictRequest {
  /** "row": `instances` → `predictions`; "columnar": `inputs` → `outputs`. */
  format: "row" | "columnar";
  /** `instances` (row format) or `inputs` (columnar format). */
  value: unknown;
  /** How raw records are held to the feature schema. */
  rules: RecordRules;
}

function rulesOf(parameters: RecordParameters | undefined): RecordRules {
  if (!parameters) return RECORD_RULES;
  return {
    missing: parameters.missing ?? RECORD_RULES.missing,
    unknownCategory: parameters.unknown_category ?? RECORD_RULES.unknownCategory,
    unknownField: parameters.unknown_field ?? RECORD_RULES.unknownField,
    report: true,
  };
}

export function parsePredictRequest(body: unknown): PredictRequest {
  const request = parseWith(predictBody, body, "predict request");
  const signature = request.signature_name;
  if (signature !== undefined && signature !== "" && signature !== SIGNATURE_NAME) {
    throw badRequest(`unknown signature_name ${JSON.stringify(signature)}; a model here has one signature, "${SIGNATURE_NAME}"`);
  }
  const hasRows = request.instances !== undefined;
  if (hasRows === (request.inputs !== undefined)) {
    throw badRequest(`a predict request has either "instances" (row format) or "inputs" (columnar format), ${hasRows ? "not both" : "and this one has neither"}`);
  }
  return hasRows
    ? { format: "row", value: request.instances, rules: rulesOf(request.parameters) }
    : { format: "columnar", value: request.inputs, rules: rulesOf(request.parameters) };
}

/** The dims of a nested array, read along its first elements, at most `maxDepth` levels deep. */
export function nestedShape(value: unknown, maxDepth: number, what: string): number[] {
  const shape: number[] = [];
  let current = value;
  while (Array.isArray(current)) {
    if (shape.length >= maxDepth) throw badRequest(`${what} is nested deeper than ${maxDepth} levels`);
    shape.push(current.length);
    current = current[0];
  }
  return shape;
}

/** One input's JSON value (a nested list or a scalar) as a v2-style input, checked later against the model. */
export function tensorInput(spec: TensorSpec, value: unknown, maxDepth: number, what: string): JsonInferInput {
  const shape = nestedShape(value, maxDepth, what);
  return { name: spec.name, datatype: spec.datatype, shape, data: Array.isArray(value) ? value : [value] };
}

function inputSpec(inputs: readonly TensorSpec[], name: string): TensorSpec {
  const spec = inputs.find((s) => s.name === name);
  if (!spec) throw badRequest(`unknown input "${name}"; the model's inputs are ${inputs.map((s) => `"${s.name}"`).join(", ")}`);
  return spec;
}

/** Whether every key of `row` names an input of the model (the row carries named tensors, not a record). */
export function namesInputs(row: Record<string, unknown>, inputs: readonly TensorSpec[], features?: ReadonlySet<string>): boolean {
  let any = false;
  for (const key in row) {
    if (features?.has(key) || !inputs.some((s) => s.name === key)) return false;
    any = true;
  }
  return any;
}

/** Row format → one input per model input: each row is that input's row, or an object of named input rows. */
export function rowInputs(instances: unknown[], inputs: readonly TensorSpec[], maxDepth: number): JsonInferInput[] {
  if (!isPlainObject(instances[0])) {
    if (inputs.length !== 1) {
      throw badRequest(
        `the model has ${inputs.length} inputs (${inputs.map((s) => `"${s.name}"`).join(", ")}); send each instance as an object of named inputs, or use the columnar "inputs" format`,
      );
    }
    return [tensorInput(inputs[0], instances, maxDepth, "instances")];
  }
  for (const [row, instance] of instances.entries()) {
    if (!isPlainObject(instance)) throw badRequest(`instances[${row}] is not an object of named inputs like instances[0]`);
    for (const key in instance) inputSpec(inputs, key);
  }
  return Object.keys(instances[0] as object).map((name) => {
    const spec = inputSpec(inputs, name);
    const column = instances.map((instance, row) => {
      const fields = instance as Record<string, unknown>;
      if (!Object.hasOwn(fields, name)) throw badRequest(`instances[${row}] lacks input "${name}" (every instance names the same inputs)`);
      return fields[name];
    });
    return tensorInput(spec, column, maxDepth, `instances' "${name}"`);
  });
}

/** Columnar format → the inputs: the one input's tensor, or an object of named tensors. */
export function columnInputs(value: unknown, inputs: readonly TensorSpec[], maxDepth: number): JsonInferInput[] {
  if (!isPlainObject(value)) {
    if (inputs.length !== 1) {
      throw badRequest(`the model has ${inputs.length} inputs (${inputs.map((s) => `"${s.name}"`).join(", ")}); send "inputs" as an object of named tensors`);
    }
    return [tensorInput(inputs[0], value, maxDepth, "inputs")];
  }
  return Object.entries(value).map(([name, tensor]) => tensorInput(inputSpec(inputs, name), tensor, maxDepth, `inputs."${name}"`));
}

/** Columnar records (`{"feature": [one value per row], ...}`) → one record per row. */
export function columnRecords(columns: Record<string, unknown>): Record<string, unknown>[] {
  const names = Object.keys(columns);
  if (names.length === 0) throw badRequest(`inputs: expected features, each with a list of one value per row`);
  let rows = -1;
  for (const name of names) {
    const values = columns[name];
    if (!Array.isArray(values)) throw badRequest(`inputs."${name}": expected a list of one value per row`);
    if (rows >= 0 && values.length !== rows) throw badRequest(`inputs."${name}" has ${values.length} values, but inputs."${names[0]}" has ${rows}`);
    rows = values.length;
  }
  if (rows === 0) throw badRequest(`inputs: the lists are empty`);
  return Array.from({ length: rows }, (_, row) => {
    const record: Record<string, unknown> = {};
    for (const name of names) record[name] = (columns[name] as unknown[])[row];
    return record;
  });
}
