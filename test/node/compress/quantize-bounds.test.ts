/**
 * Each mode against its fp32 source on one MatMul and one Gemm layer, in onnxruntime-node and
 * onnxruntime-web. The bound is per output element, derived from each scheme's per-weight error:
 *   int8        |Δw| ≤ max|w[:, n]| / 254            (half a step, per output column)
 *   int4        |Δw| ≤ max|w[block, n]| / 8          (a whole step: the far end of the range clamps at 15)
 *   fp16        |Δw| ≤ 2⁻¹¹·|w| + 2⁻²⁵               (half an ulp; subnormals)
 *   int8-dynamic as int8, plus the activation's |Δx| ≤ s_x = (max(x,0) − min(x,0)) / 255
 * so |Δy[m, n]| ≤ |alpha| · Σ_k (|x[m,k]|·|Δw[k,n]| + |Δx|·|w[k,n]|) + float rounding.
 * The reference is the fp32 source model run in onnxruntime-node.
 * int8 and int4 scales stored as float16 are rounded (down for int8, up in magnitude for int4) so
 * that the same per-weight bounds hold; "float16 scales" below checks that weight by weight.
 */
import { describe, expect, it } from "vitest";
import { DataType, decodeModel, encodeModel, type ModelProto } from "../../../training/onnx/model-io.ts";
import { readAsFloat32 } from "../../../training/onnx/tensors.ts";
import { roundScales } from "../../../training/compress/modes/half-scales.ts";
import { quantizeModel } from "../../../training/compress/quantize.ts";
import { QUANTIZE_MODES, type QuantizeMode } from "../../../training/compress/quantize-context.ts";
import { runOnce, type Feeds } from "../../../training/compress/run-model.ts";
import { gemmModel, matMulModel, randomMatrix } from "./fixtures.ts";

type Layer = { k: number; n: number; weightKN: Float32Array; alpha: number; source: Uint8Array };

function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

// K = 200 is not a multiple of the block size: exercises MatMulNBits' zero padding.
const matmulWeight = randomMatrix(200, 24, 11, 0.3);
const gemmB = randomMatrix(16, 64, 12, 0.5);
const layers: Record<string, Layer> = {
  MatMul: { k: 200, n: 24, weightKN: matmulWeight, alpha: 1, source: matMulModel(200, 24, matmulWeight) },
  "Gemm transB alpha beta": {
    k: 64, n: 16, weightKN: transpose(gemmB, 16, 64), alpha: 0.5, source: gemmModel(64, 16, gemmB, randomMatrix(1, 16, 13), 0.5, 2),
  },
};

function weightErrorBound(mode: QuantizeMode, w: Float32Array, k: number, n: number, blockSize: number): Float32Array {
  const bound = new Float32Array(k * n);
  for (let col = 0; col < n; col++) {
    let columnMax = 0;
    for (let row = 0; row < k; row++) columnMax = Math.max(columnMax, Math.abs(w[row * n + col]));
    for (let row = 0; row < k; row++) {
      const v = w[row * n + col];
      if (mode === "fp16") bound[row * n + col] = Math.abs(v) * 2 ** -11 + 2 ** -25;
      else if (mode === "int4") {
        const start = Math.floor(row / blockSize) * blockSize;
        let blockMax = 0;
        for (let r = start; r < Math.min(k, start + blockSize); r++) blockMax = Math.max(blockMax, Math.abs(w[r * n + col]));
        bound[row * n + col] = blockMax / 8;
      } else bound[row * n + col] = columnMax / 254;
    }
  }
  return bound;
}

function outputBound(mode: QuantizeMode, layer: Layer, x: Float32Array, m: number, blockSize: number): Float64Array {
  const { k, n, weightKN: w, alpha } = layer;
  const dw = weightErrorBound(mode, w, k, n, blockSize);
  let lo = 0;
  let hi = 0;
  for (const v of x) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const dx = mode === "int8-dynamic" ? (hi - lo) / 255 : 0;
  const bound = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let col = 0; col < n; col++) {
      let sum = 0;
      let magnitude = 0;
      for (let row = 0; row < k; row++) {
        const xi = Math.abs(x[i * k + row]);
        const wi = Math.abs(w[row * n + col]);
        sum += (xi + dx) * dw[row * n + col] + dx * wi;
        magnitude += xi * wi;
      }
      bound[i * n + col] = Math.abs(alpha) * (sum + 1e-5 * magnitude) + 1e-6;
    }
  }
  return bound;
}

