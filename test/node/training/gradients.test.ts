/**
 * Every layer's gradient, for every activation and loss, against central finite differences of
 * the loss. Both sides run on onnxruntime-node: the step graph's `grad.*` outputs and the
 * evaluation graph's loss at perturbed weights. Float64 graphs (tight tolerance), except GELU:
 * onnxruntime has no float64 Erf, so GELU is checked in float32 with a wider step and tolerance.
 */
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { encodeModel } from "../../../training/onnx/model-io.ts";
import { ACTIVATIONS, LOSSES, flattenParams, initWeights, type Activation, type LossKind } from "../../../training/model/mlp.ts";
import { lossScale } from "../../../training/model/graph-loss.ts";
import { buildEvalGraph, buildStepGraph, type StepGraphSpec } from "../../../training/model/step-graph.ts";
import { Rng } from "../../../training/util/rng.ts";

const rows = 5;
const sizes = [3, 4, 3];

function targetsFor(loss: LossKind, outputs: number, rng: Rng): Float64Array {
  const y = new Float64Array(rows * outputs);
  for (let r = 0; r < rows; r++) {
    if (loss === "mse") for (let c = 0; c < outputs; c++) y[r * outputs + c] = rng.normal();
    else if (loss === "bce") y[r] = rng.uniform() < 0.5 ? 0 : 1;
    else {
      // soft targets: the gradient formula must hold for any distribution, not just one-hot
      let sum = 0;
      for (let c = 0; c < outputs; c++) sum += y[r * outputs + c] = rng.uniform();
      for (let c = 0; c < outputs; c++) y[r * outputs + c] /= sum;
    }
  }
  return y;
}

const PRECISION = {
  double: { type: "float64", h: 1e-6, abs: 1e-6, rel: 1e-5 },
  float: { type: "float32", h: 1e-2, abs: 2e-3, rel: 1e-2 },
} as const;

async function check(activation: Activation, loss: LossKind, extra: Partial<StepGraphSpec> = {}): Promise<void> {
  const elemType: "float" | "double" = activation === "gelu" ? "float" : "double";
  const precision = PRECISION[elemType];
  const tensor = (values: Float64Array, dims: number[]): ort.Tensor =>
    elemType === "double" ? new ort.Tensor("float64", values, dims) : new ort.Tensor("float32", Float32Array.from(values), dims);
  const rng = new Rng(11);
  const layerSizes = loss === "bce" ? [3, 4, 1] : sizes;
  const outputs = layerSizes[layerSizes.length - 1];
  const params = flattenParams(initWeights(layerSizes, activation, rng)).map((p) => ({ ...p, values: Float64Array.from(p.values, (v) => v + 0.1 * rng.normal()) }));
  const x = Float64Array.from({ length: rows * layerSizes[0] }, () => rng.normal());
  const y = targetsFor(loss, outputs, rng);
  const ySoft = targetsFor("softmax-ce", outputs, rng);
  const spec: StepGraphSpec = { sizes: layerSizes, activation, loss, optimizer: { kind: "sgd", momentum: 0 }, emitGradients: true, elemType, ...extra };
  const step = await ort.InferenceSession.create(encodeModel(buildStepGraph(spec)));
  const evalSpec = { sizes: layerSizes, activation, loss, elemType };
  // The distillation loss is only in the step graph: finite-difference the step graph's own loss output.
  const lossSession = extra.distillation ? step : await ort.InferenceSession.create(encodeModel(buildEvalGraph(evalSpec)));
  const feeds = (override?: { index: number; values: Float64Array }): Record<string, ort.Tensor> => {
    const f: Record<string, ort.Tensor> = {
      x: tensor(x, [rows, layerSizes[0]]),
      y: tensor(y, [rows, outputs]),
      scale: tensor(new Float64Array([lossScale(loss, rows, outputs)]), []),
      lr: tensor(new Float64Array([0]), []),
    };
    if (extra.distillation) f.y_soft = tensor(ySoft, [rows, outputs]);
    params.forEach((p, k) => {
      f[p.name] = tensor(override?.index === k ? override.values : p.values, p.dims);
      f[`momentum.${p.name}`] = tensor(new Float64Array(p.values.length), p.dims);
    });
    return f;
  };
  const pick = (session: ort.InferenceSession, f: Record<string, ort.Tensor>) =>
    Object.fromEntries(session.inputNames.map((n) => [n, f[n]]));
  const analytic = await step.run(feeds());
  const h = precision.h;
  for (const [k, p] of params.entries()) {
    const grad = analytic[`grad.${p.name}`].data as Float64Array | Float32Array;
    for (let i = 0; i < p.values.length; i++) {
      const plus = p.values.slice();
      const minus = p.values.slice();
      plus[i] += h;
      minus[i] -= h;
      const lp = Number((await lossSession.run(pick(lossSession, feeds({ index: k, values: plus })))).loss.data[0]);
      const lm = Number((await lossSession.run(pick(lossSession, feeds({ index: k, values: minus })))).loss.data[0]);
      const numeric = (lp - lm) / (2 * h);
      expect(Math.abs(grad[i] - numeric), `${p.name}[${i}] analytic ${grad[i]} numeric ${numeric}`).toBeLessThan(precision.abs + precision.rel * Math.abs(numeric));
    }
  }
}

describe("backward graph vs finite differences", () => {
  for (const activation of ACTIVATIONS) {
    for (const loss of LOSSES) {
      it(`${activation} + ${loss}`, () => check(activation, loss));
    }
  }
  it("distillation loss (softmax-ce with soft targets at temperature 2)", () => check("tanh", "softmax-ce", { distillation: { alpha: 0.3, temperature: 2 } }));
});
