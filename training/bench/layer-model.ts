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
