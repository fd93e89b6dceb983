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
