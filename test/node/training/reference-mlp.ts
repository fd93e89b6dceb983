/**
 * An independent plain-JS float64 implementation of the trainer's math, for the optimizer, clipping
 * and schedule tests: a tanh MLP (identity output layer), mse or softmax-ce loss, backward by hand,
 * optional global-norm clipping, and SGD-with-momentum / Adam / AdamW updates written from their
 * textbook (torch.optim) definitions. Mini-batches are taken in row order (the trainer with
 * `shuffle: false`). Shares no code with `training/`.
 */

export type RefOptimizer =
  | { kind: "sgd"; momentum: number }
  | { kind: "adam"; beta1: number; beta2: number; epsilon: number }
  | { kind: "adamw"; beta1: number; beta2: number; epsilon: number; weightDecay: number };

export interface RefLayer {
  /** [in, out], row-major. */
  weight: Float64Array;
  bias: Float64Array;
  fanIn: number;
  fanOut: number;
}

export interface RefStepInfo {
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Gradients after clipping, per layer. */
  grads: Array<{ weight: Float64Array; bias: Float64Array }>;
}

export function toRefLayers(sizes: readonly number[], layers: ReadonlyArray<{ weight: Float32Array; bias: Float32Array }>): RefLayer[] {
  return layers.map((l, i) => ({ weight: Float64Array.from(l.weight), bias: Float64Array.from(l.bias), fanIn: sizes[i], fanOut: sizes[i + 1] }));
}

/** Loss and gradients of one batch (x: [n, in], y: [n, out], row-major). */
export function lossAndGradients(layers: RefLayer[], x: ArrayLike<number>, y: ArrayLike<number>, n: number, loss: "mse" | "softmax-ce"): { loss: number; grads: Array<{ weight: Float64Array; bias: Float64Array }> } {
  // forward: keep every layer's input
  const inputs: Float64Array[] = [Float64Array.from(x)];
  let a = inputs[0];
  layers.forEach((layer, li) => {
    const z = new Float64Array(n * layer.fanOut);
    for (let r = 0; r < n; r++) {
      for (let o = 0; o < layer.fanOut; o++) {
        let s = layer.bias[o];
        for (let i = 0; i < layer.fanIn; i++) s += a[r * layer.fanIn + i] * layer.weight[i * layer.fanOut + o];
        z[r * layer.fanOut + o] = s;
      }
    }
    a = li + 1 < layers.length ? z.map(Math.tanh) : z;
    if (li + 1 < layers.length) inputs.push(a);
  });
  const outputs = layers[layers.length - 1].fanOut;
  const logits = a;
  let value = 0;
  let d = new Float64Array(n * outputs);
  if (loss === "mse") {
    for (let k = 0; k < logits.length; k++) {
      const diff = logits[k] - y[k];
      value += diff * diff;
      d[k] = (2 * diff) / (n * outputs);
    }
    value /= n * outputs;
  } else {
    for (let r = 0; r < n; r++) {
      let max = -Infinity;
      for (let o = 0; o < outputs; o++) max = Math.max(max, logits[r * outputs + o]);
      let sum = 0;
      for (let o = 0; o < outputs; o++) sum += Math.exp(logits[r * outputs + o] - max);
      for (let o = 0; o < outputs; o++) {
        const logP = logits[r * outputs + o] - max - Math.log(sum);
        value -= y[r * outputs + o] * logP;
        d[r * outputs + o] = (Math.exp(logP) - y[r * outputs + o]) / n;
      }
    }
    value /= n;
  }
  // backward
  const grads = layers.map((l) => ({ weight: new Float64Array(l.weight.length), bias: new Float64Array(l.bias.length) }));
  for (let li = layers.length - 1; li >= 0; li--) {
    const layer = layers[li];
    const input = inputs[li];
    for (let r = 0; r < n; r++) {
      for (let o = 0; o < layer.fanOut; o++) {
        const g = d[r * layer.fanOut + o];
        grads[li].bias[o] += g;
        for (let i = 0; i < layer.fanIn; i++) grads[li].weight[i * layer.fanOut + o] += input[r * layer.fanIn + i] * g;
      }
    }
    if (li > 0) {
      const dInput = new Float64Array(n * layer.fanIn);
      for (let r = 0; r < n; r++) {
        for (let i = 0; i < layer.fanIn; i++) {
          let s = 0;
          for (let o = 0; o < layer.fanOut; o++) s += d[r * layer.fanOut + o] * layer.weight[i * layer.fanOut + o];
          const h = input[r * layer.fanIn + i]; // tanh output
          dInput[r * layer.fanIn + i] = s * (1 - h * h);
        }
      }
      d = dInput;
    }
  }
  return { loss: value, grads };
}

