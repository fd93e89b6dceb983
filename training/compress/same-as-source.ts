/**
 * The check that a rewrite of a model changed nothing it computes (the opset upgrade, the
 * BatchNormalization fold): the rewritten fp32 model and the source file run in onnxruntime-node on
 * the same seeded random inputs, and every output must agree — float outputs within a relative L2
 * (or, where given, every element within an absolute bound), integer outputs exactly — before
 * anything else uses the rewrite. A failure is one line naming the rewrite and the output.
 */
import { encodeModel, type ModelProto } from "../onnx/model-io.ts";
import { oneLine } from "./compare-models.ts";
import { compareOutputs, type OutputDifference } from "./output-difference.ts";
import type { InputShapes } from "./random-feeds.ts";
import type { InferenceSession } from "onnxruntime-node";
import { runOnce, type Feeds, type Outputs } from "./run-model.ts";

export interface SameAsSourceCheck {
  /** How the rewritten model is named in messages: "the model upgraded to opset 17". */
  rewritten: string;
  relativeL2: number;
  /** Also accepted: every element within this (outputs near zero, where relative L2 is rounding noise). */
  maxAbs?: number;
  /** Options for the source's session (e.g. optimizations off, so that ORT does not do the rewrite itself). */
  sourceOptions?: InferenceSession.SessionOptions;
  /** The error class the caller reports (one line, the CLI's error). */
  fail: (message: string) => Error;
}

/** Runs both and throws `check.fail(...)` on the first output that differs; returns every output's difference. */
export async function expectSameAsSource(source: Uint8Array, rewritten: ModelProto, feeds: Feeds, shapes: InputShapes, check: SameAsSourceCheck): Promise<OutputDifference[]> {
  let reference: Outputs;
  try {
    reference = await runOnce("node", source, feeds, check.sourceOptions);
  } catch (error) {
    const hint = Object.keys(shapes).length ? "" : "; give its inputs' dimensions with --shape NAME=D,D,...";
    throw check.fail(`the source model does not run in onnxruntime-node on random inputs (${oneLine(error)})${hint}`);
  }
  let outputs: Outputs;
  try {
    outputs = await runOnce("node", encodeModel(rewritten), feeds);
  } catch (error) {
    throw check.fail(`${check.rewritten} does not run in onnxruntime-node: ${oneLine(error)}`);
  }
  const differences = compareOutputs(reference, outputs);
  const withinAbs = (d: OutputDifference) => check.maxAbs !== undefined && d.maxAbs <= check.maxAbs;
  const off = differences.find((d) => (d.integer ? d.mismatchRate > 0 : d.relativeL2 > check.relativeL2 && !withinAbs(d)));
  if (off) {
    const by = off.integer
      ? `${(off.mismatchRate * 100).toFixed(2)}% of elements differ`
      : `relative L2 ${off.relativeL2.toExponential(2)} > ${check.relativeL2}${check.maxAbs === undefined ? "" : `, max abs ${off.maxAbs.toExponential(2)} > ${check.maxAbs}`}`;
    throw check.fail(`${check.rewritten} computes a different ${off.output} than the source (${by}); nothing was written`);
  }
  return differences;
}

/** How the random inputs were made, for the summary. */
export function describeRandomInputs(seed: number, shapes: InputShapes): string {
  const given = Object.entries(shapes).map(([name, dims]) => `${name}=${dims.join(",")}`);
  return `seeded random inputs (seed ${seed}, batch 2 on symbolic first axes${given.length ? `, ${given.join(" ")}` : ""})`;
}
