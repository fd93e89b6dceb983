/**
 * maas upgrade-opset IN --to N --out OUT [--shape NAME=D,D,...] [--seed N] [--json]
 * Rewrites a model for a newer default-domain opset (training/onnx/opset-upgrade/) and writes it only
 * once onnxruntime-node computes the same outputs with it as with the source.
 */
import { CliError, UsageError } from "../cli-error.ts";
import { oneInput, parseCommandArgs } from "../cli/command.ts";
import { parseInputShapes } from "../cli/input-shapes.ts";
import { readModelFile, writeOutputFile } from "../cli/model-file.ts";
import { parseCount } from "../cli/compress-options.ts";
import { encodeModel } from "../../training/onnx/model-io.ts";
import { CannotUpgradeError, UPGRADE_TO_MAX } from "../../training/onnx/opset-upgrade/upgrade.ts";
import { UpgradeCheckError, upgradeAndCheck, type CheckedUpgrade } from "../../training/compress/upgrade-check.ts";
import { oneLine } from "../../training/compress/compare-models.ts";
import { upgradeLines } from "../../training/compress/summary-text.ts";

export const usage = `usage: maas upgrade-opset IN --to N --out OUT [options]
  --to N                  the default-domain opset to import (up to ${UPGRADE_TO_MAX}); ops whose definition
                          changed on the way (Upsample -> Resize, Slice/Clip/Pad/Squeeze/Unsqueeze/Split/
                          ReduceSum attributes -> inputs, Dropout -> Identity, Softmax's axis, ...) are
                          rewritten, the others carried over; a node that cannot be converted is named
  --out OUT               where to write the upgraded model (only after it was checked)
  --shape NAME=D,D,...    the dimensions of input NAME for the check (repeatable); by default symbolic
                          dimensions are 2 on the first axis and 1 elsewhere, too small for most CNNs
  --seed N                seed of the random inputs (default 1)
  --json                  print the summary as JSON
  -h, --help              this usage
The upgraded model and the source are run in onnxruntime-node on the same random inputs; the output
is written only if every output agrees (relative L2 <= 1e-5, integer outputs exactly).`;

/** What the command accepts (every one is in its usage). */
export const options = {
  to: { type: "string" },
  out: { type: "string" },
  shape: { type: "string", multiple: true },
  seed: { type: "string", default: "1" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, options);
  const input = oneInput(positionals, "maas upgrade-opset IN --to N --out OUT");
  if (values.to === undefined) throw new UsageError("--to N is required");
  if (!values.out) throw new UsageError("--out OUT is required");
  const to = parseCount("--to", values.to);
  const seed = parseCount("--seed", values.seed);
  const { bytes, model } = readModelFile(input);
  const shapes = parseInputShapes(values.shape, model);

  let upgrade: CheckedUpgrade;
  try {
    upgrade = await upgradeAndCheck(model, bytes, to, { seed, shapes });
  } catch (error) {
    if (error instanceof CannotUpgradeError || error instanceof UpgradeCheckError) throw new CliError(`${input}: ${error.message}`);
    throw new CliError(`${input}: ${oneLine(error)}`);
  }
  writeOutputFile(values.out, encodeModel(model), input);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ command: "upgrade-opset", input, output: values.out, ...upgrade }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${[`upgraded ${input} -> ${values.out}`, ...upgradeLines(upgrade)].join("\n")}\n`);
}
