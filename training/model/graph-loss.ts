/**
 * Losses and their gradient with respect to the logits, emitted as ONNX nodes.
 *  - mse:        mean over all elements of (z − y)², as torch.nn.MSELoss; `scale` = 1/(rows·outputs)
 *  - softmax-ce: −Σ y·log softmax(z) averaged over rows; y may be soft; `scale` = 1/rows
 *  - bce:        binary cross-entropy on one logit per row, softplus(z) − y·z; `scale` = 1/rows
 * Distillation (softmax-ce only) mixes in a temperature-softened term against soft targets:
 *   α·CE(y, softmax(z)) + (1 − α)·T²·CE(ySoft, softmax(z/T)).
 */
import type { GraphBuilder } from "../onnx/graph-builder.ts";
import type { LossKind } from "./mlp.ts";

export interface LossNodes {
  loss: string;
  dLogits: string;
}

export interface DistillationNodes {
  softTargets: string;
  alpha: number;
  temperature: number;
}

function sumAll(g: GraphBuilder, x: string): string {
  return g.op("ReduceSum", [x], { keepdims: 0 });
}

function softmaxCe(g: GraphBuilder, z: string, y: string, scale: string): LossNodes {
  const logProbs = g.op("LogSoftmax", [z], { axis: -1 });
  const loss = g.op("Mul", [g.op("Neg", [sumAll(g, g.op("Mul", [y, logProbs]))]), scale]);
  const dLogits = g.op("Mul", [g.op("Sub", [g.op("Exp", [logProbs]), y]), scale]);
  return { loss, dLogits };
}

export function lossNodes(g: GraphBuilder, kind: LossKind, z: string, y: string, scale: string, distillation?: DistillationNodes): LossNodes {
  switch (kind) {
    case "mse": {
      const diff = g.op("Sub", [z, y]);
      const loss = g.op("Mul", [sumAll(g, g.op("Mul", [diff, diff])), scale]);
      const dLogits = g.op("Mul", [diff, g.op("Mul", [scale, g.scalar(2)])]);
      return { loss, dLogits };
    }
    case "bce": {
      // softplus(z) = max(z, 0) + log(1 + exp(−|z|)) does not overflow for large |z|.
      const softplus = g.op("Add", [g.op("Relu", [z]), g.op("Log", [g.op("Add", [g.scalar(1), g.op("Exp", [g.op("Neg", [g.op("Abs", [z])])])])])]);
      const loss = g.op("Mul", [sumAll(g, g.op("Sub", [softplus, g.op("Mul", [y, z])])), scale]);
      const dLogits = g.op("Mul", [g.op("Sub", [g.op("Sigmoid", [z]), y]), scale]);
      return { loss, dLogits };
    }
    case "softmax-ce": {
      const hard = softmaxCe(g, z, y, scale);
      if (!distillation) return hard;
      const { alpha, temperature: t, softTargets } = distillation;
      const soft = softmaxCe(g, g.op("Mul", [z, g.scalar(1 / t)]), softTargets, scale);
      // d/dz of T²·CE(ySoft, softmax(z/T)) is T·(softmax(z/T) − ySoft)·scale.
      const loss = g.op("Add", [g.op("Mul", [hard.loss, g.scalar(alpha)]), g.op("Mul", [soft.loss, g.scalar((1 - alpha) * t * t)])]);
      const dLogits = g.op("Add", [g.op("Mul", [hard.dLogits, g.scalar(alpha)]), g.op("Mul", [soft.dLogits, g.scalar((1 - alpha) * t)])]);
      return { loss, dLogits };
    }
  }
}

/** The `scale` fed with a batch: the reciprocal of the number of loss terms averaged. */
export function lossScale(kind: LossKind, rows: number, outputs: number): number {
  return kind === "mse" ? 1 / (rows * outputs) : 1 / rows;
}
