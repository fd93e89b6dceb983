/**
 * The trainer's loss values against the formulas written out here, for every loss (and
 * distillation): one full-batch epoch at learning rate 0 from known weights reports the loss of
 * those weights, on a linear model z = x·W + b computed here. The gradient test differentiates the
 * project's own loss graph, so a loss scaled or formed wrongly would pass there; not here.
 */
import { describe, expect, it } from "vitest";
import { initWeights, type LossKind } from "../../../training/model/mlp.ts";
import { train, type TrainOptions } from "../../../training/train.ts";
import { Rng } from "../../../training/util/rng.ts";

const rows = 7;
const inputs = 3;
const rng = new Rng(5);
const x = Float32Array.from({ length: rows * inputs }, () => rng.normal());

function logits(weights: { weight: Float32Array; bias: Float32Array }, outputs: number): number[][] {
  return Array.from({ length: rows }, (_, r) =>
    Array.from({ length: outputs }, (_, c) => {
      let z = weights.bias[c];
      for (let k = 0; k < inputs; k++) z += x[r * inputs + k] * weights.weight[k * outputs + c];
      return z;
    }),
  );
}

const logSoftmax = (z: number[]) => {
  const max = Math.max(...z);
  const log = Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0)) + max;
  return z.map((v) => v - log);
};
const crossEntropy = (y: number[][], z: number[][]) => -y.reduce((s, row, r) => s + row.reduce((t, v, c) => t + v * logSoftmax(z[r])[c], 0), 0) / rows;
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** The formulas, as PyTorch documents its losses. */
const HAND: Record<LossKind, (y: number[][], z: number[][]) => number> = {
  // torch.nn.MSELoss: mean over every element.
  mse: (y, z) => y.flat().reduce((s, v, i) => s + (z.flat()[i] - v) ** 2, 0) / y.flat().length,
  // torch.nn.CrossEntropyLoss with (soft) target probabilities: mean over rows.
  "softmax-ce": crossEntropy,
  // torch.nn.BCELoss on sigmoid(z): mean over rows of −[y·log p + (1 − y)·log(1 − p)].
  bce: (y, z) => -y.reduce((s, [v], r) => s + v * Math.log(sigmoid(z[r][0])) + (1 - v) * Math.log(1 - sigmoid(z[r][0])), 0) / rows,
};

function targets(loss: LossKind): number[][] {
  const t = new Rng(9);
  if (loss === "mse") return Array.from({ length: rows }, () => [t.normal() * 3, t.normal()]);
  if (loss === "bce") return Array.from({ length: rows }, (_, r) => [r % 3 === 0 ? 1 : 0]);
  return Array.from({ length: rows }, () => {
    const p = [t.uniform(), t.uniform(), t.uniform()];
    const sum = p[0] + p[1] + p[2];
    return p.map((v) => v / sum);
  });
}

async function reportedLoss(loss: LossKind, y: number[][], extra: Partial<TrainOptions> = {}) {
  const outputs = y[0].length;
  const initial = initWeights([inputs, outputs], "identity", new Rng(3));
  const target = { data: Float32Array.from(y.flat()), rows, cols: outputs };
  const { history } = await train({
    x: { data: x, rows, cols: inputs },
    y: target,
    validation: { x: { data: x, rows, cols: inputs }, y: target },
    hidden: [],
    activation: "identity",
    loss,
    optimizer: { kind: "sgd", momentum: 0 },
    learningRate: 0,
    epochs: 1,
    batchSize: rows,
    seed: 0,
    shuffle: false,
    initialWeights: initial,
    ...extra,
  });
  return { train: history[0].trainLoss, validation: history[0].validationLoss!, z: logits(initial.layers[0], outputs) };
}

describe("loss values against hand formulas", () => {
  for (const loss of ["mse", "softmax-ce", "bce"] as const) {
    it(loss, async () => {
      const y = targets(loss);
      const reported = await reportedLoss(loss, y);
      const hand = HAND[loss](y, reported.z);
      expect(hand).toBeGreaterThan(0.05); // far from 0, so a wrong scale shows
      expect(Math.abs(reported.train - hand) / hand).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(reported.validation - hand) / hand).toBeLessThanOrEqual(1e-5);
    });
  }

  it("softmax-ce with distillation: α·CE(y) + (1 − α)·T²·CE(soft targets, softmax(z/T))", async () => {
    const y = targets("softmax-ce");
    const soft = y.map((row) => [...row].reverse());
    const [alpha, temperature] = [0.3, 2.5];
    const reported = await reportedLoss("softmax-ce", y, {
      distillation: { softTargets: { data: Float32Array.from(soft.flat()), rows, cols: 3 }, alpha, temperature },
    });
    const soften = reported.z.map((row) => row.map((v) => v / temperature));
    const hand = alpha * crossEntropy(y, reported.z) + (1 - alpha) * temperature ** 2 * crossEntropy(soft, soften);
    expect(Math.abs(reported.train - hand) / hand).toBeLessThanOrEqual(1e-5);
  });
});
