/**
 * maas prune IN --sparsity 0.5 --out OUT [--scope layer|global] [--min-elements N]
 *   [--finetune DATA --target COL [--epochs N]] [--data FILE] [--eval DATA --target COL] [--seed N] [--json]
 */
import { parseArgs } from "node:util";
import { CliError } from "../../../scripts/cli-error.ts";
import { encodeModel } from "../../onnx/model-io.ts";
import { compareOrLoad, oneLine } from "../compare-models.ts";
import { pruneModel, type PruneLayerReport, type PruneScope } from "../prune.ts";
import { formatBytes } from "../size-report.ts";
import { comparisonLines } from "../summary-text.ts";
import { measurePruningGain, type PruningGain } from "../what-pruning-buys.ts";
import { readModelFile, writeOutputFile } from "./model-file.ts";
import { evaluateBeforeAfter, parseCount, type EvalSummary } from "./shared-options.ts";

function layerLine(l: PruneLayerReport): string {
  const share = (n: number): string => `${((100 * n) / l.elements).toFixed(1)}%`;
  const what = l.keptBecause ? `kept: ${l.keptBecause}` : `zeros ${share(l.zerosBefore)} -> ${share(l.zerosAfter)}`;
  return `  ${l.weight} [${l.shape.join("x")}] (${l.graph}): ${what}`;
}

function gainLines(g: PruningGain): string[] {
  const row = (label: string, s: PruningGain["dense"]): string =>
    `  ${label.padEnd(6)} ${formatBytes(s.source.bytes)} -> ${formatBytes(s.pruned.bytes)}; gzip ${formatBytes(s.source.gzipBytes)} -> ${formatBytes(s.pruned.gzipBytes)}`;
  return [
    "size (source -> pruned; a densely stored pruned model is not smaller, the zeros pay off compressed):",
    row("fp32", g.dense), row("int8", g.int8), row("int4", g.int4),
  ];
}

export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
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
      json: { type: "boolean", default: false },
    },
  });
  const [input, ...extra] = positionals;
  if (!input) throw new CliError("usage: maas prune IN --sparsity 0.5 --out OUT");
  if (extra.length) throw new CliError(`unexpected argument ${extra[0]}`);
  const sparsity = Number(values.sparsity);
  if (values.sparsity === undefined || !(sparsity >= 0 && sparsity < 1)) throw new CliError(`--sparsity must be a number in [0, 1) (got ${values.sparsity ?? "nothing"})`);
  if (!values.out) throw new CliError("--out OUT is required");
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
  let output = encodeModel(model);
  let finetuneLines: string[] = [];
  if (values.finetune) {
    const { finetunePruned } = await import("../finetune.ts");
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
  const gain = measurePruningGain(bytes, output);

  const summary = { command: "prune", sparsity, scope, input, output: values.out, layers, size: gain, difference: comparison, evaluation, finetune: finetuneLines };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const lines = [
    `pruned ${input} -> ${values.out} (${scope} magnitude pruning, sparsity ${sparsity})`,
    "layers:",
    ...layers.map(layerLine),
    ...gainLines(gain),
    ...finetuneLines,
    ...comparisonLines(comparison),
    ...(evaluation?.lines ?? []),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}
