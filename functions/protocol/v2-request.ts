/** The Open Inference Protocol v2 inference request body, validated with zod. */
import { z } from "zod";
import { badRequest } from "../errors.ts";

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

/** zod's first complaint as one readable line: `inputs[0].shape: expected array`. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue.path.reduce<string>(
    (text, part) => (typeof part === "number" ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)),
    "",
  );
  return path ? `${path}: ${issue.message}` : issue.message;
}

export function parseWith<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success) throw badRequest(`invalid ${what}: ${describeZodError(result.error)}`);
  return result.data;
}