/** A stateful reference optimizer over a list of layers. */
export class RefTrainer {
  layers: RefLayer[];
  private readonly spec: RefOptimizer;
  private readonly state: Array<{ a: Float64Array; b: Float64Array }>; // per flat parameter: momentum / (m, v)
  private t = 0;

  constructor(layers: RefLayer[], spec: RefOptimizer) {
    this.layers = layers;
    this.spec = spec;
    this.state = this.params().map((p) => ({ a: new Float64Array(p.length), b: new Float64Array(p.length) }));
  }

  private params(): Float64Array[] {
    return this.layers.flatMap((l) => [l.weight, l.bias]);
  }

  step(x: ArrayLike<number>, y: ArrayLike<number>, n: number, loss: "mse" | "softmax-ce", lr: number, clipNorm?: number): RefStepInfo {
    const { loss: value, grads } = lossAndGradients(this.layers, x, y, n, loss);
    const flat = grads.flatMap((g) => [g.weight, g.bias]);
    let squares = 0;
    for (const g of flat) for (const v of g) squares += v * v;
    const gradNorm = Math.sqrt(squares);
    if (clipNorm !== undefined && gradNorm > clipNorm) {
      const factor = clipNorm / gradNorm;
      for (const g of flat) for (let k = 0; k < g.length; k++) g[k] *= factor;
    }
    this.t += 1;
    const spec = this.spec;
    this.params().forEach((p, k) => {
      const g = flat[k];
      const s = this.state[k];
      for (let i = 0; i < p.length; i++) {
        if (spec.kind === "sgd") {
          s.a[i] = spec.momentum * s.a[i] + g[i];
          p[i] -= lr * s.a[i];
        } else {
          if (spec.kind === "adamw") p[i] *= 1 - lr * spec.weightDecay;
          s.a[i] = spec.beta1 * s.a[i] + (1 - spec.beta1) * g[i];
          s.b[i] = spec.beta2 * s.b[i] + (1 - spec.beta2) * g[i] * g[i];
          const mHat = s.a[i] / (1 - spec.beta1 ** this.t);
          const vHat = s.b[i] / (1 - spec.beta2 ** this.t);
          p[i] -= (lr * mHat) / (Math.sqrt(vHat) + spec.epsilon);
        }
      }
    });
    return { loss: value, gradNorm, grads };
  }
}

/** |a − b| ≤ rel·|b| + abs for every element; returns the worst offender for the message. */
export function closeArrays(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, abs: number): { ok: boolean; worst: string } {
  let ok = actual.length === expected.length;
  let worst = ok ? "" : `length ${actual.length} vs ${expected.length}`;
  let worstExcess = -Infinity;
  for (let i = 0; i < Math.min(actual.length, expected.length); i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (rel * Math.abs(expected[i]) + abs);
    if (excess > worstExcess) {
      worstExcess = excess;
      if (ok) worst = `[${i}] ${actual[i]} vs ${expected[i]}`;
    }
    if (excess > 0) ok = false;
  }
  return { ok, worst };
}

/** A small deterministic data set (a linear congruential generator, not the trainer's Rng). */
export function syntheticData(rows: number, inputs: number, outputs: number, classification: boolean, seed: number): { x: Float32Array; y: Float32Array } {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const x = Float32Array.from({ length: rows * inputs }, () => next() * 2 - 1);
  const y = new Float32Array(rows * outputs);
  for (let r = 0; r < rows; r++) {
    if (classification) y[r * outputs + Math.floor(next() * outputs)] = 1;
    else for (let o = 0; o < outputs; o++) y[r * outputs + o] = Math.sin(3 * x[r * inputs + (o % inputs)]) + 0.5 * x[r * inputs + ((o + 1) % inputs)];
  }
  return { x, y };
}