describe.each(Object.entries(layers))("%s", (_name, layer) => {
  const m = 8;
  const x = randomMatrix(m, layer.k, 21, 2);
  const feeds: Feeds = { X: { type: "float32", dims: [m, layer.k], data: x } };

  it.each(QUANTIZE_MODES.flatMap((mode) => (["node", "web"] as const).map((engine) => [mode, engine] as const)))(
    "%s in onnxruntime-%s stays within the per-element bound",
    async (mode, engine) => {
      const blockSize = 32;
      const model = decodeModel(layer.source);
      const report = quantizeModel(model, { mode, blockSize, perTensor: false, minElements: 0, keepBias: true });
      expect(report.every((l) => l.scheme !== undefined)).toBe(true);
      const reference = (await runOnce("node", layer.source, feeds)).Y.data as Float32Array;
      const got = (await runOnce(engine, encodeModel(model), feeds)).Y.data as Float32Array;
      const bound = outputBound(mode, layer, x, m, blockSize);
      let worst = 0;
      let changed = false;
      for (let i = 0; i < reference.length; i++) {
        const error = Math.abs(got[i] - reference[i]);
        worst = Math.max(worst, error / bound[i]);
        if (error > 0) changed = true;
      }
      expect(changed).toBe(true); // the mode really altered the weights
      expect(worst).toBeLessThanOrEqual(1);
    },
  );
});

/** MatMulNBits' packed B and its scales as the file stores them (float16 scales through their Cast). */
function storedNBits(model: ModelProto): { packed: Uint8Array; scales: Float32Array; halfScales: boolean } {
  const graph = model.graph!;
  const node = graph.node!.find((n) => n.opType === "MatMulNBits")!;
  const initializer = (name: string) => graph.initializer!.find((t) => t.name === name);
  const cast = graph.node!.find((n) => n.opType === "Cast" && n.output![0] === node.input![2]);
  const scales = initializer(cast ? cast.input![0] : node.input![2])!;
  return { packed: Uint8Array.from(initializer(node.input![1])!.rawData!), scales: readAsFloat32(scales)!, halfScales: scales.dataType === DataType.FLOAT16 };
}

describe("MatMulNBits packing", () => {
  it("onnxruntime reads our 4-bit blocks as the dequantized weights we intend", async () => {
    const { unpackMatMulNBits4, packMatMulNBits4 } = await import("../../../training/compress/quant-math.ts");
    const layer = layers.MatMul;
    const m = 4;
    const x = randomMatrix(m, layer.k, 31);
    for (const blockSize of [32, 64, 128]) {
      const model = decodeModel(layer.source);
      quantizeModel(model, { mode: "int4", blockSize, perTensor: false, minElements: 0, keepBias: true });
      const got = (await runOnce("node", encodeModel(model), { X: { type: "float32", dims: [m, layer.k], data: x } })).Y.data;
      // What the file holds is what the packer makes (with the scales it chose: float16, rounded up, when they pay).
      const { packed, scales, halfScales } = storedNBits(model);
      if (blockSize === 32) expect(halfScales).toBe(true); // 7 blocks × 24 columns: the float16 path is exercised
      const round = halfScales ? (s: Float32Array) => roundScales(s, "up")! : undefined;
      expect(packed).toEqual(packMatMulNBits4(layer.weightKN, layer.k, layer.n, blockSize, round).packed);
      const dequantized = unpackMatMulNBits4(packed, scales, layer.k, layer.n, blockSize);
      for (let i = 0; i < m; i++) {
        for (let col = 0; col < layer.n; col++) {
          let expected = 0;
          let magnitude = 0;
          for (let row = 0; row < layer.k; row++) {
            expected += x[i * layer.k + row] * dequantized[row * layer.n + col];
            magnitude += Math.abs(x[i * layer.k + row] * dequantized[row * layer.n + col]);
          }
          expect(Math.abs(Number(got[i * layer.n + col]) - expected)).toBeLessThanOrEqual(1e-5 * magnitude + 1e-6);
        }
      }
    }
  });
});

