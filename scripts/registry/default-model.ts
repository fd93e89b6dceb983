/**
 * The model `npm start` publishes when the local store has none: an MLP trained by the trainer
 * (training/) on the bundled Breast Cancer Wisconsin data (datasets/breast-cancer-wisconsin/),
 * quantized to int8-dynamic (training/compress/): the mode onnxruntime-web runs on int8 weights
 * directly, so the Worker serves it small and fast (`npm run bench:serving`).
 *
 * The network (30 → 256 → 128 → 2) is sized so that compression shows what it buys: its ~41k
 * weights are most of the file, so the int8-dynamic copy is ~0.28x of the fp32 one with the same
 * held-out accuracy (test/node/e2e/start.test.ts). On a network of a few hundred weights (the
 * trainer's default 16 hidden units on Iris) the quantization nodes and the feature schema outweigh
 * the bytes saved and the "compressed" file was larger. It trains in seconds (early stopping).
 * Each step's failure names the step, so `npm start` can say exactly what failed.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FeatureSchema } from "../../functions/registry/feature-schema.ts";
import { REPO_ROOT } from "./paths.ts";

export const DEFAULT_MODEL_NAME = "breast-cancer";

export const DEFAULT_MODEL_DATA = {
  path: join(REPO_ROOT, "datasets/breast-cancer-wisconsin/wdbc.csv"),
  target: "diagnosis",
  /** Row i is held out (never trained on, used to score both files) when i % HELD_OUT_EVERY === HELD_OUT_EVERY - 1. */
  heldOutEvery: 5,
  hidden: "256,128",
} as const;

export function isHeldOut(row: number): boolean {
  return row % DEFAULT_MODEL_DATA.heldOutEvery === DEFAULT_MODEL_DATA.heldOutEvery - 1;
}

export class StepError extends Error {
  override name = "StepError";
}

/** How the published copy is quantized (`maas quantize --mode`). */
export const DEFAULT_MODEL_QUANTIZATION = "int8-dynamic";

export interface DefaultModel {
  fp32: Uint8Array;
  quantized: Uint8Array;
  schema: FeatureSchema;
  /** Accuracy on the held-out rows, before and after quantization (onnxruntime-node). */
  accuracy: { fp32: number; quantized: number; rows: number };
  /** The first held-out record without its target: the sample request `npm start` prints. */
  sample: Record<string, unknown>;
  seconds: { training: number; quantization: number };
}

async function step<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new StepError(`${what} failed: ${String((error as Error).message ?? error).split("\n")[0]}`);
  }
}

/** The first held-out record of the bundled data, without its target. */
export async function sampleRecord(): Promise<Record<string, unknown>> {
  const { readRecords } = await import("../../training/data/read-records.ts");
  const records = await readRecords(DEFAULT_MODEL_DATA.path);
  const { [DEFAULT_MODEL_DATA.target]: _target, ...sample } = records.find((_, i) => isHeldOut(i))!;
  return Object.fromEntries(Object.entries(sample).map(([k, v]) => [k, Number(v)]));
}

export async function buildDefaultModel(
  outDir: string,
  onEpoch?: (epoch: number, epochs: number, loss: number) => void,
): Promise<DefaultModel> {
  // Imported here so that a broken trainer or quantizer is reported as that step's failure.
  const trainer = await step("loading the trainer (training/)", async () => ({
    readRecords: (await import("../../training/data/read-records.ts")).readRecords,
    parseTrainArgs: (await import("../commands/train.ts")).parseTrainArgs,
    trainFromRecords: (await import("../../training/pipeline.ts")).trainFromRecords,
  }));
  const { path, target } = DEFAULT_MODEL_DATA;
  const started = performance.now();
  const records = await step(`reading the bundled dataset ${path}`, () => trainer.readRecords(path));
  const heldOut = records.filter((_, i) => isHeldOut(i));
  const options = trainer.parseTrainArgs([path, "--target", target, "--hidden", DEFAULT_MODEL_DATA.hidden]).options;
  const trained = await step("training the default model", () =>
    trainer.trainFromRecords(records.filter((_, i) => !isHeldOut(i)), { ...options, onEpoch: (r, epochs) => onEpoch?.(r.epoch, epochs, r.trainLoss) }),
  );
  const trainingSeconds = (performance.now() - started) / 1000;

  const quantStarted = performance.now();
  const quantized = await step(`quantizing the default model to ${DEFAULT_MODEL_QUANTIZATION}`, async () => {
    const { decodeModel, encodeModel } = await import("../../training/onnx/model-io.ts");
    const { quantizeModel } = await import("../../training/compress/quantize.ts");
    const { handleTrainingReport } = await import("../../training/compress/strip-report.ts");
    const { recordCompressionStep, sha256Hex } = await import("../../training/compress/record-step.ts");
    const model = decodeModel(trained.bytes);
    quantizeModel(model, { mode: DEFAULT_MODEL_QUANTIZATION, blockSize: 128, perTensor: false, minElements: 0, keepBias: false });
    handleTrainingReport(model, false); // as `maas quantize` does: the report describes the fp32 model
    // As `maas quantize` records it (int8-dynamic has no block sizes, so no per-layer list).
    recordCompressionStep(model, { kind: "quantize", mode: DEFAULT_MODEL_QUANTIZATION, sourceSha256: sha256Hex(trained.bytes) });
    return encodeModel(model);
  });
  const quantizationSeconds = (performance.now() - quantStarted) / 1000;

  const accuracy = await step("evaluating the models on the held-out rows", async () => {
    const { evaluateModel } = await import("../../training/compress/evaluate.ts");
    return {
      fp32: (await evaluateModel("node", trained.bytes, trained.schema, heldOut, target)).value,
      quantized: (await evaluateModel("node", quantized, trained.schema, heldOut, target)).value,
      rows: heldOut.length,
    };
  });

  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, "model.onnx"), trained.bytes);
  await writeFile(join(outDir, `model.${DEFAULT_MODEL_QUANTIZATION}.onnx`), quantized);
  return {
    fp32: trained.bytes, quantized, schema: trained.schema, accuracy, sample: await sampleRecord(),
    seconds: { training: trainingSeconds, quantization: quantizationSeconds },
  };
}
