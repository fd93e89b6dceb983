/**
 * Whether ORT should prepack a model's weights. Prepacking keeps a second, repacked copy of each
 * MatMul/Gemm weight. For quantized kernels (MatMulInteger, MatMulNBits, …) it is what makes them
 * fast (int8-dynamic at batch 64 ran ~1.7x slower without it) and costs no extra memory.
 * For float32 weights it doubles them in memory (100 MB model: 202 vs 108 MiB of wasm memory) and
 * pays on workerd as the weights grow — CPU per batch-1 request with / without, raw workerd,
 * 5 alternating rounds: 10→64→3 MLP 1.01x, 1 MB 0.93x, 4 MB 0.89x, 16 MB 0.70x, 100 MB 0.63x
 * (its batch 1 was 25% slower with it in Node's onnxruntime-web, the measurement this was first
 * decided on). The gain depends on the machine: on a later one, 12 MB 0.91x but 25 MB and 100 MB
 * none (1.02x, 1.04x). So float32 weights are prepacked up to PREPACK_FP32_LIMIT_BYTES, or at any size
 * when the publisher is asked to (`maas push --prepack`: a model with room in the isolate trades
 * memory for CPU): the publisher decides it, charges the copy in the manifest's memoryBytes and
 * records it there (`prepackedBytes`), all in one reading (heap-estimate.ts, estimateMemory); the
 * Worker prepacks float32 weights only for a manifest that has it.
 * Where the copy fits: with ORT's ~25 MiB base B, a model of m bytes peaks at B + 3m while loading
 * (blob, weights, copy), within 2 × (B + m) — the serving-cost issue's memory goal — for m ≤ B.
 */
import { mainGraphInitializers, mainGraphNodes, readersByName } from "./graph-ops.ts";

/** Ops whose kernels prepack quantized weights. */
const QUANTIZED_OPS = new Set([
  "MatMulInteger",
  "DynamicQuantizeMatMul",
  "MatMulIntegerToFloat",
  "MatMulNBits",
  "QLinearMatMul",
  "QLinearConv",
  "ConvInteger",
  "DynamicQuantizeLSTM",
  "QAttention",
]);

/** Float32 MatMul/Gemm weights up to this many bytes are prepacked by default. */
export const PREPACK_FP32_LIMIT_BYTES = 16 * 1024 * 1024;

/** Which float32 weights the publisher prepacks: up to the limit ("auto"), or all of them ("always"). */
export type Fp32Prepacking = "auto" | "always";

const FLOAT = 1;

/** A stored tensor that prepacking copies: float32, read by a MatMul or Gemm. */
export function isFp32MatMulWeight(dataType: number, readers: ReadonlySet<string> | undefined): boolean {
  return dataType === FLOAT && (readers?.has("MatMul") === true || readers?.has("Gemm") === true);
}

/** Whether a copy of this many bytes of float32 MatMul/Gemm weights is made: some, within the limit unless "always". */
export function fp32PrepackPays(copyBytes: number, policy: Fp32Prepacking = "auto"): boolean {
  return copyBytes > 0 && (policy === "always" || copyBytes <= PREPACK_FP32_LIMIT_BYTES);
}

/** Bytes of the main graph's float32 constants read by MatMul or Gemm: what prepacking copies. */
export function fp32MatMulWeightBytes(bytes: Uint8Array): number {
  const readers = readersByName(mainGraphNodes(bytes));
  let total = 0;
  for (const { name, dataType, storedBytes } of mainGraphInitializers(bytes)) {
    if (isFp32MatMulWeight(dataType, readers.get(name))) total += storedBytes;
  }
  return total;
}

/** Whether the Worker prepacks this file's float32 weights once it is published by default (heap-estimate.ts decides it for the publisher). */
export function prepackFp32(bytes: Uint8Array): boolean {
  return fp32PrepackPays(fp32MatMulWeightBytes(bytes));
}

/**
 * `ops`: the main graph's op types, or undefined when the model could not be read here (ORT's
 * default then). `fp32`: whether the manifest has `prepackedBytes` (float32 weights too).
 */
export function prepackingPays(ops: ReadonlySet<string> | undefined, fp32 = false): boolean {
  return fp32 || ops === undefined || [...ops].some((op) => QUANTIZED_OPS.has(op));
}
