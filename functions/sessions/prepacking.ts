/**
 * Whether ORT should prepack a model's weights. Prepacking keeps a second, repacked copy of each
 * MatMul weight. For fp32 MatMul in wasm that doubles the weights in memory (100 MB model: 202 vs
 * 108 MiB of wasm memory). Its return was measured mixed in Node's onnxruntime-web (batch 1 ~25%
 * slower with it, batch 64 ~15% faster) but is clear on workerd: the 100 MB model's batch 1 took
 * 5.8 instead of 9.2 ms of CPU with it. Memory still decides here, since a Worker isolate has
 * 128 MB; prepacking the fp32 models whose copy fits the cache budget is the open lead. For
 * quantized kernels (MatMulInteger, MatMulNBits, …) prepacking is what makes them fast
 * (int8-dynamic at batch 64 ran ~1.7x slower without it) and costs no extra memory.
 */

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

/** `ops`: the main graph's op types, or undefined when the model could not be read here (ORT's default then). */
export function prepackingPays(ops: ReadonlySet<string> | undefined): boolean {
  return ops === undefined || [...ops].some((op) => QUANTIZED_OPS.has(op));
}
