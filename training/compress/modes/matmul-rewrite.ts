/**
 * Shared by the modes that replace the MatMul/Gemm node itself (int8-dynamic, int4): a Gemm
 * Y = alpha·A·B' + beta·C becomes the mode's matmul of A (alpha folded into its scales), then
 * Add C (times beta when beta ≠ 1) — or, for a mode whose node takes a bias (MatMulNBits), C
 * itself as that input when C is a constant of shape [N] and beta = 1. Gemm with transA is left alone.
 */
import { floatAttribute, intAttribute } from "../../onnx/attributes.ts";
import { DataType, type GraphProto, type NodeProto } from "../../onnx/model-io.ts";
import { makeTensor } from "../../onnx/tensors.ts";
import type { ConstantWeight, WeightUse } from "../find-weights.ts";
import { makeNode } from "../graph-edit.ts";
import { addInitializers, type QuantizeContext } from "../quantize-context.ts";
import type { LayerOutcome } from "./outcome.ts";

/**
 * Builds the nodes computing `output` = alpha · input × weight (+ `bias`, a vector of length N,
 * when given) for one use. Only modes that pass `fusesBias` to rewriteAllUses are given a bias.
 */
export type BuildMatMul = (use: WeightUse, input: string, output: string, alpha: number, bias?: string) => NodeProto[];

export function cannotRewrite(use: WeightUse): string | undefined {
  if (use.op === "Gemm" && intAttribute(use.node, "transA", 0) !== 0) return "Gemm with transA=1";
  return undefined;
}

function rewriteUse(weight: ConstantWeight, use: WeightUse, ctx: QuantizeContext, build: BuildMatMul, fusesBias: boolean): NodeProto[] {
  const [input] = use.node.input ?? [];
  const [output] = use.node.output ?? [];
  if (use.op === "MatMul") return build(use, input, output, 1);
  const alpha = floatAttribute(use.node, "alpha", 1);
  const beta = floatAttribute(use.node, "beta", 1);
  const bias = use.node.input?.[2];
  if (!bias) return build(use, input, output, alpha);
  const n = use.transposed ? weight.dims[0] : weight.dims[1];
  const biasDims = ctx.constantBiasDims(use.node);
  if (fusesBias && beta === 1 && biasDims?.length === 1 && biasDims[0] === n) return build(use, input, output, alpha, bias);
  const product = ctx.names.fresh(`${output}_matmul`);
  const nodes = build(use, input, product, alpha);
  let scaledBias = bias;
  if (beta !== 1) {
    const betaName = ctx.names.fresh(`${output}_beta`);
    addInitializers(use.graph, [makeTensor(betaName, DataType.FLOAT, [], new Float32Array([beta]))]);
    scaledBias = ctx.names.fresh(`${output}_beta_c`);
    nodes.push(makeNode("Mul", [bias, betaName], [scaledBias]));
  }
  nodes.push(makeNode("Add", [product, scaledBias], [output]));
  return nodes;
}

/** Rewrites every use of the weight, or none (then the weight stays fp32). */
export function rewriteAllUses(
  weight: ConstantWeight, ctx: QuantizeContext, build: BuildMatMul, scheme: string, created: () => ReturnType<typeof makeTensor>[],
  fusesBias = false,
): LayerOutcome {
  for (const use of weight.uses) {
    const reason = cannotRewrite(use);
    if (reason) return { skipped: reason };
  }
  for (const use of weight.uses) ctx.edits.replace(use.graph, use.node, rewriteUse(weight, use, ctx, build, fusesBias));
  ctx.removeWeight(weight);
  return { tensors: created(), scheme };
}

/** One quantized copy of a weight per (graph that uses it, orientation). */
export class PerGraphCache<T> {
  private readonly entries = new Map<GraphProto, Map<boolean, T>>();
  get(graph: GraphProto, transposed: boolean): T | undefined {
    return this.entries.get(graph)?.get(transposed);
  }
  set(graph: GraphProto, transposed: boolean, value: T): void {
    if (!this.entries.has(graph)) this.entries.set(graph, new Map());
    this.entries.get(graph)!.set(transposed, value);
  }
}
