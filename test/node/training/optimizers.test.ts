/**
 * The trainer's optimizer updates, gradient clipping and learning-rate schedules against the
 * independent float64 reference in reference-mlp.ts, from the same initial weights and the same
 * batches (shuffle off): weights after every run and the loss of every epoch agree to ~1e-4
 * relative. The schedules are also checked as formulas against `EpochRecord.learningRate`.
 */
import { describe, expect, it } from "vitest";
import { initWeights, type MlpWeights } from "../../../training/model/mlp.ts";
import { train, type OptimizerSpec, type Schedule, type TrainResult } from "../../../training/train.ts";
import { Rng } from "../../../training/util/rng.ts";
import { closeArrays, RefTrainer, syntheticData, toRefLayers, type RefStepInfo } from "./reference-mlp.ts";

const rows = 12;
const inputs = 3;
const hidden = 5;

interface Case {
  loss: "mse" | "softmax-ce";
  optimizer: OptimizerSpec;
  learningRate: number;
  epochs: number;
  batchSize: number;
  schedule?: Schedule;
  clipNorm?: number;
  /** The learning rate of (0-based) step s of `total`, as the reference applies it. */
  rate?: (s: number, total: number) => number;
}

async function runBoth(c: Case): Promise<{ result: TrainResult; initial: MlpWeights; ref: RefTrainer; refLosses: number[]; steps: RefStepInfo[] }> {
  const outputs = 3;
  const { x, y } = syntheticData(rows, inputs, outputs, c.loss === "softmax-ce", 7);
  const sizes = [inputs, hidden, outputs];
  const initial = initWeights(sizes, "tanh", new Rng(5));
  const result = await train({
    x: { data: x, rows, cols: inputs },
    y: { data: y, rows, cols: outputs },
    hidden: [hidden],
    activation: "tanh",
    loss: c.loss,
    optimizer: c.optimizer,
    learningRate: c.learningRate,
    schedule: c.schedule,
    clipNorm: c.clipNorm,
    epochs: c.epochs,
    batchSize: c.batchSize,
    seed: 1,
    shuffle: false,
    initialWeights: initial,
    threads: 1,
  });
  const ref = new RefTrainer(toRefLayers(sizes, initial.layers), c.optimizer as never);
  const batches = Math.ceil(rows / c.batchSize);
  const total = batches * c.epochs;
  const refLosses: number[] = [];
  const steps: RefStepInfo[] = [];
  let s = 0;
  for (let e = 0; e < c.epochs; e++) {
    let sum = 0;
    for (let start = 0; start < rows; start += c.batchSize) {
      const end = Math.min(rows, start + c.batchSize);
      const lr = c.rate ? c.rate(s, total) : c.learningRate;
      const info = ref.step(x.subarray(start * inputs, end * inputs), y.subarray(start * outputs, end * outputs), end - start, c.loss, lr, c.clipNorm);
      steps.push(info);
      sum += info.loss * (end - start);
      s += 1;
    }
    refLosses.push(sum / rows);
  }
  return { result, initial, ref, refLosses, steps };
}

function expectSameTrajectory(run: Awaited<ReturnType<typeof runBoth>>, rel = 1e-4): void {
  const { result, initial, ref, refLosses } = run;
  const losses = result.history.map((h) => h.trainLoss);
  const lossCheck = closeArrays(losses, refLosses, rel, 1e-7);
  expect(lossCheck.ok, `epoch losses: ${lossCheck.worst}`).toBe(true);
  result.weights.layers.forEach((layer, i) => {
    for (const key of ["weight", "bias"] as const) {
      // absolute floor scaled to the parameter's magnitude: biases start at exactly zero
      const scale = Math.max(...Array.from(ref.layers[i][key], Math.abs));
      const check = closeArrays(layer[key], ref.layers[i][key], rel, rel * scale * 0.1);
      expect(check.ok, `layer${i}.${key}: ${check.worst}`).toBe(true);
      // training must actually have moved the parameters, or agreeing would prove little
      const moved = Math.max(...Array.from(layer[key], (v, k) => Math.abs(v - initial.layers[i][key][k])));
      expect(moved, `layer${i}.${key} moved`).toBeGreaterThan(1e-3);
    }
  });
}

