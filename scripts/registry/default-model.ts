/**
 * The model `npm start` publishes when the local store has none: the trainer's default MLP on the
 * bundled Iris data (training/, issue 3), quantized to int8-dynamic (training/compress/, issue 4):
 * the mode onnxruntime-web runs on int8 weights directly, so the Worker serves it small and fast
 * (`npm run bench:serving`); the other modes are turned back into fp32 there.
 * Each step's failure names the step, so `npm start` can say exactly what failed.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FeatureSchema } from "../../functions/registry/feature-schema.ts";

export const DEFAULT_MODEL_NAME = "iris";

export class StepError extends Error {
  override name = "StepError";
}

/** How the published copy is quantized (`maas quantize --mode`). */
export const DEFAULT_MODEL_QUANTIZATION = "int8-dynamic";

export interface DefaultModel {
  fp32: Uint8Array;
  quantized: Uint8Array;
  schema: FeatureSchema;
  /** Accuracy on all bundled rows, before and after quantization (onnxruntime-node). */
  accuracy: { fp32: number; quantized: number };
  /** One bundled record without its target: the sample request `npm start` prints. */
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

export async function buildDefaultModel(
  outDir: string,
  onEpoch?: (epoch: number, epochs: number, loss: number) => void,
): Promise<DefaultModel> {
  // Imported here so that a broken trainer or quantizer is reported as that step's failure.
  const trainer = await step("loading the trainer (training/)", async () => ({
    dataset: (await import("../../training/data/default-dataset.ts")).DEFAULT_DATASET,
    readRecords: (await import("../../training/data/read-records.ts")).readRecords,
    parseTrainArgs: (await import("../../scripts/commands/train.ts")).parseTrainArgs,
    trainFromRecords: (await import("../../training/pipeline.ts")).trainFromRecords,
  }));
  const started = performance.now();
  const records = await step(`reading the bundled dataset ${trainer.dataset.path}`, () => trainer.readRecords(trainer.dataset.path));
  const options = trainer.parseTrainArgs([]).options;
  const trained = await step("training the default model", () =>
    trainer.trainFromRecords(records, { ...options, onEpoch: (r, epochs) => onEpoch?.(r.epoch, epochs, r.trainLoss) }),
  );
  const trainingSeconds = (performance.now() - started) / 1000;

  const quantStarted = performance.now();
  const quantized = await step(`quantizing the default model to ${DEFAULT_MODEL_QUANTIZATION}`, async () => {
    const { decodeModel, encodeModel } = await import("../../training/onnx/model-io.ts");
    const { quantizeModel } = await import("../../training/compress/quantize.ts");
    const model = decodeModel(trained.bytes);
    quantizeModel(model, { mode: DEFAULT_MODEL_QUANTIZATION, blockSize: 128, perTensor: false, minElements: 0, keepBias: false });
    return encodeModel(model);
  });
  const quantizationSeconds = (performance.now() - quantStarted) / 1000;

  const accuracy = await step("evaluating the models on the bundled data", async () => {
    const { evaluateModel } = await import("../../training/compress/evaluate.ts");
    const target = trainer.dataset.target;
    return {
      fp32: (await evaluateModel("node", trained.bytes, trained.schema, records, target)).value,
      quantized: (await evaluateModel("node", quantized, trained.schema, records, target)).value,
    };
  });

  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, "model.onnx"), trained.bytes);
  await writeFile(join(outDir, `model.${DEFAULT_MODEL_QUANTIZATION}.onnx`), quantized);
  const { [trainer.dataset.target]: _target, ...sample } = records[0];
  return { fp32: trained.bytes, quantized, schema: trained.schema, accuracy, sample, seconds: { training: trainingSeconds, quantization: quantizationSeconds } };
}
