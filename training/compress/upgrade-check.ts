/**
 * Upgrades a model's opset and proves the upgrade changed nothing: the upgraded fp32 model and the
 * original run in onnxruntime-node on the same seeded random inputs, and every output must agree
 * (relative L2 ≤ UPGRADE_TOLERANCE; integer outputs exactly) before anything else uses it.
 */
import type { ModelProto } from "../onnx/model-io.ts";
import { upgradeOpset, type OpsetUpgrade } from "../onnx/opset-upgrade/upgrade.ts";
import type { OutputDifference } from "./output-difference.ts";
import { randomFeeds, type InputShapes } from "./random-feeds.ts";
import { describeRandomInputs, expectSameAsSource } from "./same-as-source.ts";

/** Rewritten ops compute the same thing; kernels for the new versions may round differently. */
export const UPGRADE_TOLERANCE = 1e-5;

export class UpgradeCheckError extends Error {
  override name = "UpgradeCheckError";
}

export interface CheckedUpgrade extends OpsetUpgrade {
  /** How the upgraded model was checked against the source in onnxruntime-node. */
  check: { inputs: string; outputs: OutputDifference[] };
}

export interface UpgradeCheckOptions {
  seed: number;
  /** Dimensions per input name; symbolic dimensions are otherwise batch 2 on the first axis, 1 elsewhere. */
  shapes: InputShapes;
}

/** Upgrades `model` in place to opset `to` and checks it against `source` (the original file). */
export async function upgradeAndCheck(model: ModelProto, source: Uint8Array, to: number, options: UpgradeCheckOptions): Promise<CheckedUpgrade> {
  const feeds = randomFeeds(model, options.seed, 2, options.shapes);
  const upgrade = upgradeOpset(model, to);
  const outputs = await expectSameAsSource(source, model, feeds, options.shapes, {
    rewritten: `the model upgraded to opset ${to}`,
    relativeL2: UPGRADE_TOLERANCE,
    fail: (message) => new UpgradeCheckError(message),
  });
  return { ...upgrade, check: { inputs: describeRandomInputs(options.seed, options.shapes), outputs } };
}