describe("float16 scales", () => {
  // Columns spread over 2⁻⁶…2⁸ so the scales fall at every offset within their float16 binade;
  // a few weights sit exactly at ±max, where rounding the scale matters most.
  function spreadMatrix(rows: number, cols: number, seed: number): Float32Array {
    const w = randomMatrix(rows, cols, seed);
    const magnitude = randomMatrix(1, cols, seed + 1);
    for (let c = 0; c < cols; c++) {
      const factor = 2 ** (-6 + ((Math.abs(magnitude[c]) * 1e4) % 14));
      for (let r = 0; r < rows; r++) w[r * cols + c] = Math.fround(w[r * cols + c] * factor);
      if (c % 3 === 0) w[(c % rows) * cols + c] = -Math.max(...Array.from({ length: rows }, (_, r) => Math.abs(w[r * cols + c])));
    }
    return w;
  }

  it("int8 (scales rounded down): |w − q·s| ≤ max|w[:, n]| / 254 still holds for every weight", async () => {
    const { quantizeInt8Symmetric } = await import("../../../training/compress/quant-math.ts");
    for (let seed = 1; seed <= 20; seed++) {
      const [rows, cols] = [96, 64];
      const w = spreadMatrix(rows, cols, seed * 7);
      const { q, scales } = quantizeInt8Symmetric(w, rows, cols, 1, false, (s) => roundScales(s, "down")!);
      for (let c = 0; c < cols; c++) {
        let max = 0;
        for (let r = 0; r < rows; r++) max = Math.max(max, Math.abs(w[r * cols + c]));
        for (let r = 0; r < rows; r++) {
          expect(Math.abs(w[r * cols + c] - Math.fround(q[r * cols + c] * scales[c]))).toBeLessThanOrEqual((max / 254) * (1 + 1e-6));
        }
      }
    }
  });

  it("int4 (scales rounded up in magnitude): |w − (q − 8)·s| ≤ max|w[block, n]| / 8 still holds for every weight", async () => {
    const { packMatMulNBits4, unpackMatMulNBits4 } = await import("../../../training/compress/quant-math.ts");
    for (let seed = 1; seed <= 20; seed++) {
      const [k, n, blockSize] = [80, 48, 32];
      const w = spreadMatrix(k, n, seed * 11);
      const { packed, scales } = packMatMulNBits4(w, k, n, blockSize, (s) => roundScales(s, "up")!);
      const dequantized = unpackMatMulNBits4(packed, scales, k, n, blockSize);
      for (let c = 0; c < n; c++) {
        for (let r = 0; r < k; r++) {
          const start = Math.floor(r / blockSize) * blockSize;
          let max = 0;
          for (let i = start; i < Math.min(k, start + blockSize); i++) max = Math.max(max, Math.abs(w[i * n + c]));
          expect(Math.abs(w[r * n + c] - dequantized[r * n + c])).toBeLessThanOrEqual((max / 8) * (1 + 1e-6));
        }
      }
    }
  });

  it("a scale outside float16's normal range keeps the scales float32", () => {
    expect(roundScales(Float32Array.of(0.5, 2 ** -15), "down")).toBeUndefined();
    expect(roundScales(Float32Array.of(0.5, 70000), "up")).toBeUndefined();
    expect(roundScales(Float32Array.of(0.1, -0.1, 0), "up")).toEqual(Float32Array.of(0.10003662109375, -0.10003662109375, 0));
    expect(roundScales(Float32Array.of(0.1, 1), "down")).toEqual(Float32Array.of(0.0999755859375, 1));
  });
});
