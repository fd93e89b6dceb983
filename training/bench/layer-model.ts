/** One MatMul layer y = x·W (W: K×N, seeded normal / √K), the compression benchmarks' model. */
import { DataType, encodeModel, floatTensor } from "../onnx/model-io.ts";
import { Rng } from "../util/rng.ts";

export function layerModel(k: number, n: number, seed = 7): Uint8Array {
  const rng = new Rng(seed);
  const weight = Float32Array.from({ length: k * n }, () => rng.normal() / Math.sqrt(k));
  const info = (name: string, dims: (number | string)[]) => ({
    name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) } } },
  });
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
