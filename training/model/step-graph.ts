/**
 * The training step as one ONNX graph: forward, loss, backward (chain rule), optional gradient
 * clipping and pruning masks, and the optimizer update. Parameters and optimizer state go in as
 * inputs and come out updated, so onnxruntime-node runs a whole step natively per `run` call.
 */
import { GraphBuilder, type ElemType } from "../onnx/graph-builder.ts";
import type { ModelProto } from "../onnx/model-io.ts";
import { backward, forward } from "./graph-forward.ts";
import { lossNodes } from "./graph-loss.ts";
import type { Activation, LossKind } from "./mlp.ts";
import { emitUpdate, stateNames, stepScalarNames, type OptimizerSpec } from "./optimizer.ts";

export interface StepGraphSpec {
  sizes: readonly number[];
  activation: Activation;
  loss: LossKind;
  optimizer: OptimizerSpec;
  /** Clip the global gradient norm to this value. */
  clipNorm?: number;
  /** Per layer: a 0/1 mask [in, out] that fixes pruned weights at zero. */
  masks?: ReadonlyArray<Float32Array | undefined>;
  /** Distillation (softmax-ce): adds the `y_soft` input. */
  distillation?: { alpha: number; temperature: number };
  /** Also output `grad.<param>` (after clipping and masking), for gradient checks. */
  emitGradients?: boolean;
  elemType?: ElemType;
}

export const STEP_INPUTS = { x: "x", y: "y", ySoft: "y_soft", scale: "scale", lr: "lr" } as const;

export function nextName(name: string): string {
  return `next.${name}`;
}

function layerParams(count: number): Array<{ weight: string; bias: string }> {
  return Array.from({ length: count }, (_, i) => ({ weight: `layer${i}.weight`, bias: `layer${i}.bias` }));
}

/** Declares x, y and the parameters as inputs; used by the step and evaluation graphs. */
function declareCommonInputs(g: GraphBuilder, spec: StepGraphSpec, params: Array<{ weight: string; bias: string }>): void {
  const sizes = spec.sizes;
  g.input(STEP_INPUTS.x, ["batch", sizes[0]]);
  g.input(STEP_INPUTS.y, ["batch", sizes[sizes.length - 1]]);
  g.input(STEP_INPUTS.scale, []);
  params.forEach((p, i) => {
    g.input(p.weight, [sizes[i], sizes[i + 1]]);
    g.input(p.bias, [sizes[i + 1]]);
  });
}

export function buildStepGraph(spec: StepGraphSpec): ModelProto {
  const g = new GraphBuilder(spec.elemType ?? "float");
  const layers = spec.sizes.length - 1;
  const params = layerParams(layers);
  declareCommonInputs(g, spec, params);
  const lr = g.input(STEP_INPUTS.lr, []);
  const scalars = stepScalarNames(spec.optimizer).map((name) => g.input(name, []));
  const softTargets = spec.distillation ? g.input(STEP_INPUTS.ySoft, ["batch", spec.sizes[layers]]) : undefined;

  const trace = forward(g, STEP_INPUTS.x, params, spec.activation);
  const { loss, dLogits } = lossNodes(g, spec.loss, trace.logits, STEP_INPUTS.y, STEP_INPUTS.scale, softTargets && spec.distillation ? { softTargets, ...spec.distillation } : undefined);
  g.op("Identity", [loss], {}, "loss");
  g.output("loss", []);

  const layerGrads = backward(g, trace, params, spec.activation, dLogits);
  let grads = layerGrads.flatMap((lg) => [lg.weight, lg.bias]);
  const flatParams = params.flatMap((p) => [p.weight, p.bias]);
  const dims = params.flatMap((_, i) => [[spec.sizes[i], spec.sizes[i + 1]], [spec.sizes[i + 1]]]);

  // Masks: a pruned weight gets no gradient (so no momentum either) and stays exactly zero.
  const masks = flatParams.map((_, k) => (k % 2 === 0 ? spec.masks?.[k / 2] : undefined));
  const maskNames = masks.map((mask, k) => (mask ? g.tensor(`mask.${flatParams[k]}`, dims[k], mask) : undefined));
  grads = grads.map((grad, k) => (maskNames[k] ? g.op("Mul", [grad, maskNames[k]!]) : grad));

  if (spec.clipNorm !== undefined) {
    const squares = grads.map((grad) => g.op("ReduceSum", [g.op("Mul", [grad, grad])], { keepdims: 0 }));
    const norm = g.op("Sqrt", [squares.reduce((a, b) => g.op("Add", [a, b]))]);
    const factor = g.op("Min", [g.scalar(1), g.op("Div", [g.scalar(spec.clipNorm), g.op("Add", [norm, g.scalar(1e-6)])])]);
    grads = grads.map((grad) => g.op("Mul", [grad, factor]));
  }

  flatParams.forEach((param, k) => {
    const states = stateNames(spec.optimizer, param);
    for (const state of states) g.input(state, dims[k]);
    const update = emitUpdate(g, spec.optimizer, param, grads[k], states, lr, scalars);
    const next = maskNames[k] ? g.op("Mul", [update.param, maskNames[k]!]) : update.param;
    g.op("Identity", [next], {}, nextName(param));
    g.output(nextName(param), dims[k]);
    update.states.forEach((state, s) => {
      g.op("Identity", [state], {}, nextName(states[s]));
      g.output(nextName(states[s]), dims[k]);
    });
    if (spec.emitGradients) {
      g.op("Identity", [grads[k]], {}, `grad.${param}`);
      g.output(`grad.${param}`, dims[k]);
    }
  });
  return g.model("maas_train_step");
}

/** Forward + loss only, parameters as inputs: validation loss and logits of a whole split. */
export function buildEvalGraph(spec: Pick<StepGraphSpec, "sizes" | "activation" | "loss" | "elemType">): ModelProto {
  const g = new GraphBuilder(spec.elemType ?? "float");
  const params = layerParams(spec.sizes.length - 1);
  declareCommonInputs(g, spec as StepGraphSpec, params);
  const trace = forward(g, STEP_INPUTS.x, params, spec.activation);
  const { loss } = lossNodes(g, spec.loss, trace.logits, STEP_INPUTS.y, STEP_INPUTS.scale);
  g.op("Identity", [loss], {}, "loss");
  g.output("loss", []);
  g.op("Identity", [trace.logits], {}, "logits");
  g.output("logits", ["batch", spec.sizes[spec.sizes.length - 1]]);
  return g.model("maas_eval");
}
