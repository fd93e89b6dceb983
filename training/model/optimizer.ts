/**
 * Optimizer updates emitted as ONNX nodes, one parameter at a time. The learning rate (already
 * scheduled) and Adam's bias corrections are fed per step, so one graph serves every step.
 */
import type { GraphBuilder } from "../onnx/graph-builder.ts";

export type OptimizerSpec =
  | { kind: "sgd"; momentum: number }
  | { kind: "adam"; beta1: number; beta2: number; epsilon: number }
  | { kind: "adamw"; beta1: number; beta2: number; epsilon: number; weightDecay: number };

export const OPTIMIZERS = ["sgd", "adam", "adamw"] as const;

/** Names of the per-parameter state tensors the optimizer carries between steps. */
export function stateNames(spec: OptimizerSpec, param: string): string[] {
  return spec.kind === "sgd" ? [`momentum.${param}`] : [`adam_m.${param}`, `adam_v.${param}`];
}

/** Step-level scalar inputs besides the learning rate. */
export function stepScalarNames(spec: OptimizerSpec): string[] {
  return spec.kind === "sgd" ? [] : ["bias_correction1", "bias_correction2"];
}

/** Values of those scalars at (1-based) step t: Adam's 1/(1 − β^t). */
export function stepScalarValues(spec: OptimizerSpec, t: number): number[] {
  return spec.kind === "sgd" ? [] : [1 / (1 - spec.beta1 ** t), 1 / (1 - spec.beta2 ** t)];
}

/**
 * Emits the update of one parameter; returns the new parameter and new state names.
 *  sgd:   v ← μv + g;  p ← p − lr·v
 *  adam:  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  p ← p − lr·(m·c1) / (√(v·c2) + ε)
 *  adamw: as adam after p ← p·(1 − lr·λ)   (decoupled weight decay, as torch.optim.AdamW)
 */
export function emitUpdate(
  g: GraphBuilder,
  spec: OptimizerSpec,
  param: string,
  grad: string,
  states: string[],
  lr: string,
  scalars: string[],
): { param: string; states: string[] } {
  if (spec.kind === "sgd") {
    const velocity = g.op("Add", [g.op("Mul", [states[0], g.scalar(spec.momentum)]), grad]);
    return { param: g.op("Sub", [param, g.op("Mul", [velocity, lr])]), states: [velocity] };
  }
  const [c1, c2] = scalars;
  const m = g.op("Add", [g.op("Mul", [states[0], g.scalar(spec.beta1)]), g.op("Mul", [grad, g.scalar(1 - spec.beta1)])]);
  const v = g.op("Add", [g.op("Mul", [states[1], g.scalar(spec.beta2)]), g.op("Mul", [g.op("Mul", [grad, grad]), g.scalar(1 - spec.beta2)])]);
  const denominator = g.op("Add", [g.op("Sqrt", [g.op("Mul", [v, c2])]), g.scalar(spec.epsilon)]);
  const stepValue = g.op("Div", [g.op("Mul", [g.op("Mul", [m, c1]), lr]), denominator]);
  let base = param;
  if (spec.kind === "adamw" && spec.weightDecay > 0) {
    base = g.op("Mul", [param, g.op("Sub", [g.scalar(1), g.op("Mul", [lr, g.scalar(spec.weightDecay)])])]);
  }
  return { param: g.op("Sub", [base, stepValue]), states: [m, v] };
}
