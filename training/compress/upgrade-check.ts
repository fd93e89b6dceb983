/**
 * Upgrades a model's opset and proves the upgrade changed nothing: the upgraded fp32 model and the
 * original run in onnxruntime-node on the same seeded random inputs, and every output must agree
 * (relative L2 ≤ UPGRADE_TOLERANCE; integer outputs exactly) before anything else uses it.
 */
import { encodeModel, type ModelProto } from "../onnx/model-io.ts";
import { upgradeOpset, type OpsetUpgrade } from "../onnx/opset-upgrade/upgrade.ts";
import { oneLine } from "./compare-models.ts";
import { compareOutputs, type OutputDifference } from "./output-difference.ts";
import { randomFeeds, type InputShapes } from "./random-feeds.ts";
import { runOnce, type Outputs } from "./run-model.ts";

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

function describeShapes(shapes: InputShapes): string {
  const given = Object.entries(shapes).map(([name, dims]) => `${name}=${dims.join(",")}`);
  return given.length ? `, ${given.join(" ")}` : "";
}

/** Upgrades `model` in place to opset `to` and checks it against `source` (the original file). */
export async function upgradeAndCheck(model: ModelProto, source: Uint8Array, to: number, options: UpgradeCheckOptions): Promise<CheckedUpgrade> {
  const feeds = randomFeeds(model, options.seed, 2, options.shapes);
  const upgrade = upgradeOpset(model, to);
  let reference: Outputs;
  try {
    reference = await runOnce("node", source, feeds);
  } catch (error) {
    const hint = Object.keys(options.shapes).length ? "" : "; give its inputs' dimensions with --shape NAME=D,D,...";
    throw new UpgradeCheckError(`the source model does not run in onnxruntime-node on random inputs (${oneLine(error)})${hint}`);
  }
  let upgraded: Outputs;
  try {
    upgraded = await runOnce("node", encodeModel(model), feeds);
  } catch (error) {
    throw new UpgradeCheckError(`the model upgraded to opset ${to} does not run in onnxruntime-node: ${oneLine(error)}`);
  }
  const outputs = compareOutputs(reference, upgraded);
  const off = outputs.find((d) => (d.integer ? d.mismatchRate > 0 : d.relativeL2 > UPGRADE_TOLERANCE));
  if (off) {
    const by = off.integer ? `${(off.mismatchRate * 100).toFixed(2)}% of elements differ` : `relative L2 ${off.relativeL2.toExponential(2)} > ${UPGRADE_TOLERANCE}`;
    throw new UpgradeCheckError(`the model upgraded to opset ${to} computes a different ${off.output} than the source (${by}); nothing was written`);
  }
  return { ...upgrade, check: { inputs: `seeded random inputs (seed ${options.seed}, batch 2 on symbolic first axes${describeShapes(options.shapes)})`, outputs } };
}
