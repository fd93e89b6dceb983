/**
 * maas quantize IN --mode int8|int8-dynamic|int4|fp16 --out OUT [--block-size 32|64|128]
 *   [--calibrate DATA [--calibrate-method minmax|percentile] [--calibrate-percentile P]] [--per-tensor] [--keep-bias] [--min-elements N] [--keep-report] [--data FILE] [--eval DATA --target COL] [--seed N] [--json]
 * The output leaves out the source model's training report (loss curve, confusion matrix) unless
 * --keep-report: it describes the fp32 model, not the quantized one. --strip-report, which asked for
 * that before it was the default, is still accepted and changes nothing.
 */
import { estimateHeapBytes } from "../../functions/sessions/heap-estimate.ts";
import { CliError, UsageError } from "../cli-error.ts";
import { oneInput, parseCommandArgs } from "../cli/command.ts";
import { encodeModel, type ModelProto } from "../../training/onnx/model-io.ts";
import { compareOnSamples, compareOrLoad, oneLine } from "../../training/compress/compare-models.ts";
import { opsetForMode, QUANTIZE_MODES, type QuantizeMode } from "../../training/compress/quantize-context.ts";
import { defaultOpset } from "../../training/compress/graph-edit.ts";
import { findConstantWeights, WEIGHT_OPS } from "../../training/compress/find-weights.ts";
import { CannotUpgradeError } from "../../training/onnx/opset-upgrade/upgrade.ts";
import { UpgradeCheckError, upgradeAndCheck, type CheckedUpgrade, type UpgradeCheckOptions } from "../../training/compress/upgrade-check.ts";
import { FoldCheckError, foldAndCheck, type CheckedFold } from "../../training/compress/fold-check.ts";
import { foldedText } from "../../training/compress/fold-batchnorm.ts";
import { parseInputShapes } from "../cli/input-shapes.ts";
import { NothingToQuantizeError, quantizeModelStatic, type LayerReport } from "../../training/compress/quantize.ts";
import { CalibrationDataError, readCalibrationData, type CalibrationSet } from "../../training/compress/calibration/data.ts";
import {
  activationRanges, CALIBRATION_METHODS, calibrationTargets, DEFAULT_PERCENTILE, type CalibrationMethod,
} from "../../training/compress/calibration/calibrate.ts";
import type { ActivationReport } from "../../training/compress/modes/activation-qdq.ts";
import { fileSize, formatBytes } from "../../training/compress/size-report.ts";
import { summarizeByOpType, type OpTypeSummary } from "../../training/compress/op-type-summary.ts";
import { handleTrainingReport } from "../../training/compress/strip-report.ts";
import { recordCompressionStep, sha256Hex } from "../../training/compress/record-step.ts";
import { comparisonLines, reportLines, sizeLines, upgradeLines } from "../../training/compress/summary-text.ts";
import { readModelFile, writeOutputFile } from "../cli/model-file.ts";
import { evaluateBeforeAfter, parseCount, type EvalSummary } from "../cli/compress-options.ts";
import { didYouMean } from "../../shared/did-you-mean.ts";

const BLOCK_SIZES = [32, 64, 128];

