/**
 * The MLP's forward pass and its backward pass by the chain rule, emitted as ONNX nodes.
 * Shared by the training-step graph, the evaluation graph and the exported model, so all three
 * compute the same function.
 */
import type { GraphBuilder } from "../onnx/graph-builder.ts";
import type { Activation } from "./mlp.ts";

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export function activate(g: GraphBuilder, activation: Activation, z: string): string {
  switch (activation) {
    case "relu":
      return g.op("Relu", [z]);
    case "tanh":
      return g.op("Tanh", [z]);
    case "sigmoid":
      return g.op("Sigmoid", [z]);
    case "identity":
      return z;
    case "gelu": {
      // Exact GELU, x·Φ(x) = 0.5·x·(1 + erf(x/√2)); built from Erf because opset-17 has no Gelu.
      const erf = g.op("Erf", [g.op("Mul", [z, g.scalar(SQRT1_2)])]);
      return g.op("Mul", [g.op("Mul", [z, g.scalar(0.5)]), g.op("Add", [erf, g.scalar(1)])]);
    }
  }
}

/** dL/dz from dL/da for a = act(z), given both z and a. */
export function activationGrad(g: GraphBuilder, activation: Activation, z: string, a: string, da: string): string {
  switch (activation) {
    case "relu":
      return g.op("Where", [g.op("Greater", [z, g.scalar(0)]), da, g.scalar(0)]);
    case "tanh":
      return g.op("Mul", [da, g.op("Sub", [g.scalar(1), g.op("Mul", [a, a])])]);
    case "sigmoid":
      return g.op("Mul", [da, g.op("Mul", [a, g.op("Sub", [g.scalar(1), a])])]);
    case "identity":
      return da;
    case "gelu": {
      // d/dz z·Φ(z) = Φ(z) + z·φ(z)
      const cdf = g.op("Mul", [g.op("Add", [g.op("Erf", [g.op("Mul", [z, g.scalar(SQRT1_2)])]), g.scalar(1)]), g.scalar(0.5)]);
      const pdf = g.op("Mul", [g.op("Exp", [g.op("Mul", [g.op("Mul", [z, z]), g.scalar(-0.5)])]), g.scalar(INV_SQRT_2PI)]);
      return g.op("Mul", [da, g.op("Add", [cdf, g.op("Mul", [z, pdf])])]);
    }
  }
}

export interface LayerTrace {
  /** Input of layer i. */
  inputs: string[];
  /** Pre-activation of layer i. */
  preActivations: string[];
  logits: string;
}

/** x → logits through `weight/bias` value names per layer; hidden layers use `activation`. */
export function forward(g: GraphBuilder, x: string, params: Array<{ weight: string; bias: string }>, activation: Activation): LayerTrace {
  const inputs: string[] = [];
  const preActivations: string[] = [];
  let h = x;
  params.forEach((p, i) => {
    inputs.push(h);
    const z = g.op("Gemm", [h, p.weight, p.bias]);
    preActivations.push(z);
    h = i + 1 < params.length ? activate(g, activation, z) : z;
  });
  return { inputs, preActivations, logits: h };
}

/** Gradients of every weight and bias from dL/dlogits, by the chain rule, last layer first. */
export function backward(
  g: GraphBuilder,
  trace: LayerTrace,
  params: Array<{ weight: string; bias: string }>,
  activation: Activation,
  dLogits: string,
): Array<{ weight: string; bias: string }> {
  const grads: Array<{ weight: string; bias: string }> = new Array(params.length);
  let dz = dLogits;
  for (let i = params.length - 1; i >= 0; i--) {
    const weight = g.op("Gemm", [trace.inputs[i], dz], { transA: 1 });
    const bias = g.op("ReduceSum", [dz, g.ints([0])], { keepdims: 0 });
    grads[i] = { weight, bias };
    if (i > 0) {
      const dh = g.op("Gemm", [dz, params[i].weight], { transB: 1 });
      dz = activationGrad(g, activation, trace.preActivations[i - 1], trace.inputs[i], dh);
    }
  }
  return grads;
}
