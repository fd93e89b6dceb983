/**
 * Finds the constant weights of MatMul, Gemm, Conv, ConvTranspose and Gather (an embedding table)
 * nodes anywhere in a model (main graph and control-flow bodies). A weight is an initializer (not overridable by a graph input of the same
 * name) or a Constant node's tensor; names resolve innermost scope first, as ONNX Runtime does.
 */
import { allGraphs, type GraphScope } from "../onnx/graph-walk.ts";
import { findAttribute, intAttribute } from "../onnx/attributes.ts";
import type { GraphProto, ModelProto, NodeProto, TensorProto } from "../onnx/model-io.ts";
import { readAsFloat32, tensorDims } from "../onnx/tensors.ts";

/** The operators whose constant weights are compressed, and which input is the weight / the bias. */
export const WEIGHT_OPS = {
  MatMul: { weight: 1, bias: undefined },
  Gemm: { weight: 1, bias: 2 },
  Conv: { weight: 1, bias: 2 },
  ConvTranspose: { weight: 1, bias: 2 },
  Gather: { weight: 0, bias: undefined },
} as const;
export type WeightOp = keyof typeof WEIGHT_OPS;

/** Ops that rewrite the same way: a weight read by two families is left alone. */
export function opFamily(op: WeightOp): "matmul" | "conv" | "conv-transpose" | "embedding" {
  return op === "MatMul" || op === "Gemm" ? "matmul" : op === "Conv" ? "conv" : op === "ConvTranspose" ? "conv-transpose" : "embedding";
}

export interface WeightUse {
  graph: GraphProto;
  graphPath: string;
  node: NodeProto;
  op: WeightOp;
  /** Gemm's transB: the weight is stored [N, K] instead of [K, N]. */
  transposed: boolean;
}

export interface ConstantWeight {
  name: string;
  /** The graph that holds the initializer (or the Constant node). */
  owner: GraphProto;
  ownerPath: string;
  tensor: TensorProto;
  /** Set when the value comes from a Constant node rather than an initializer. */
  constantNode: NodeProto | undefined;
  dims: number[];
  values: Float32Array;
  /** Uses as the weight input: B of MatMul/Gemm, W of Conv/ConvTranspose, data of Gather. */
  uses: WeightUse[];
  /** Uses as the bias input: C of Gemm, B of Conv/ConvTranspose. */
  biasUses: WeightUse[];
  /** Any other use (another op, a graph output, A of a MatMul, …): then the weight is left alone. */
  otherUses: number;
}

type Definition = { kind: "value" } | { kind: "constant"; weight: ConstantWeight };

function constantNodeTensor(node: NodeProto): TensorProto | undefined {
  if (node.opType !== "Constant" || (node.domain ?? "") !== "") return undefined;
  return findAttribute(node, "value")?.t ?? undefined;
}

function definitionsOf(scope: GraphScope): Map<string, Definition> {
  const { graph } = scope;
  const defs = new Map<string, Definition>();
  const constant = (name: string, tensor: TensorProto, constantNode: NodeProto | undefined): Definition => {
    const values = readAsFloat32(tensor);
    if (!values || tensor.dataType !== 1) return { kind: "value" }; // only float32 weights are compressed
    const weight: ConstantWeight = {
      name, owner: graph, ownerPath: scope.path, tensor, constantNode, dims: tensorDims(tensor), values, uses: [], biasUses: [], otherUses: 0,
    };
    return { kind: "constant", weight };
  };
  for (const t of graph.initializer ?? []) if (t.name) defs.set(t.name, constant(t.name, t, undefined));
  // Graph inputs shadow initializers of the same name: such an initializer is only a default.
  for (const input of graph.input ?? []) if (input.name) defs.set(input.name, { kind: "value" });
  for (const node of graph.node ?? []) {
    const tensor = constantNodeTensor(node);
    for (const out of node.output ?? []) {
      if (!out) continue;
      defs.set(out, tensor ? constant(out, tensor, node) : { kind: "value" });
    }
  }
  return defs;
}

/** Constants read as a weight or a bias of WEIGHT_OPS; callers tell them apart by `uses`/`biasUses`. */
export function findConstantWeights(model: ModelProto): ConstantWeight[] {
  const scopes = allGraphs(model);
  const defsByGraph = new Map<GraphProto, Map<string, Definition>>();
  for (const scope of scopes) defsByGraph.set(scope.graph, definitionsOf(scope));

  const resolve = (scope: GraphScope, name: string): Definition | undefined => {
    for (let s: GraphScope | undefined = scope; s; s = s.parent) {
      const def = defsByGraph.get(s.graph)!.get(name);
      if (def) return def;
    }
    return undefined;
  };

  for (const scope of scopes) {
    for (const node of scope.graph.node ?? []) {
      const op = (node.domain ?? "") === "" && Object.hasOwn(WEIGHT_OPS, node.opType ?? "") ? (node.opType as WeightOp) : undefined;
      (node.input ?? []).forEach((name, index) => {
        if (!name) return;
        const def = resolve(scope, name);
        if (def?.kind !== "constant") return;
        const transposed = op === "Gemm" && intAttribute(node, "transB", 0) === 1;
        const use: WeightUse | undefined = op && { graph: scope.graph, graphPath: scope.path, node, op, transposed };
        if (use && index === WEIGHT_OPS[use.op].weight) def.weight.uses.push(use);
        else if (use && index === WEIGHT_OPS[use.op].bias) def.weight.biasUses.push(use);
        else def.weight.otherUses += 1;
      });
    }
    for (const output of scope.graph.output ?? []) {
      const def = output.name ? resolve(scope, output.name) : undefined;
      if (def?.kind === "constant") def.weight.otherUses += 1;
    }
  }

  const weights: ConstantWeight[] = [];
  for (const defs of defsByGraph.values()) {
    for (const def of defs.values()) {
      if (def.kind === "constant" && (def.weight.uses.length > 0 || def.weight.biasUses.length > 0)) weights.push(def.weight);
    }
  }
  return weights;
}

/** A weight's [K, N] orientation for one use: rows are the reduced axis, columns the outputs. */
export function weightAsKN(weight: ConstantWeight, transposed: boolean): { k: number; n: number; values: Float32Array } {
  const [rows, cols] = weight.dims;
  if (!transposed) return { k: rows, n: cols, values: weight.values };
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = weight.values[r * cols + c];
  return { k: cols, n: rows, values: out };
}
