/** One MatMul layer y = x·W (W: K×N, seeded normal / √K), the compression benchmarks' model. */
import { DataType, encodeModel, floatTensor } from "../onnx/model-io.ts";
import { Rng } from "../util/rng.ts";

/** A float tensor's value info; a string dimension is symbolic. */
function info(name: string, dims: (number | string)[]) {
  return { name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) } } } };
}

export function layerModel(k: number, n: number, seed = 7): Uint8Array {
  const rng = new Rng(seed);
  const weight = Float32Array.from({ length: k * n }, () => rng.normal() / Math.sqrt(k));
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: "layer",
      node: [{ opType: "MatMul", input: ["x", "w"], output: ["y"], name: "matmul" }],
      initializer: [floatTensor("w", [k, n], weight)],
      input: [info("x", ["batch", k])],
      output: [info("y", ["batch", n])],
    },
  });
}

/**
 * `depth` square layers x → Relu(x·W1) → … → ·Wdepth (K×K each, seeded as layerModel's): a model
 * whose weights are not all in one tensor, for what ORT holds of several quantized weights at once.
 */
export function stackedLayerModel(k: number, depth: number, seed = 7): Uint8Array {
  const rng = new Rng(seed);
  const node = [];
  const initializer = [];
  for (let i = 0; i < depth; i++) {
    const input = i === 0 ? "x" : `h${i}`;
    const product = i === depth - 1 ? "y" : `p${i + 1}`;
    initializer.push(floatTensor(`w${i + 1}`, [k, k], Float32Array.from({ length: k * k }, () => rng.normal() / Math.sqrt(k))));
    node.push({ opType: "MatMul", input: [input, `w${i + 1}`], output: [product], name: `matmul${i + 1}` });
    if (i < depth - 1) node.push({ opType: "Relu", input: [product], output: [`h${i + 1}`], name: `relu${i + 1}` });
  }
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    graph: { name: "stacked_layers", node, initializer, input: [info("x", ["batch", k])], output: [info("y", ["batch", k])] },
  });
}

/**
 * One 3×3 convolution y = Conv(x, W) + b, channels → channels, padding 1, on [batch, channels, S, S]
 * (W seeded normal / √(fan-in)); `depthwise` makes it one group per channel, as MobileNets use.
 */
export function convLayerModel(channels: number, spatial: number, depthwise = false, seed = 7): Uint8Array {
  const rng = new Rng(seed);
  const perGroup = depthwise ? 1 : channels;
  const weight = Float32Array.from({ length: channels * perGroup * 9 }, () => rng.normal() / Math.sqrt(perGroup * 9));
  const bias = Float32Array.from({ length: channels }, () => rng.normal() * 0.1);
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: "conv_layer",
      node: [{
        opType: "Conv", input: ["x", "w", "b"], output: ["y"], name: "conv",
        attribute: [{ name: "pads", type: 7, ints: [1, 1, 1, 1] }, { name: "kernel_shape", type: 7, ints: [3, 3] }, { name: "group", type: 2, i: depthwise ? channels : 1 }],
      }],
      initializer: [floatTensor("w", [channels, perGroup, 3, 3], weight), floatTensor("b", [channels], bias)],
      input: [info("x", ["batch", channels, spatial, spatial])],
      output: [info("y", ["batch", channels, spatial, spatial])],
    },
  });
}
