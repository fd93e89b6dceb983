/**
 * The MLP the trainer fits: its architecture, its weights, and seeded initialisation.
 * Weights are row-major [in, out] so a layer is `x @ W + b`.
 */
import { Rng } from "../util/rng.ts";

export const ACTIVATIONS = ["relu", "tanh", "sigmoid", "gelu", "identity"] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const LOSSES = ["mse", "softmax-ce", "bce"] as const;
export type LossKind = (typeof LOSSES)[number];

export interface LayerWeights {
  /** [in, out], row-major. */
  weight: Float32Array;
  bias: Float32Array;
}

export interface MlpWeights {
  /** Layer widths, input first: [inputs, ...hidden, outputs]. */
  sizes: number[];
  layers: LayerWeights[];
}

export function layerSizes(inputs: number, hidden: readonly number[], outputs: number): number[] {
  return [inputs, ...hidden, outputs];
}

/**
 * He-normal for ReLU/GELU layers, Xavier-uniform otherwise (and for the output layer); zero biases.
 * Consumes the generator in a fixed order, so a seed fixes the weights.
 */
export function initWeights(sizes: readonly number[], activation: Activation, rng: Rng): MlpWeights {
  const layers: LayerWeights[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const fanIn = sizes[i];
    const fanOut = sizes[i + 1];
    const isOutput = i + 2 === sizes.length;
    const weight = new Float32Array(fanIn * fanOut);
    if (!isOutput && (activation === "relu" || activation === "gelu")) {
      const std = Math.sqrt(2 / fanIn);
      for (let k = 0; k < weight.length; k++) weight[k] = rng.normal() * std;
    } else {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let k = 0; k < weight.length; k++) weight[k] = (rng.uniform() * 2 - 1) * limit;
    }
    layers.push({ weight, bias: new Float32Array(fanOut) });
  }
  return { sizes: [...sizes], layers };
}

export function cloneWeights(weights: MlpWeights): MlpWeights {
  return { sizes: [...weights.sizes], layers: weights.layers.map((l) => ({ weight: l.weight.slice(), bias: l.bias.slice() })) };
}

/** Graph names of a layer's parameters; the exported model's initializers use the same names. */
export function paramNames(layerCount: number): string[] {
  const names: string[] = [];
  for (let i = 0; i < layerCount; i++) names.push(`layer${i}.weight`, `layer${i}.bias`);
  return names;
}

/** Parameters flattened in `paramNames` order, with their shapes. */
export function flattenParams(weights: MlpWeights): Array<{ name: string; dims: number[]; values: Float32Array }> {
  return weights.layers.flatMap((layer, i) => [
    { name: `layer${i}.weight`, dims: [weights.sizes[i], weights.sizes[i + 1]], values: layer.weight },
    { name: `layer${i}.bias`, dims: [weights.sizes[i + 1]], values: layer.bias },
  ]);
}
