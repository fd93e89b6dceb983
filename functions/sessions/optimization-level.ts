/**
 * Which of ORT's graph optimization levels a model gets. Above "basic" (constant folding,
 * redundant-node elimination), ORT runs dozens of fusion passes — GELU, LayerNorm, attention,
 * QDQ and DynamicQuantizeMatMul fusions, … — that make transformer and quantized graphs faster.
 * Their code also costs the first session of an isolate time: a 1 MB MLP's first request takes
 * 16 ms with "all" and 13 ms with "basic" (median of 6 fresh workerd processes each, same answers),
 * while throughput on MLPs is the same. So plain graphs whose ops none of those passes can fuse get
 * "basic"; everything else, and any graph this cannot read, keeps ORT's default "all".
 */

/** Ops of plain feed-forward graphs (what the trainer and most tabular exports produce). */
const PLAIN_OPS = new Set([
  "MatMul", "Gemm", "Add", "Sub", "Mul", "Div", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
  "ArgMax", "Cast", "Identity", "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Concat", "Clip", "Max", "Min", "Abs", "Neg", "Exp", "Log",
  // The trainer's missing-value imputation.
  "IsNaN", "Where",
]);

export type GraphOptimizationLevel = "basic" | "all";

/** `ops`: the main graph's op types, or undefined when the model could not be read here. */
export function graphOptimizationLevel(ops: ReadonlySet<string> | undefined): GraphOptimizationLevel {
  return ops !== undefined && ops.size > 0 && [...ops].every((op) => PLAIN_OPS.has(op)) ? "basic" : "all";
}
