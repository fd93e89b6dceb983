/**
 * fp16 for ONNX tensors. The bit-level conversion (IEEE 754 binary16, round-to-nearest-even, as
 * numpy and ONNX Runtime's Cast do) is the Worker's, so that one implementation serves both.
 */
import { fromHalfBits, toHalfBits } from "../../functions/protocol/float16.ts";

export { toHalfBits as float32ToFloat16Bits, fromHalfBits as float16BitsToFloat32 };

export function toFloat16Array(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toHalfBits(values[i]);
  return out;
}

/** Smallest positive normal float16 (2⁻¹⁴); below it float16 loses relative precision. */
const FLOAT16_MIN_NORMAL = 2 ** -14;

/**
 * Each value as the nearest float16 in the given direction of magnitude: "down" never increases
 * |v|, "up" never decreases it. Undefined when some non-zero value is not a normal float16 after
 * rounding (too small, too large, or not finite), so that the relative change stays ≤ 2⁻¹⁰.
 */
export function toFloat16Directed(values: Float32Array, direction: "down" | "up"): { bits: Uint16Array; values: Float32Array } | undefined {
  const bits = new Uint16Array(values.length);
  const rounded = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === 0) continue; // +0 in both
    let h = toHalfBits(v);
    const back = fromHalfBits(h);
    // float16 is sign-magnitude: one step of the bit pattern is one ulp of magnitude.
    if (direction === "down" && Math.abs(back) > Math.abs(v)) h -= 1;
    if (direction === "up" && Math.abs(back) < Math.abs(v)) h += 1;
    const r = fromHalfBits(h);
    if (!Number.isFinite(r) || Math.abs(r) < FLOAT16_MIN_NORMAL) return undefined;
    bits[i] = h;
    rounded[i] = r;
  }
  return { bits, values: rounded };
}