export const usage = `usage: maas quantize IN --mode int8|int8-dynamic|int4|fp16 --out OUT [options]
  --block-size 32|64|128  int4: rows of K per scale (default 128; capped at each layer's K rounded up
                          to a power of two, at least 16: the summary names the size each layer used)
  --calibrate DATA        int8 only: static int8. Activation ranges are measured on the sample inputs
                          in DATA (.npz with one array per model input, .npy for a one-input model,
                          or .json v2 request bodies; first axis = samples) and the data input of
                          each quantized Conv/MatMul/Gemm becomes int8 too (QuantizeLinear ->
                          DequantizeLinear pairs, as onnxruntime's quantize_static writes QDQ models)
  --calibrate-method minmax|percentile
                          how a range is taken from the samples (default minmax): the extremes seen,
                          or the (100-P)th to Pth percentiles, clipping outliers
  --calibrate-percentile P  percentile method's P (default ${DEFAULT_PERCENTILE})
  --per-tensor            int8, int8-dynamic: one scale per weight instead of one per output channel
  --keep-bias             leave Gemm biases fp32 (by default they are compressed with their weight)
  --min-elements N        keep weights with fewer elements fp32 (default 0)
  --op-types OPS          only weights read by these ops, comma-separated from MatMul, Gemm, Conv,
                          ConvTranspose, Gather, LSTM (default: all of them; LSTM in int8-dynamic
                          only, as DynamicQuantizeLSTM; GRU weights always stay fp32)
  --exclude NAMES         leave these weights, or the weights of these nodes, fp32 (comma-separated)
  --shape NAME=D,D,...    dimensions of input NAME for the random inputs of the checks (repeatable;
                          by default symbolic dimensions are 64 on the first axis and 1 elsewhere)
  --keep-report           keep the trainer's loss curve and confusion matrix in the output's
                          maas.training metadata. By default they are dropped: they describe the
                          source model's training, not the quantized copy, and weigh ~1-3 KB. The
                          feature schema, labels, metrics and network description stay either way;
                          without the report the playground draws no training charts for the model
  --strip-report          accepted for compatibility and does nothing: dropping the report is the
                          default now
  --data FILE             inputs (CSV/JSON) for the output comparison (default: random inputs; with
                          --calibrate, the calibration samples)
  --eval DATA --target COL  accuracy or R² before and after, on labelled data
  --seed N                seed of the random inputs (default 1)
  --json                  print the summary as JSON
  -h, --help              this usage
A model that imports an older opset than the mode needs (int8: 13, or 10 with --per-tensor;
int8-dynamic: 11, 13 with convolutions; int4 with convolutions: 13) is upgraded first (see maas upgrade-opset), and the upgraded fp32 model is checked
against the source in onnxruntime-node before anything is quantized. In every mode, a
BatchNormalization right after a Conv or ConvTranspose (whose output nothing else reads) is folded
into that convolution's weight and bias first, as onnxruntime's quantization pre-processing does,
and the folded fp32 model is checked against the source the same way.`;

const INT8_NODE_NOTE =
  "  note: onnxruntime-node is run with session.qdq_matmulnbits_accuracy_level=0; with its default (4) it fuses " +
  "DequantizeLinear->MatMul/Gemm into MatMulNBits with int8 activations, which adds error (onnxruntime-web does not)";

/**
 * What a mode means for the Worker, which serves with onnxruntime-web (README, Compression: which
 * mode to serve; `npm run bench:serving`). On a 4096x4096 layer there: int8-dynamic runs as fast as
 * fp32 with a fifth of its wasm heap; int4 and int8 are dequantized on every run (12-18x slower at
 * batch 1, an fp32 copy kept); fp16 is cast to fp32 at load.
 */
const SERVING_NOTE: Partial<Record<QuantizeMode, string>> = {
  int8: "  serving: onnxruntime-web dequantizes these weights to fp32 on every run (slower than fp32, and the fp32 copy stays in memory); --mode int8-dynamic is the fast, small mode to serve",
  int4: "  serving: onnxruntime-web unpacks these 4-bit weights to fp32 on every run (slower than fp32, and the fp32 copy stays in memory); --mode int8-dynamic is the fast, small mode to serve",
  fp16: "  serving: onnxruntime-web casts these weights to fp32 when it loads the model: the file is smaller, the Worker's memory is not; --mode int8-dynamic is the fast, small mode to serve",
};

function layerLine(l: LayerReport): string {
  const what = l.scheme ?? `kept fp32: ${l.keptBecause}`;
  return `  ${l.weight} [${l.shape.join("x")}] (${l.ops.join(", ")}; ${l.graph}): ${formatBytes(l.bytesBefore)} -> ${formatBytes(l.bytesAfter)}  ${what}`;
}

function opTypeLine(o: OpTypeSummary): string {
  const kept = Object.entries(o.keptBecause).map(([why, n]) => `${n} kept fp32: ${why}`);
  return `  ${o.opType}: ${o.quantized} of ${o.quantized + o.kept} quantized, ${formatBytes(o.bytesBefore)} -> ${formatBytes(o.bytesAfter)}${kept.length ? `; ${kept.join("; ")}` : ""}`;
}

