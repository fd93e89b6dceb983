/** The arithmetic of each quantization scheme, independent of any graph. */

/** C's roundf: halves round away from zero (what ONNX Runtime's MatMulNBits packer uses). */
export function roundHalfAwayFromZero(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/**
 * Symmetric int8 with one scale per output channel. `values` is row-major [rows, cols]; the
 * channel axis is 0 (one scale per row) or 1 (one per column); `perTensor` uses a single scale.
 * scale = max|w| / 127, so |w − q·scale| ≤ scale / 2 for every weight.
 *
 * `round` (see halfScales) replaces each scale s by a nearby s' before q is computed. With
 * s − 2⁻¹⁰·s ≤ s' ≤ s the bound |w − q·s'| ≤ s / 2 still holds: |w| ≤ 127·s' rounds to within s'/2,
 * and the few |w| in (127·s', 127·s] clamp to ±127 with |w − 127·s'| ≤ 127·(s − s') < s / 8.
 */
export function quantizeInt8Symmetric(
  values: Float32Array, rows: number, cols: number, axis: 0 | 1, perTensor: boolean,
  round?: (scales: Float32Array) => Float32Array,
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
  const exact = Float32Array.from(maxAbs, (m) => (m > 0 ? m / 127 : 1));
  const scales = round ? round(exact) : exact;
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
 * Symmetric int8 of a tensor of any rank with one scale per index along `axis` (undefined: one scale
 * for the whole tensor): a Conv weight [M, C/g, kH, kW] per output channel (axis 0), a ConvTranspose
 * weight [C, M/g, kH, kW] per axis 1, an embedding table [V, D] per row (axis 0). Same scale and
 * rounding as quantizeInt8Symmetric, hence the same bound |w − q·scale| ≤ scale / 2.
 */
export function quantizeInt8PerAxis(
  values: Float32Array, dims: readonly number[], axis: number | undefined, round?: (scales: Float32Array) => Float32Array,
): { q: Int8Array; scales: Float32Array } {
  if (axis === undefined) return quantizeInt8Symmetric(values, 1, values.length, 1, true, round);
  const channels = dims[axis];
  const inner = dims.slice(axis + 1).reduce((n, d) => n * d, 1);
  const outer = values.length / (channels * inner);
  // Axis 0 is the one-scale-per-row case; otherwise each element's channel is found from its index.
  if (outer === 1) return quantizeInt8Symmetric(values, channels, inner, 0, false, round);
  const maxAbs = new Float32Array(channels);
  for (let i = 0; i < values.length; i++) {
    const ch = Math.floor(i / inner) % channels;
    maxAbs[ch] = Math.max(maxAbs[ch], Math.abs(values[i]));
  }
  const exact = Float32Array.from(maxAbs, (m) => (m > 0 ? m / 127 : 1));
  const scales = round ? round(exact) : exact;
  const q = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] / scales[Math.floor(i / inner) % channels];
    q[i] = Math.max(-127, Math.min(127, roundHalfAwayFromZero(v)));
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
 *
 * `round` replaces each block's scale s by a nearby s' before q is computed. With
 * |s| ≤ |s'| ≤ (1 + 2⁻¹⁰)·|s| the bound |w − (q − 8)·s'| ≤ |m|/8 still holds: inside the range the
 * error is |s'|/2; values clamped at 15 lie within 8·|s| − 7·|s'| ≤ |s|; and m itself lands at q = 0
 * with error 8·(|s'| − |s|) < |s|.
 */
export function packMatMulNBits4(
  kn: Float32Array, k: number, n: number, blockSize: number, round?: (scales: Float32Array) => Float32Array,
): { packed: Uint8Array; scales: Float32Array; kBlocks: number } {
  const kBlocks = Math.ceil(k / blockSize);
  const bytesPerBlock = blockSize / 2;
  const packed = new Uint8Array(n * kBlocks * bytesPerBlock);
  const exact = new Float32Array(n * kBlocks);
  const valueAt = (row: number, col: number): number => (row < k ? kn[row * n + col] : 0);
  for (let col = 0; col < n; col++) {
    for (let b = 0; b < kBlocks; b++) {
      let m = 0;
      for (let row = b * blockSize; row < (b + 1) * blockSize; row++) if (Math.abs(valueAt(row, col)) > Math.abs(m)) m = valueAt(row, col);
      exact[col * kBlocks + b] = Math.fround(-m / 8);
    }
  }
  const scales = round ? round(exact) : exact;
  const block = new Float32Array(blockSize);
  for (let col = 0; col < n; col++) {
    for (let b = 0; b < kBlocks; b++) {
      for (let i = 0; i < blockSize; i++) block[i] = valueAt(b * blockSize + i, col);
      const scale = scales[col * kBlocks + b];
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

/**
 * Symmetric 4-bit signed weights with one scale per index along `axis` (a convolution's output
 * channels), packed as ONNX stores INT4 tensors: two per byte, the even element in the low nibble.
 * scale = max|w| / 7 and q = clamp(round(w / scale), −7, 7), so |w − q·scale| ≤ scale / 2.
 */
export function quantizeInt4PerAxis(values: Float32Array, dims: readonly number[], axis: number): { packed: Uint8Array; scales: Float32Array } {
  const channels = dims[axis];
  const inner = dims.slice(axis + 1).reduce((n, d) => n * d, 1);
  const channelOf = (i: number): number => Math.floor(i / inner) % channels;
  const maxAbs = new Float32Array(channels);
  for (let i = 0; i < values.length; i++) maxAbs[channelOf(i)] = Math.max(maxAbs[channelOf(i)], Math.abs(values[i]));
  const scales = Float32Array.from(maxAbs, (m) => (m > 0 ? m / 7 : 1));
  const packed = new Uint8Array(Math.ceil(values.length / 2));
  for (let i = 0; i < values.length; i++) {
    const q = Math.max(-7, Math.min(7, roundHalfAwayFromZero(values[i] / scales[channelOf(i)])));
    packed[i >> 1] |= (q & 0x0f) << ((i & 1) * 4);
  }
  return { packed, scales };
}

/**
 * Asymmetric int8 for an activation whose calibrated range is [min, max] (widened to include 0), as
 * onnxruntime's quantize_static computes it for QuantType.QInt8 activations: scale = (max − min) / 255,
 * zero point = round(−128 − min / scale). QuantizeLinear then maps x to clamp(round(x / scale) + zp,
 * −128, 127), so inside the range |x − dequantized| ≤ scale / 2; outside it, values clip to its ends.
 */
export function activationInt8Params(min: number, max: number): { scale: number; zeroPoint: number } {
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  if (!(hi > lo)) return { scale: 1, zeroPoint: 0 };
  const scale = Math.fround((hi - lo) / 255);
  const zeroPoint = Math.max(-128, Math.min(127, Math.round(-128 - lo / scale)));
  return { scale, zeroPoint };
}
