/**
 * Folds BatchNormalization into the convolutions before it (fold-batchnorm.ts) and proves the fold
 * changed nothing: the folded fp32 model and the source file run in onnxruntime-node on the same
 * seeded random inputs, the source with graph optimizations disabled (ORT would otherwise fold its
 * BatchNormalization itself at load, and the check would compare a fold with a fold), and every
 * output must agree (relative L2 ≤ FOLD_TOLERANCE, or max abs ≤ FOLD_ABSOLUTE_TOLERANCE) before
 * anything is quantized.
 */
import type { ModelProto } from "../onnx/model-io.ts";
import { foldBatchNorms, type BatchNormFold } from "./fold-batchnorm.ts";
import type { OutputDifference } from "./output-difference.ts";
import { randomFeeds } from "./random-feeds.ts";
import { describeRandomInputs, expectSameAsSource } from "./same-as-source.ts";
import type { UpgradeCheckOptions } from "./upgrade-check.ts";

/** The fold rounds each weight once in float32; the unfolded model rounds BatchNormalization's arithmetic instead. */
export const FOLD_TOLERANCE = 1e-5;
/**
 * Or every element within this: on outputs near zero the relative figure is rounding noise (on
 * random inputs the PaddleOCR detector's probabilities are ~0, and ORT's own fused and unfused runs
 * of the unchanged file differ by 0.18 relative L2 at 1.2e-7 max abs).
 */
export const FOLD_ABSOLUTE_TOLERANCE = 1e-6;

export class FoldCheckError extends Error {
  override name = "FoldCheckError";
}

export interface CheckedFold extends BatchNormFold {
  /** How the folded model was checked against the source; undefined when nothing was folded. */
  check: { inputs: string; outputs: OutputDifference[] } | undefined;
}

/** Folds `model` in place and checks it against `source` (the original file, before any upgrade). */
export async function foldAndCheck(model: ModelProto, source: Uint8Array, options: UpgradeCheckOptions): Promise<CheckedFold> {
  const fold = foldBatchNorms(model);
  if (fold.folded.Conv + fold.folded.ConvTranspose === 0) return { ...fold, check: undefined };
  const feeds = randomFeeds(model, options.seed, 2, options.shapes);
  const outputs = await expectSameAsSource(source, model, feeds, options.shapes, {
    rewritten: "the model with BatchNormalization folded",
    relativeL2: FOLD_TOLERANCE,
    maxAbs: FOLD_ABSOLUTE_TOLERANCE,
    sourceOptions: { graphOptimizationLevel: "disabled" },
    fail: (message) => new FoldCheckError(message),
  });
  return { ...fold, check: { inputs: describeRandomInputs(options.seed, options.shapes), outputs } };
}