/** What the command accepts (every one is in its usage). */
export const options = {
  mode: { type: "string" },
  out: { type: "string" },
  "block-size": { type: "string", default: "128" },
  "per-tensor": { type: "boolean", default: false },
  calibrate: { type: "string" },
  "calibrate-method": { type: "string" },
  "calibrate-percentile": { type: "string" },
  "keep-bias": { type: "boolean", default: false },
  "min-elements": { type: "string", default: "0" },
  data: { type: "string" },
  eval: { type: "string" },
  target: { type: "string" },
  seed: { type: "string", default: "1" },
  "op-types": { type: "string" },
  exclude: { type: "string" },
  shape: { type: "string", multiple: true },
  "keep-report": { type: "boolean", default: false },
  "strip-report": { type: "boolean", default: false }, // the default since --keep-report; accepted, does nothing
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** int4: the block size each layer used (--block-size is capped at K rounded up to a power of two). */
function blockSizeNote(layers: LayerReport[], requested: number): string {
  const used = layers.filter((l) => l.blockSize !== undefined);
  if (!used.length) return "";
  const capped = used.some((l) => l.blockSize !== requested) ? `; --block-size ${requested}, capped at each layer's K` : "";
  return `, block size per layer: ${used.map((l) => `${l.weight} ${l.blockSize}`).join(", ")}${capped}`;
}

/** The BatchNormalization fold (fold-batchnorm.ts), and how it was checked; nothing when the model has none. */
function foldLines(fold: CheckedFold): string[] {
  const done = foldedText(fold);
  const left = fold.left.length ? [`  ${fold.left.length} BatchNormalization node${fold.left.length === 1 ? " left as it is" : "s left as they are"}: ${fold.left.map((l) => `${l.node} (${l.why})`).join("; ")}`] : [];
  if (!done) return fold.left.length ? ["no BatchNormalization folded", ...left] : [];
  return [
    `${done}, before quantizing; checked against the source (graph optimizations off) in onnxruntime-node on ${fold.check!.inputs}:`,
    ...fold.check!.outputs.map((d) => `  ${d.output}: ${d.integer ? `differs on ${(d.mismatchRate * 100).toFixed(2)}% of elements` : `relative L2 ${d.relativeL2.toExponential(3)}, max abs ${d.maxAbs.toExponential(3)}`}`),
    ...left,
  ];
}

const commaList = (text: string | undefined): string[] => (text ?? "").split(",").map((t) => t.trim()).filter(Boolean);

interface CalibrationOptions {
  file: string;
  method: CalibrationMethod;
  percentile: number;
}

/** --calibrate and its companions, checked before anything is read. */
function calibrationOptions(values: { mode?: string; calibrate?: string; "calibrate-method"?: string; "calibrate-percentile"?: string }): CalibrationOptions | undefined {
  if (values.calibrate === undefined) {
    const stray = values["calibrate-method"] !== undefined ? "--calibrate-method" : values["calibrate-percentile"] !== undefined ? "--calibrate-percentile" : undefined;
    if (stray) throw new CliError(`${stray} goes with --calibrate DATA`);
    return undefined;
  }
  if (values.mode !== "int8") throw new CliError(`--calibrate is for --mode int8 (static int8: weights and activations); --mode ${values.mode} quantizes no activations from calibration`);
  const method = (values["calibrate-method"] ?? "minmax") as CalibrationMethod;
  if (!CALIBRATION_METHODS.includes(method)) throw new CliError(`--calibrate-method must be one of ${CALIBRATION_METHODS.join(", ")} (got ${method})${didYouMean(method, CALIBRATION_METHODS)}`);
  if (values["calibrate-percentile"] !== undefined && method !== "percentile") throw new CliError("--calibrate-percentile goes with --calibrate-method percentile");
  const percentile = values["calibrate-percentile"] === undefined ? DEFAULT_PERCENTILE : Number(values["calibrate-percentile"]);
  if (!(percentile > 50 && percentile <= 100)) throw new CliError(`--calibrate-percentile must be a number in (50, 100] (got ${values["calibrate-percentile"]})`);
  return { file: values.calibrate, method, percentile };
}

/** With --calibrate and no --data, the output is compared on (the first of) the calibration samples. */
const COMPARED_SAMPLES = 64;

function comparedSamples(samples: number, file: string): string {
  const which = samples > COMPARED_SAMPLES ? `the first ${COMPARED_SAMPLES} of the ${samples}` : `the ${samples}`;
  return `${which} calibration samples in ${file} (the ranges were measured on them; --data FILE compares on other records)`;
}

function calibrationLines(c: { file: string; samples: number; method: string; percentile?: number; activationsQuantized: number }): string[] {
  const how = c.method === "percentile" ? `percentile ${c.percentile}` : "minmax";
  return [
    `static int8: ${c.activationsQuantized} activation tensors quantized (QuantizeLinear -> DequantizeLinear before each quantized Conv/MatMul/Gemm), ranges from ${c.samples} samples in ${c.file} (${how})`,
  ];
}

/** Raises the model's opset when the mode needs a newer one, checked against the source first. */
async function upgradeForMode(
  input: string, model: ModelProto, bytes: Uint8Array, mode: QuantizeMode, perTensor: boolean, options: UpgradeCheckOptions,
): Promise<CheckedUpgrade | undefined> {
  const hasConvolutions = findConstantWeights(model).some((w) => w.uses.some((u) => u.op === "Conv" || u.op === "ConvTranspose"));
  const needed = opsetForMode(mode, perTensor, hasConvolutions);
  const imported = defaultOpset(model);
  if (imported >= needed) return undefined;
  try {
    return await upgradeAndCheck(model, bytes, needed, options);
  } catch (error) {
    if (!(error instanceof CannotUpgradeError || error instanceof UpgradeCheckError)) throw error;
    throw new CliError(`${input}: --mode ${mode} needs opset ${needed}, the model imports ${imported}, and upgrading it failed: ${error.message}`);
  }
}

export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, options);
  const input = oneInput(positionals, "maas quantize IN --mode MODE --out OUT");
  const mode = values.mode as QuantizeMode | undefined;
  if (!mode || !QUANTIZE_MODES.includes(mode)) throw new CliError(`--mode must be one of ${QUANTIZE_MODES.join(", ")} (got ${values.mode ?? "nothing"})${didYouMean(values.mode ?? "", QUANTIZE_MODES)}`);
  if (!values.out) throw new UsageError("--out OUT is required");
  const blockSize = Number(values["block-size"]);
  if (!BLOCK_SIZES.includes(blockSize)) throw new CliError(`--block-size must be 32, 64 or 128 (got ${values["block-size"]})`);
  const minElements = parseCount("--min-elements", values["min-elements"]);
  const seed = parseCount("--seed", values.seed);
  if ((values.eval === undefined) !== (values.target === undefined)) throw new CliError("--eval DATA and --target COL go together");
  if (values["keep-report"] && values["strip-report"]) throw new CliError("--keep-report and --strip-report contradict each other (dropping the report is the default)");

  const calibration = calibrationOptions(values);

  const { bytes, model } = readModelFile(input);
  const shapes = parseInputShapes(values.shape, model);
  let calibrationSet: CalibrationSet | undefined;
  try {
    if (calibration) calibrationSet = readCalibrationData(calibration.file, model);
  } catch (error) {
    if (error instanceof CalibrationDataError) throw new CliError(`--calibrate: ${error.message}`);
    throw error;
  }
  const opTypes = commaList(values["op-types"]);
  const knownOps = [...Object.keys(WEIGHT_OPS), "LSTM"];
  const unknownOp = opTypes.find((op) => !knownOps.includes(op));
  if (unknownOp) throw new CliError(`--op-types: ${unknownOp} is not one of ${knownOps.join(", ")}`);
  const exclude = commaList(values.exclude);
  const upgrade = await upgradeForMode(input, model, bytes, mode, values["per-tensor"], { seed, shapes });
  let fold: CheckedFold;
  try {
    fold = await foldAndCheck(model, bytes, { seed, shapes });
  } catch (error) {
    if (!(error instanceof FoldCheckError)) throw error;
    throw new CliError(`${input}: folding BatchNormalization into the convolutions before it failed: ${error.message}`);
  }
  let ranges;
  if (calibration && calibrationSet) {
    try {
      ranges = await activationRanges(encodeModel(model), calibrationTargets(model), calibrationSet.feeds, calibration.method, calibration.percentile);
    } catch (error) {
      throw new CliError(`--calibrate: running the model on ${calibration.file} failed: ${oneLine(error)}`);
    }
  }
  let layers: LayerReport[];
  let activations: ActivationReport[];
  try {
    ({ layers, activations } = quantizeModelStatic(model, { mode, blockSize, perTensor: values["per-tensor"], minElements, keepBias: values["keep-bias"], opTypes, exclude }, ranges));
  } catch (error) {
    if (error instanceof NothingToQuantizeError) throw new CliError(`${input}: nothing to quantize: ${error.message}`);
    throw error;
  }
  if (!layers.some((l) => l.scheme)) {
    throw new CliError(`${input}: nothing to quantize: every weight was kept (${layers.map((l) => `${l.weight}: ${l.keptBecause}`).join("; ")})`);
  }
  const report = handleTrainingReport(model, values["keep-report"]);
  // What was done goes into the file, so that `maas push` records it with no flag.
  const blockwise = layers.flatMap((l) => (l.scheme && l.blockSize ? [{ weight: l.weight, scheme: l.scheme, blockSize: l.blockSize }] : []));
  recordCompressionStep(model, {
    kind: "quantize", mode, sourceSha256: sha256Hex(bytes), ...(values["per-tensor"] ? { perTensor: true } : {}),
    ...(upgrade ? { opsetUpgrade: { from: upgrade.from, to: upgrade.to } } : {}),
    ...(blockwise.length ? { layers: blockwise } : {}),
    ...(calibration && calibrationSet ? { calibration: { method: calibration.method, ...(calibration.method === "percentile" ? { percentile: calibration.percentile } : {}), samples: calibrationSet.samples, activations: activations.length } } : {}),
  });
  const output = encodeModel(model);

  let comparison;
  let evaluation: EvalSummary | undefined;
  try {
    // Static int8 is only meaningful on inputs like the calibration data: random inputs would be clipped.
    comparison = calibrationSet && !values.data
      ? await compareOnSamples(bytes, output, calibrationSet.feeds.slice(0, COMPARED_SAMPLES), comparedSamples(calibrationSet.samples, calibration!.file))
      : await compareOrLoad(bytes, output, model, values.data, seed, shapes);
    if (values.eval) evaluation = await evaluateBeforeAfter(model, bytes, output, values.eval, values.target!);
  } catch (error) {
    throw new CliError(oneLine(error));
  }
  writeOutputFile(values.out, output, input);

  const before = fileSize(bytes);
  const after = fileSize(output);
  // What the Worker's session cache will charge for each file (MODEL_CACHE_BUDGET_MB).
  const workerMemory = { before: estimateHeapBytes(bytes), after: estimateHeapBytes(output) };
  const byOpType = summarizeByOpType(layers);
  const calibrationSummary = calibration && calibrationSet && {
    calibrated: true, file: calibration.file, format: calibrationSet.format, samples: calibrationSet.samples, method: calibration.method,
    ...(calibration.method === "percentile" ? { percentile: calibration.percentile } : {}),
    activationsQuantized: activations.length, activations,
  };
  const summary = {
    command: "quantize", mode, calibration: calibrationSummary ?? { calibrated: false }, input, output: values.out, size: { before, after }, workerMemory,
    opsetUpgrade: upgrade, batchNormFold: fold, trainingReport: report,
    reportBytesStripped: report.report === "dropped" ? report.bytes : 0, // as --strip-report printed it
    byOpType, layers, difference: comparison, evaluation,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const lines = [
    `quantized ${input} -> ${values.out} (${mode}${calibrationSummary ? ", static: calibrated activations" : ""}${blockSizeNote(layers, blockSize)})`,
    ...sizeLines(before, after),
    ...(upgrade ? [`upgraded first (--mode ${mode} needs opset ${upgrade.to}):`, ...upgradeLines(upgrade).map((l) => `  ${l}`)] : []),
    ...foldLines(fold),
    ...reportLines(report, values["keep-report"] || values["strip-report"]),
    ...(calibrationSummary ? calibrationLines(calibrationSummary) : []),
    "by op type:",
    ...byOpType.map(opTypeLine),
    "layers:",
    ...layers.map(layerLine),
    ...comparisonLines(comparison),
    ...(mode === "int8" ? [INT8_NODE_NOTE] : []),
    ...(SERVING_NOTE[mode] ? [SERVING_NOTE[mode]] : []),
    `  Worker memory: onnxruntime-web holds ~${formatBytes(workerMemory.after)} for the output (~${formatBytes(workerMemory.before)} for the input); this is what MODEL_CACHE_BUDGET_MB is charged`,
    ...(evaluation?.lines ?? []),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}
