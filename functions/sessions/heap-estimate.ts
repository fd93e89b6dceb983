/**
 * What a model will hold in onnxruntime-web's wasm memory, estimated from its graph: the figure the
 * session cache's budget charges (model-cache.ts). The publisher computes it and writes it into the
 * manifest (memoryBytes); the Worker only reads it there. It lives here, beside the Worker's other
 * readings of a model's graph, because it describes how the Worker's engine holds the model.
 *
 * ORT keeps one copy of every weight (about the file's bytes), and more for some encodings. Wasm
 * memory never shrinks, so what counts is the peak. Measured with `npm run bench:serving` on one
 * 4096×4096 layer and on 2-12 stacked layers (`--depth`):
 * - weight-only int8/int4 (DequantizeLinear on a constant): ORT does not fold these, it dequantizes
 *   at every run into fp32 tensors that are freed after their MatMul/Conv — so the stored weights
 *   plus the fp32 form of the two largest (two are alive at once in ORT's order; 4×2048² int8: +45.5
 *   MiB measured, 16 + 2×16 estimated; the old "every weight as fp32" was 80). Not when the
 *   layer's data input is dequantized too (static int8 from `--calibrate`): ORT fuses
 *   such QDQ groups into integer kernels that keep the int8 weights (4096² MatMul: +14.8 MiB, as
 *   int8-dynamic);
 * - int4 MatMulNBits dequantizes inside the kernel: the stored weights plus the largest as fp32;
 * - float16 weights through Cast are folded to fp32 at load (twice their bytes), the fp16 ones
 *   dropped as they go: one byte more per stored byte, plus the largest fp16 tensor while it is
 *   being replaced (4×2048² fp16: +73.6 MiB measured, 32 + 32 + 8 estimated);
 * - int8-dynamic (MatMulInteger, ConvInteger) keeps its int8 weights: nothing extra;
 * - prepacking (prepacking.ts), where the session has it, keeps a second copy of the float32
 *   MatMul/Gemm weights.
 * Only the main graph is read; subgraph weights count once.
 */
import { mainGraphInitializers, mainGraphNodes, readersByName, type GraphNode } from "./graph-ops.ts";
import { fp32PrepackPays, isFp32MatMulWeight, prepackingPays, type Fp32Prepacking } from "./prepacking.ts";

// TensorProto.DataType values.
const UINT8 = 2;
const INT8 = 3;
const FLOAT16 = 10;
const UINT4 = 21;
const INT4 = 22;

type Encoding = "dequantized" | "nbits" | "cast-fp16" | "plain";

/** How ORT treats a stored tensor, by its type and the ops reading it. */
function encodingOf(dataType: number, readers: ReadonlySet<string> | undefined, fusedQdq: boolean): Encoding {
  if (!readers) return "plain";
  if (readers.has("MatMulNBits") && dataType === UINT8) return "nbits";
  if (readers.has("DequantizeLinear") && [INT8, UINT8, INT4, UINT4].includes(dataType)) return fusedQdq ? "plain" : "dequantized";
  if (readers.has("Cast") && dataType === FLOAT16) return "cast-fp16";
  return "plain";
}

/** fp32 bytes per stored byte: 8-bit → 4, 4-bit (two per byte) → 8. */
const fp32PerStoredByte = (dataType: number): number => (dataType === INT4 || dataType === UINT4 ? 8 : 4);

const largest = (values: readonly number[], count: number): number =>
  [...values].sort((a, b) => b - a).slice(0, count).reduce((sum, v) => sum + v, 0);

/** Layers ORT runs as integer kernels from a QDQ group. */
const QDQ_FUSED_OPS = new Set(["Conv", "MatMul", "Gemm"]);

/**
 * Stored weights whose DequantizeLinear feeds only Conv/MatMul/Gemm nodes whose data input (the
 * first) comes from a DequantizeLinear as well: the QDQ groups ORT turns into integer kernels.
 */
function fusedQdqWeights(nodes: readonly GraphNode[]): Set<string> {
  const producer = new Map<string, GraphNode>();
  const consumers = new Map<string, GraphNode[]>();
  for (const node of nodes) {
    for (const output of node.outputs) producer.set(output, node);
    for (const input of node.inputs) {
      if (!consumers.has(input)) consumers.set(input, []);
      consumers.get(input)!.push(node);
    }
  }
  const fused = new Set<string>();
  for (const node of nodes) {
    if (node.opType !== "DequantizeLinear" || node.outputs.length !== 1) continue;
    const uses = consumers.get(node.outputs[0]) ?? [];
    const quantizedLayer = (use: GraphNode) =>
      QDQ_FUSED_OPS.has(use.opType) && use.inputs[0] !== node.outputs[0] && producer.get(use.inputs[0])?.opType === "DequantizeLinear";
    if (uses.length > 0 && uses.every(quantizedLayer)) fused.add(node.inputs[0]);
  }
  return fused;
}

/** What the publisher writes into a manifest for a file: memoryBytes, and prepackedBytes where the Worker prepacks float32 weights. */
export interface MemoryEstimate {
  memoryBytes: number;
  prepackedBytes?: number;
}

/**
 * The estimate and the prepacking decision from one reading of the graph, for a file published
 * with `prepacking` (the copy is charged in memoryBytes exactly when the session will make it).
 */
export function estimateMemory(bytes: Uint8Array, prepacking: Fp32Prepacking = "auto"): MemoryEstimate {
  const nodes = [...mainGraphNodes(bytes)];
  const readers = readersByName(nodes);
  const fused = fusedQdqWeights(nodes);
  const dequantizedFp32: number[] = [];
  const nbitsFp32: number[] = [];
  const castFp16: number[] = [];
  let fp32MatMulWeights = 0;
  for (const { name, dataType, storedBytes } of mainGraphInitializers(bytes)) {
    const encoding = encodingOf(dataType, readers.get(name), fused.has(name));
    if (encoding === "dequantized") dequantizedFp32.push(storedBytes * fp32PerStoredByte(dataType));
    else if (encoding === "nbits") nbitsFp32.push(storedBytes * 8); // two 4-bit weights per byte
    else if (encoding === "cast-fp16") castFp16.push(storedBytes);
    if (isFp32MatMulWeight(dataType, readers.get(name))) fp32MatMulWeights += storedBytes;
  }
  const castExtra = castFp16.reduce((sum, v) => sum + v, 0) + largest(castFp16, 1);
  const fp32Prepacked = fp32PrepackPays(fp32MatMulWeights, prepacking);
  // With prepacking on (for quantized kernels, or float32 weights by the policy) ORT copies every float32 MatMul/Gemm weight.
  const copied = prepackingPays(new Set(nodes.map((n) => n.opType)), fp32Prepacked) ? fp32MatMulWeights : 0;
  const memoryBytes = bytes.length + largest(dequantizedFp32, 2) + largest(nbitsFp32, 1) + castExtra + copied;
  return fp32Prepacked ? { memoryBytes, prepackedBytes: fp32MatMulWeights } : { memoryBytes };
}

/** Estimated bytes of onnxruntime-web's memory for this ONNX file (at least its size), published with `prepacking`. */
export function estimateHeapBytes(bytes: Uint8Array, prepacking: Fp32Prepacking = "auto"): number {
  return estimateMemory(bytes, prepacking).memoryBytes;
}
