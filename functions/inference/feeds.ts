/**
 * Request inputs → onnxruntime tensors, checked against what the session expects: names, datatype,
 * rank and fixed dims, element count, and every element's type and range.
 */
import { badRequest } from "../errors.ts";
import { decodeBinaryTensor } from "../protocol/binary-tensors.ts";
import { ort, type Tensor } from "../ort/runtime.ts";
import { CODECS, DATATYPE_OF, describeValue, NON_FINITE_CODECS, type ElementCodec } from "../protocol/datatypes.ts";
import type { InferInput } from "../protocol/v2-request.ts";
import type { Datatype } from "../registry/manifest.ts";
import type { SessionInput } from "../sessions/load-model.ts";

/** Default deepest nesting accepted in `data` (a row-major nested array never needs more). */
export const MAX_DATA_DEPTH = 32;

export interface FeedOptions {
  /** Deepest nesting of `data` arrays. */
  maxDepth?: number;
  /** Whether FP inputs may carry "NaN", "Infinity", "-Infinity" (the model says it handles them). */
  allowNonFinite?: boolean;
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

export function datatypeOf(input: SessionInput): Datatype {
  const datatype = DATATYPE_OF[input.type];
  if (!datatype) throw badRequest(`input "${input.name}" has tensor type ${input.type}, which this server cannot feed`);
  return datatype;
}

function checkShape(expected: SessionInput, shape: readonly number[]): void {
  if (shape.length !== expected.shape.length) {
    throw badRequest(
      `input "${expected.name}" has shape ${formatShape(shape)}, but the model expects rank ${expected.shape.length} ${formatShape(expected.shape)}`,
    );
  }
  shape.forEach((dim, axis) => {
    const fixed = expected.shape[axis];
    if (fixed !== -1 && fixed !== dim) {
      throw badRequest(
        `input "${expected.name}" has shape ${formatShape(shape)}, incompatible with the model's ${formatShape(expected.shape)} at axis ${axis}`,
      );
    }
  });
}

/** Flattens (possibly nested) row-major JSON data into freshly allocated storage. */
export function fillElements(name: string, datatype: Datatype, codec: ElementCodec, data: unknown[], expected: number, maxDepth = MAX_DATA_DEPTH) {
  const storage = codec.allocate(expected) as { [index: number]: unknown; length: number };
  let count = 0;
  const visit = (values: unknown[], depth: number): void => {
    for (const value of values) {
      if (Array.isArray(value)) {
        if (depth >= maxDepth) throw badRequest(`input "${name}": data is nested deeper than ${maxDepth} levels`);
        visit(value, depth + 1);
        continue;
      }
      if (count < expected) {
        const converted = codec.convert(value);
        if (converted === undefined) {
          const nonFinite = typeof value === "string" && /^-?(NaN|Infinity)$/.test(value) && datatype.startsWith("FP");
          throw badRequest(
            nonFinite
              ? `input "${name}": element ${count} is ${value}; this model does not accept NaN or Infinity`
              : `input "${name}": element ${count} is ${describeValue(value)}, not a valid ${datatype}`,
          );
        }
        storage[count] = converted;
      }
      count++;
    }
  };
  visit(data, 1);
  if (count !== expected) {
    throw badRequest(`input "${name}" has ${count} elements, but its shape needs ${expected}`);
  }
  return storage;
}

export function buildFeeds(
  expectedInputs: ReadonlyMap<string, SessionInput>,
  inputs: readonly InferInput[],
  options: FeedOptions = {},
): Record<string, Tensor> {
  const codecs = options.allowNonFinite ? NON_FINITE_CODECS : CODECS;
  const feeds: Record<string, Tensor> = {};
  for (const input of inputs) {
    const expected = expectedInputs.get(input.name);
    if (!expected) {
      throw badRequest(`unknown input "${input.name}"; the model's inputs are ${[...expectedInputs.keys()].map((n) => `"${n}"`).join(", ")}`);
    }
    if (feeds[input.name]) throw badRequest(`input "${input.name}" is given twice`);
    const datatype = datatypeOf(expected);
    if (input.datatype !== datatype) throw badRequest(`input "${input.name}" must be ${datatype}, got ${input.datatype}`);
    checkShape(expected, input.shape);
    const elements = input.shape.reduce((a, b) => a * b, 1);
    const storage =
      "binary" in input
        ? decodeBinaryTensor(input.name, datatype, input.binary, elements, { allowNonFinite: options.allowNonFinite })
        : fillElements(input.name, datatype, codecs[datatype], input.data, elements, options.maxDepth);
    feeds[input.name] = new ort.Tensor(expected.type as "float32", storage as Float32Array, input.shape);
  }
  const missing = [...expectedInputs.keys()].filter((name) => !feeds[name]);
  if (missing.length) throw badRequest(`missing input${missing.length > 1 ? "s" : ""} ${missing.map((n) => `"${n}"`).join(", ")}`);
  return feeds;
}
