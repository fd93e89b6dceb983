/**
 * maas prune IN --sparsity 0.5 --out OUT [--scope layer|global] [--min-elements N]
 *   [--finetune DATA --target COL [--epochs N]] [--keep-report] [--data FILE] [--eval DATA --target COL] [--seed N] [--json]
 * Like quantize, the output leaves out the source model's training report (loss curve, confusion
 * matrix: the dense model's, not the pruned one's) unless --keep-report.
 */
import { CliError, UsageError } from "../cli-error.ts";
import { oneInput, parseCommandArgs } from "../cli/command.ts";
import { decodeModel, encodeModel } from "../../training/onnx/model-io.ts";
import { compareOrLoad, oneLine } from "../../training/compress/compare-models.ts";
import { pruneModel, type PruneLayerReport, type PruneScope } from "../../training/compress/prune.ts";
import { formatBytes } from "../../training/compress/size-report.ts";
import { handleTrainingReport, stripTrainingReport } from "../../training/compress/strip-report.ts";
import { recordCompressionStep, sha256Hex } from "../../training/compress/record-step.ts";
import { comparisonLines, reportLines } from "../../training/compress/summary-text.ts";
import { measurePruningGain, type PruningGain } from "../../training/compress/what-pruning-buys.ts";
import { readModelFile, writeOutputFile } from "../cli/model-file.ts";
import { evaluateBeforeAfter, parseCount, type EvalSummary } from "../cli/compress-options.ts";

export const usage = `usage: maas prune IN --sparsity 0.5 --out OUT [options]
  --scope layer|global    one threshold per weight (default) or one for all weights
  --min-elements N        leave weights with fewer elements alone (default 0)
  --finetune DATA --target COL [--epochs N]
                          continue training with the mask held (models made by maas train; default 30 epochs)
  --keep-report           keep the trainer's loss curve and confusion matrix in the output's
                          maas.training metadata. By default they are dropped: they describe the
                          source model, not the pruned one. The feature schema, labels, metrics and
                          network description stay either way
  --data FILE             inputs (CSV/JSON) for the output comparison (default: random inputs)
  --eval DATA --target COL  accuracy or R² before and after, on labelled data
  --seed N                seed of the random inputs (default 1)
  --json                  print the summary as JSON
  -h, --help              this usage`;

function layerLine(l: PruneLayerReport): string {
  const share = (n: number): string => `${((100 * n) / l.elements).toFixed(1)}%`;
  const what = l.keptBecause ? `kept: ${l.keptBecause}` : `zeros ${share(l.zerosBefore)} -> ${share(l.zerosAfter)}`;
  return `  ${l.weight} [${l.shape.join("x")}] (${l.graph}): ${what}`;
}

function gainLines(g: PruningGain, reportDropped: boolean): string[] {
  const row = (label: string, s: PruningGain["dense"]): string =>
    `  ${label.padEnd(6)} ${formatBytes(s.source.bytes)} -> ${formatBytes(s.pruned.bytes)}; gzip ${formatBytes(s.source.gzipBytes)} -> ${formatBytes(s.pruned.gzipBytes)}`;
  return [
    `size (source -> pruned${reportDropped ? ", both without the training report" : ""}; a densely stored pruned model is not smaller, the zeros pay off compressed):`,
    row("fp32", g.dense), row("int8", g.int8), row("int4", g.int4),
  ];
}

/** What the command accepts (every one is in its usage). */
export const options = {
  sparsity: { type: "string" },
  out: { type: "string" },
  scope: { type: "string", default: "layer" },
  "min-elements": { type: "string", default: "0" },
  finetune: { type: "string" },
  epochs: { type: "string", default: "30" },
  data: { type: "string" },
  eval: { type: "string" },
  target: { type: "string" },
  seed: { type: "string", default: "1" },
  "keep-report": { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, options);
  const input = oneInput(positionals, "maas prune IN --sparsity 0.5 --out OUT");
  const sparsity = Number(values.sparsity);
  if (values.sparsity === undefined || !(sparsity >= 0 && sparsity < 1)) throw new CliError(`--sparsity must be a number in [0, 1) (got ${values.sparsity ?? "nothing"})`);
  if (!values.out) throw new UsageError("--out OUT is required");
  const scope = values.scope as PruneScope;
  if (scope !== "layer" && scope !== "global") throw new CliError(`--scope must be layer or global (got ${values.scope})`);
  const minElements = parseCount("--min-elements", values["min-elements"]);
  const seed = parseCount("--seed", values.seed);
  const epochs = parseCount("--epochs", values.epochs);
  if ((values.finetune !== undefined || values.eval !== undefined) && values.target === undefined) {
    throw new CliError("--finetune DATA and --eval DATA need --target COL");
  }

  const { bytes, model } = readModelFile(input);
  const { layers, masks } = pruneModel(model, { sparsity, scope, minElements });
  if (!layers.some((l) => !l.keptBecause)) {
    throw new CliError(`${input}: nothing to prune: ${layers.length ? layers.map((l) => `${l.weight}: ${l.keptBecause}`).join("; ") : "no MatMul or Gemm with a constant float32 weight"}`);
  }
  // Before fine-tuning, which carries the source's metadata over to the model it rebuilds.
  const report = handleTrainingReport(model, values["keep-report"]);
  // What was done goes into the file (fine-tuning keeps it), so that `maas push` records it with no flag.
  recordCompressionStep(model, {
    kind: "prune", sparsity, scope, sourceSha256: sha256Hex(bytes), ...(values.finetune ? { finetuneEpochs: epochs } : {}),
    layers: layers.flatMap((l) => (l.keptBecause ? [] : [{ weight: l.weight, sparsity: l.zerosAfter / l.elements }])),
  });
  let output = encodeModel(model);
  let finetuneLines: string[] = [];
  if (values.finetune) {
    const { finetunePruned } = await import("../../training/compress/finetune.ts");
    let result;
    try {
      result = await finetunePruned(output, masks, values.finetune, values.target!, { epochs, seed });
    } catch (error) {
      throw new CliError(oneLine(error));
    }
    output = result.bytes;
    finetuneLines = result.lines;
  }

  let comparison;
  let evaluation: EvalSummary | undefined;
  try {
    comparison = await compareOrLoad(bytes, output, model, values.data, seed);
    if (values.eval) evaluation = await evaluateBeforeAfter(model, bytes, output, values.eval, values.target!);
  } catch (error) {
    throw new CliError(oneLine(error));
  }
  writeOutputFile(values.out, output, input);
  // Sizes compare like with like: without the report in the source too, when it was dropped.
  const gain = measurePruningGain(report.report === "dropped" ? withoutReport(bytes) : bytes, output);

  const summary = {
    command: "prune", sparsity, scope, input, output: values.out, trainingReport: report, layers, size: gain, difference: comparison, evaluation, finetune: finetuneLines,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const lines = [
    `pruned ${input} -> ${values.out} (${scope} magnitude pruning, sparsity ${sparsity})`,
    ...reportLines(report, values["keep-report"]),
    "layers:",
    ...layers.map(layerLine),
    ...gainLines(gain, report.report === "dropped"),
    ...finetuneLines,
    ...comparisonLines(comparison),
    ...(evaluation?.lines ?? []),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

function withoutReport(bytes: Uint8Array): Uint8Array {
  const model = decodeModel(bytes);
  stripTrainingReport(model);
  return encodeModel(model);
}