describe("optimizers vs a float64 reference", () => {
  it("SGD with momentum (mse, mini-batches)", async () => {
    const run = await runBoth({ loss: "mse", optimizer: { kind: "sgd", momentum: 0.9 }, learningRate: 0.05, epochs: 4, batchSize: 4 });
    expectSameTrajectory(run);
  });

  it("SGD without momentum equals plain gradient descent (softmax-ce, full batch)", async () => {
    const run = await runBoth({ loss: "softmax-ce", optimizer: { kind: "sgd", momentum: 0 }, learningRate: 0.3, epochs: 5, batchSize: rows });
    expectSameTrajectory(run);
  });

  it("AdamW with weight decay (softmax-ce, mini-batches)", async () => {
    const optimizer: OptimizerSpec = { kind: "adamw", beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1 };
    const run = await runBoth({ loss: "softmax-ce", optimizer, learningRate: 0.02, epochs: 4, batchSize: 6 });
    expectSameTrajectory(run);
  });

  it("AdamW's decay is decoupled: it differs from Adam by the decay term", async () => {
    // A large decay so the difference is far above the tolerance; both still match the reference.
    const adamw = await runBoth({ loss: "mse", optimizer: { kind: "adamw", beta1: 0.8, beta2: 0.99, epsilon: 1e-7, weightDecay: 2 }, learningRate: 0.05, epochs: 3, batchSize: rows });
    const adam = await runBoth({ loss: "mse", optimizer: { kind: "adam", beta1: 0.8, beta2: 0.99, epsilon: 1e-7 }, learningRate: 0.05, epochs: 3, batchSize: rows });
    expectSameTrajectory(adamw);
    expectSameTrajectory(adam);
    const a = adamw.result.weights.layers[0].weight;
    const b = adam.result.weights.layers[0].weight;
    expect(Math.max(...Array.from(a, (v, k) => Math.abs(v - b[k])))).toBeGreaterThan(1e-2);
  });
});

describe("gradient clipping by global norm", () => {
  it("the first update is the reference update from the clipped gradient", async () => {
    const clipNorm = 0.05;
    const learningRate = 0.5;
    const run = await runBoth({ loss: "mse", optimizer: { kind: "sgd", momentum: 0 }, learningRate, epochs: 1, batchSize: rows, clipNorm });
    const { result, initial, steps } = run;
    // clipping must be active, and strongly so
    expect(steps[0].gradNorm).toBeGreaterThan(4 * clipNorm);
    // the update itself: p1 − p0 = −lr · g · clipNorm / ‖g‖
    let squares = 0;
    result.weights.layers.forEach((layer, i) => {
      for (const key of ["weight", "bias"] as const) {
        const update = Array.from(layer[key], (v, k) => v - initial.layers[i][key][k]);
        const expected = Array.from(steps[0].grads[i][key], (g) => -learningRate * g);
        for (const u of update) squares += u * u;
        const check = closeArrays(update, expected, 1e-3, 1e-7);
        expect(check.ok, `layer${i}.${key} update: ${check.worst}`).toBe(true);
      }
    });
    // the step taken has length lr·clipNorm (float32 parameters: ~1e-7 absolute per element)
    expect(Math.sqrt(squares)).toBeCloseTo(learningRate * clipNorm, 5);
  });

  it("clipping over several momentum steps follows the reference", async () => {
    const run = await runBoth({ loss: "softmax-ce", optimizer: { kind: "sgd", momentum: 0.5 }, learningRate: 0.5, epochs: 3, batchSize: 4, clipNorm: 0.1 });
    expect(Math.min(...run.steps.map((s) => s.gradNorm))).toBeGreaterThan(0.1);
    expectSameTrajectory(run);
  });

  it("a clipNorm above the gradient norm leaves the update unchanged", async () => {
    const run = await runBoth({ loss: "mse", optimizer: { kind: "sgd", momentum: 0 }, learningRate: 0.1, epochs: 2, batchSize: rows, clipNorm: 1e6 });
    expectSameTrajectory(run);
  });
});

describe("learning-rate schedules", () => {
  const base = 0.1;
  // The documented formulas (schedule.ts), with s the 0-based optimizer step and T the total steps.
  const cosine = (s: number, total: number) => base * 0.5 * (1 + Math.cos((Math.PI * s) / total));
  const stepped = (s: number, total: number) => (s / total < 0.5 ? base : s / total < 0.75 ? base * 0.1 : base * 0.01);

  for (const [schedule, rate] of [["cosine", cosine], ["step", stepped]] as const) {
    it(`${schedule}: the recorded rate of each epoch is the formula at its last step, and every step used the formula`, async () => {
      const epochs = 8;
      const batchSize = 4; // 3 batches per epoch, 24 steps
      const run = await runBoth({ loss: "mse", optimizer: { kind: "sgd", momentum: 0 }, learningRate: base, epochs, batchSize, schedule, rate });
      const batches = Math.ceil(rows / batchSize);
      const total = batches * epochs;
      const recorded = run.result.history.map((h) => h.learningRate);
      const expected = Array.from({ length: epochs }, (_, e) => rate((e + 1) * batches - 1, total));
      const check = closeArrays(recorded, expected, 1e-12, 1e-15);
      expect(check.ok, `learning rates: ${check.worst}`).toBe(true);
      // the schedule must change the rate, or this would only test "constant"
      expect(new Set(recorded).size).toBeGreaterThan(2);
      // the rate of every step (not just the recorded last one) shows in the weights
      expectSameTrajectory(run);
    });
  }

  it("step: ×0.1 from half the steps, ×0.01 from three quarters (exact values)", async () => {
    const run = await runBoth({ loss: "mse", optimizer: { kind: "sgd", momentum: 0 }, learningRate: base, epochs: 8, batchSize: rows, schedule: "step" });
    expect(run.result.history.map((h) => h.learningRate)).toEqual([base, base, base, base, base * 0.1, base * 0.1, base * 0.01, base * 0.01]);
  });
});
