/** Small models built with the model-io helpers: the MatMul/Gemm/If/Loop/Scan cases compression must handle. */
import { DataType, encodeModel, floatTensor, int64Tensor, type GraphProto, type NodeProto, type TensorProto, type ValueInfoProto } from "../../../training/onnx/model-io.ts";
import { Rng } from "../../../training/util/rng.ts";

export function valueInfo(name: string, elemType: number, dims?: (number | string)[]): ValueInfoProto {
  const shape = dims && { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) };
  return { name, type: { tensorType: { elemType, ...(shape ? { shape } : {}) } } };
}

export function node(opType: string, input: string[], output: string[], attribute: NodeProto["attribute"] = []): NodeProto {
  return { opType, input, output, name: `${opType}_${output[0]}`, attribute };
}

export function randomMatrix(rows: number, cols: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: rows * cols }, () => rng.normal() * scale);
}

export function modelBytes(graph: GraphProto, opset = 17): Uint8Array {
  return encodeModel({ irVersion: 8, opsetImport: [{ domain: "", version: opset }], producerName: "edge-maas-test", graph });
}

/** Y = X · W, W [K, N]. */
export function matMulModel(k: number, n: number, w: Float32Array): Uint8Array {
  return modelBytes({
    name: "matmul",
    node: [node("MatMul", ["X", "W"], ["Y"])],
    initializer: [floatTensor("W", [k, n], w)],
    input: [valueInfo("X", DataType.FLOAT, ["batch", k])],
    output: [valueInfo("Y", DataType.FLOAT, ["batch", n])],
  });
}

/** Y = alpha · X · Bᵀ + beta · C, B stored [N, K] (transB = 1), as PyTorch exports nn.Linear. */
export function gemmModel(k: number, n: number, b: Float32Array, c: Float32Array, alpha: number, beta: number): Uint8Array {
  return modelBytes({
    name: "gemm",
    node: [node("Gemm", ["X", "B", "C"], ["Y"], [
      { name: "transB", type: 2, i: 1 }, { name: "alpha", type: 1, f: alpha }, { name: "beta", type: 1, f: beta },
    ])],
    initializer: [floatTensor("B", [n, k], b), floatTensor("C", [n], c)],
    input: [valueInfo("X", DataType.FLOAT, ["batch", k])],
    output: [valueInfo("Y", DataType.FLOAT, ["batch", n])],
  });
}

export interface SubgraphWeights {
  outer: Float32Array; // [K, N], read by If's then-branch from the outer scope
  inner: Float32Array; // [N, K], If's else-branch initializer, Gemm transB
  loop: Float32Array; // [K, K], Loop body initializer
  scan: Float32Array; // [K, N], Scan body Constant node
}

/**
 * Weights inside control flow: Y1 = If(cond, X·Wouter, X·Winnerᵀ); Y2 = Loop ×2 of v ← tanh(v·Wloop);
 * Y3 = Scan over the rows of X of x·Wscan (x as [1, K]).
 */
export function subgraphModel(k: number, n: number, w: SubgraphWeights): Uint8Array {
  const thenBranch: GraphProto = {
    name: "then", node: [node("MatMul", ["X", "W_outer"], ["then_y"])], output: [valueInfo("then_y", DataType.FLOAT, ["batch", n])],
  };
  const elseBranch: GraphProto = {
    name: "else",
    node: [node("Gemm", ["X", "W_inner"], ["else_y"], [{ name: "transB", type: 2, i: 1 }])],
    initializer: [floatTensor("W_inner", [n, k], w.inner)],
    output: [valueInfo("else_y", DataType.FLOAT, ["batch", n])],
  };
  const loopBody: GraphProto = {
    name: "loop_body",
    node: [node("Identity", ["cond_in"], ["cond_out"]), node("MatMul", ["v_in", "W_loop"], ["v_mm"]), node("Tanh", ["v_mm"], ["v_out"])],
    initializer: [floatTensor("W_loop", [k, k], w.loop)],
    input: [valueInfo("iter", DataType.INT64, []), valueInfo("cond_in", DataType.BOOL, []), valueInfo("v_in", DataType.FLOAT, ["batch", k])],
    output: [valueInfo("cond_out", DataType.BOOL, []), valueInfo("v_out", DataType.FLOAT, ["batch", k])],
  };
  const scanConstant: TensorProto = floatTensor("", [k, n], w.scan);
  const scanBody: GraphProto = {
    name: "scan_body",
    node: [
      node("Identity", ["s_in"], ["s_out"]),
      node("Constant", [], ["W_scan"], [{ name: "value", type: 4, t: scanConstant }]),
      node("Unsqueeze", ["x_row", "axes0"], ["x_2d"]),
      node("MatMul", ["x_2d", "W_scan"], ["y_2d"]),
      node("Squeeze", ["y_2d", "axes0"], ["y_row"]),
    ],
    initializer: [int64Tensor("axes0", [1], [0])],
    input: [valueInfo("s_in", DataType.FLOAT, [1]), valueInfo("x_row", DataType.FLOAT, [k])],
    output: [valueInfo("s_out", DataType.FLOAT, [1]), valueInfo("y_row", DataType.FLOAT, [n])],
  };
  return modelBytes({
    name: "control_flow",
    node: [
      node("If", ["cond"], ["Y1"], [{ name: "then_branch", type: 5, g: thenBranch }, { name: "else_branch", type: 5, g: elseBranch }]),
      node("Loop", ["trips", "", "X"], ["Y2"], [{ name: "body", type: 5, g: loopBody }]),
      node("Scan", ["s0", "X"], ["s_final", "Y3"], [{ name: "body", type: 5, g: scanBody }, { name: "num_scan_inputs", type: 2, i: 1 }]),
    ],
    initializer: [floatTensor("W_outer", [k, n], w.outer), int64Tensor("trips", [], [2]), floatTensor("s0", [1], new Float32Array([0]))],
    input: [valueInfo("X", DataType.FLOAT, ["batch", k]), valueInfo("cond", DataType.BOOL, [])],
    output: [valueInfo("Y1", DataType.FLOAT, ["batch", n]), valueInfo("Y2", DataType.FLOAT, ["batch", k]), valueInfo("Y3", DataType.FLOAT, ["batch", n]), valueInfo("s_final", DataType.FLOAT, [1])],
  });
}
