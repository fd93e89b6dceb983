/** The arithmetic of each quantization scheme, independent of any graph. */

/** C's roundf: halves round away from zero (what ONNX Runtime's MatMulNBits packer uses). */
export function roundHalfAwayFromZero(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/**
 * Symmetric int8 with one scale per output channel. `values` is row-major [rows, cols]; the
 * channel axis is 0 (one scale per row) or 1 (one per column); `perTensor` uses a single scale.
 * scale = max|w| / 127, so |w − q·scale| ≤ scale / 2 for every weight.
 */
export function quantizeInt8Symmetric(
  values: Float32Array, rows: number, cols: number, axis: 0 | 1, perTensor: boolean,
): { q: Int8Array; scales: Float32Array } {
  const channels = perTensor ? 1 : axis === 0 ? rows : cols;
  const channelOf = (r: number, c: number): number => (perTensor ? 0 : axis === 0 ? r : c);
  const maxAbs = new Float32Array(channels);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const ch = channelOf(r, c);
      maxAbs[ch] = Math.max(maxAbs[ch], Math.abs(values[r * cols + c]));
    }
  }
  // An all-zero channel gets scale 1 (a zero scale is not allowed by DequantizeLinear's contract).
  const scales = Float32Array.from(maxAbs, (m) => (m > 0 ? m / 127 : 1));
  const q = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c] / scales[channelOf(r, c)];
      q[r * cols + c] = Math.max(-127, Math.min(127, roundHalfAwayFromZero(v)));
    }
  }
  return { q, scales };
}

/**
 * 4-bit block-wise weights in ONNX Runtime's MatMulNBits layout. `kn` is the weight as [K, N];
 * each column is split into blocks of `blockSize` rows (K zero-padded to whole blocks).
 * Output: B uint8 [N, kBlocks, blockSize/2] — two k values per byte, even k in the low nibble —
 * and scales float32 [N * kBlocks]. No zero_points input, so the zero point is 8.
 * Symmetric: scale = −m/8 where m is the block's value of largest magnitude, q = clamp(round(v/scale + 8), 0, 15).
 * Hence |w − (q − 8)·scale| ≤ |scale| (a half step, or a whole step for values clamped at 15).
 */
export function packMatMulNBits4(
  kn: Float32Array, k: number, n: number, blockSize: number,
): { packed: Uint8Array; scales: Float32Array; kBlocks: number } {
  const kBlocks = Math.ceil(k / blockSize);
  const bytesPerBlock = blockSize / 2;
  const packed = new Uint8Array(n * kBlocks * bytesPerBlock);
  const scales = new Float32Array(n * kBlocks);
  const block = new Float32Array(blockSize);
  for (let col = 0; col < n; col++) {
    for (let b = 0; b < kBlocks; b++) {
      let m = 0;
      for (let i = 0; i < blockSize; i++) {
        const row = b * blockSize + i;
        const v = row < k ? kn[row * n + col] : 0;
        block[i] = v;
        if (Math.abs(v) > Math.abs(m)) m = v;
      }
      const scale = Math.fround(-m / 8);
      scales[col * kBlocks + b] = scale;
      // float32 arithmetic throughout, as in ORT's C++ packer, so ties round the same way.
      const reciprocal = scale !== 0 ? Math.fround(1 / scale) : 0;
      const base = (col * kBlocks + b) * bytesPerBlock;
      for (let i = 0; i < blockSize; i += 2) {
        const q0 = Math.max(0, Math.min(15, roundHalfAwayFromZero(Math.fround(Math.fround(block[i] * reciprocal) + 8))));
        const q1 = Math.max(0, Math.min(15, roundHalfAwayFromZero(Math.fround(Math.fround(block[i + 1] * reciprocal) + 8))));
        packed[base + i / 2] = q0 | (q1 << 4);
      }
    }
  }
  return { packed, scales, kBlocks };
}

/** Reverses packMatMulNBits4 (for reports and tests): the dequantized weight as [K, N]. */
export function unpackMatMulNBits4(packed: Uint8Array, scales: Float32Array, k: number, n: number, blockSize: number): Float32Array {
  const kBlocks = Math.ceil(k / blockSize);
  const out = new Float32Array(k * n);
  for (let col = 0; col < n; col++) {
    for (let row = 0; row < k; row++) {
      const b = Math.floor(row / blockSize);
      const i = row % blockSize;
      const byte = packed[(col * kBlocks + b) * (blockSize / 2) + (i >> 1)];
      const q = i % 2 === 0 ? byte & 0x0f : byte >> 4;
      out[row * n + col] = (q - 8) * scales[col * kBlocks + b];
    }
  }
  return out;
}
