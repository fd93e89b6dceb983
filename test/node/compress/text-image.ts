/**
 * Text images for the OCR models, drawn without a font library: capitals from a 5×7 bitmap font,
 * black on white, scaled up, in PaddleOCR's input layout (NCHW float32, (x/255 − mean) / std).
 */
const GLYPHS: Record<string, string[]> = {
  A: ["01110", "10001", "10001", "11111", "10001", "10001", "10001"],
  D: ["11110", "10001", "10001", "10001", "10001", "10001", "11110"],
  E: ["11111", "10000", "10000", "11110", "10000", "10000", "11111"],
  G: ["01111", "10000", "10000", "10011", "10001", "10001", "01111"],
  H: ["10001", "10001", "10001", "11111", "10001", "10001", "10001"],
  L: ["10000", "10000", "10000", "10000", "10000", "10000", "11111"],
  O: ["01110", "10001", "10001", "10001", "10001", "10001", "01110"],
  P: ["11110", "10001", "10001", "11110", "10000", "10000", "10000"],
  R: ["11110", "10001", "10001", "11110", "10100", "10010", "10001"],
  T: ["11111", "00100", "00100", "00100", "00100", "00100", "00100"],
  W: ["10001", "10001", "10001", "10101", "10101", "10101", "01010"],
  " ": ["00000", "00000", "00000", "00000", "00000", "00000", "00000"],
};

/** A grey image (0 = black, 255 = white) of `height` × `width` with `lines` of text at (x, y) with pixel size `scale`. */
export function textImage(width: number, height: number, lines: { text: string; x: number; y: number; scale: number }[]): Float32Array {
  const image = new Float32Array(width * height).fill(255);
  for (const { text, x, y, scale } of lines) {
    [...text].forEach((ch, i) => {
      const glyph = GLYPHS[ch];
      if (!glyph) throw new Error(`no glyph for ${ch}`);
      for (let row = 0; row < 7; row++) {
        for (let col = 0; col < 5; col++) {
          if (glyph[row][col] !== "1") continue;
          for (let dy = 0; dy < scale; dy++) {
            for (let dx = 0; dx < scale; dx++) {
              const px = x + (i * 6 + col) * scale + dx;
              const py = y + row * scale + dy;
              if (px < width && py < height) image[py * width + px] = 0;
            }
          }
        }
      }
    });
  }
  return image;
}

/** The image turned 180°, as a text line upside down. */
export function rotate180(image: Float32Array): Float32Array {
  return image.slice().reverse();
}

/** PaddleOCR's detector normalization (ImageNet mean/std), grey copied to the 3 channels: [1, 3, H, W]. */
export function detectorInput(grey: Float32Array): Float32Array {
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const out = new Float32Array(grey.length * 3);
  for (let c = 0; c < 3; c++) for (let i = 0; i < grey.length; i++) out[c * grey.length + i] = (grey[i] / 255 - mean[c]) / std[c];
  return out;
}

/** PaddleOCR's classifier/recognizer normalization, (x/255 − 0.5) / 0.5: [1, 3, H, W]. */
export function lineInput(grey: Float32Array): Float32Array {
  const out = new Float32Array(grey.length * 3);
  for (let c = 0; c < 3; c++) for (let i = 0; i < grey.length; i++) out[c * grey.length + i] = (grey[i] / 255 - 0.5) / 0.5;
  return out;
}
