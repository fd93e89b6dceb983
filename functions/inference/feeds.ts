/**
 * Request inputs → onnxruntime tensors, checked against what the session expects: names, datatype,
 * rank and fixed dims, element count, and every element's type and range.
 */
import { badRequest } from "../errors.ts";
import { ort, type Tensor } from "../ort/runtime.ts";
import { decodeBinaryTensor } from "../protocol/binary-tensors.ts";
import { CODECS, DATATYPE_OF, NON_FINITE_CODECS } from "../protocol/datatypes.ts";
import { fillElements } from "../protocol/json-data.ts";
import type { InferInput } from "../protocol/v2-request.ts";
import type { Datatype } from "../registry/manifest.ts";
import type { SessionInput } from "../sessions/load-model.ts";

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
