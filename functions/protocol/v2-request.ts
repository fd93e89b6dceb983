/** The Open Inference Protocol v2 inference request body, validated with zod. */
import * as z from "zod";
import { isPlainObject, parseWith } from "./parse-with.ts";

// Parameters of the binary tensor data extension (Triton's HTTP binary data extension, which KServe
// v2 references); any other parameter is allowed and ignored.
const inputParameters = z
  .object({
    binary_data_size: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe("binary tensor data extension: this input's values are the next binary_data_size bytes after the JSON header"),
  })
  .catchall(z.unknown())
  .optional();
const outputParameters = z
  .object({ binary_data: z.boolean().optional().describe("binary tensor data extension: return this output as binary data (overrides binary_data_output)") })
  .catchall(z.unknown())
  .optional();
const requestParameters = z
  .object({ binary_data_output: z.boolean().optional().describe("binary tensor data extension: return every output as binary data unless its own binary_data says otherwise") })
  .catchall(z.unknown())
  .optional();

// Only "is an array" here: buildFeeds checks every element against the model's datatype anyway,
// and z.array(z.unknown()) would copy each element once more (~90 µs for a batch-64 request).
const data = z.custom<unknown[]>(Array.isArray, { message: "expected array" });

export const inferInputSchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
  datatype: z.string().min(1),
  parameters: inputParameters,
  data,
});
/** An input with its values as JSON (`data`). */
export type JsonInferInput = z.infer<typeof inferInputSchema>;
/** An input whose values came in the binary section of the request: its raw bytes, decoded by buildFeeds. */
export type BinaryInferInput = Omit<JsonInferInput, "data"> & { data?: undefined; binary: Uint8Array };
export type InferInput = JsonInferInput | BinaryInferInput;

const requestedOutputs = z.array(z.object({ name: z.string().min(1), parameters: outputParameters })).optional();

export const inferRequestSchema = z.object({
  id: z.string().optional(),
  parameters: requestParameters,
  inputs: z.array(inferInputSchema).min(1),
  outputs: requestedOutputs,
});
export type InferRequest = z.infer<typeof inferRequestSchema>;

/**
 * The JSON header of a request in the binary form (`Inference-Header-Content-Length`): an input
 * carries either `data` or `parameters.binary_data_size` (checked in functions/protocol/binary-tensors.ts).
 */
export const binaryInferRequestSchema = inferRequestSchema.extend({
  inputs: z.array(inferInputSchema.extend({ data: data.optional() })).min(1),
});
export type BinaryInferRequest = z.infer<typeof binaryInferRequestSchema>;

// ---- the common request without zod ----
// zod runs without its compiled fast path inside workerd (no code generation from strings there),
// and the v2 request is parsed on every inference: the plain form below — what every client sends
// for JSON tensors — is recognised by hand and handed on as it is; anything else (parameters, an
// unknown key, a doubtful value) goes through inferRequestSchema, which also words the errors.
// test/node/worker-units/v2-request.test.ts checks that whatever is taken here, zod accepts too,
// with the same result.

const REQUEST_KEYS = new Set(["id", "inputs", "outputs"]);
const INPUT_KEYS = new Set(["name", "shape", "datatype", "data"]);

function onlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!allowed.has(key) || value[key] === undefined) return false;
  return true;
}

const nonEmptyString = (value: unknown): value is string => typeof value === "string" && value.length > 0;

function isPlainInput(value: unknown): boolean {
  if (!isPlainObject(value) || !onlyKeys(value, INPUT_KEYS)) return false;
  const { name, shape, datatype, data } = value;
  if (!nonEmptyString(name) || !nonEmptyString(datatype) || !Array.isArray(data) || !Array.isArray(shape)) return false;
  for (const dim of shape) if (!Number.isSafeInteger(dim) || (dim as number) < 0) return false;
  return true;
}

function isPlainOutput(value: unknown): boolean {
  return isPlainObject(value) && onlyKeys(value, NAME_ONLY) && nonEmptyString(value.name);
}
const NAME_ONLY = new Set(["name"]);

/** The request when it has the plain form (see above), else undefined. */
export function plainInferRequest(body: unknown): InferRequest | undefined {
  if (!isPlainObject(body) || !onlyKeys(body, REQUEST_KEYS)) return undefined;
  const { id, inputs, outputs } = body;
  if (id !== undefined && typeof id !== "string") return undefined;
  if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every(isPlainInput)) return undefined;
  if (outputs !== undefined && !(Array.isArray(outputs) && outputs.every(isPlainOutput))) return undefined;
  return body as InferRequest;
}

/** A JSON v2 inference request: the plain form directly, anything else through zod. */
export function parseInferRequest(body: unknown): InferRequest {
  return plainInferRequest(body) ?? parseWith(inferRequestSchema, body, "inference request");
}
