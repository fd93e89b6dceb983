/** A small MLP whose weights, calibration rows and held-out rows numpy makes (numpy-files.ts). */
import { DataType, floatTensor } from "../../../training/onnx/model-io.ts";
import { modelBytes, node, valueInfo } from "./fixtures.ts";

/**
 * The MLP: 32 → 64 → 64 → 8, Gemm (transB, as PyTorch exports nn.Linear) + Relu, He-initialised;
 * numpy computes each Gemm's input on the 256 calibration rows (float32) and prints their ranges.
 */
export const MLP_SCRIPT = `
rng = np.random.default_rng(11)
sizes = [32, 64, 64, 8]
arrays = {}
for i in range(3):
  arrays["W%d" % i] = (rng.standard_normal((sizes[i + 1], sizes[i])) * np.sqrt(2.0 / sizes[i])).astype(np.float32)
  arrays["b%d" % i] = (rng.standard_normal(sizes[i + 1]) * 0.1).astype(np.float32)
calib = rng.standard_normal((256, 32)).astype(np.float32)
held = rng.standard_normal((64, 32)).astype(np.float32)
np.savez(os.path.join(out, "weights.npz"), **arrays)
np.savez(os.path.join(out, "calib.npz"), X=calib)
np.save(os.path.join(out, "calib.npy"), calib.astype(np.float64))
np.savez(os.path.join(out, "held.npz"), X=held)
p = 99.9
h = calib
layers = []
for i in range(3):
  v = np.sort(h.ravel())
  lo, hi = (len(v) - 1) * (100 - p) / 100, (len(v) - 1) * p / 100
  # np.percentile interpolates between the two sorted values around each position.
  layers.append({"min": float(min(h.min(), 0)), "max": float(max(h.max(), 0)), "realMin": float(h.min()), "realMax": float(h.max()),
    "pmin": [float(v[int(np.floor(lo))]), float(v[int(np.ceil(lo))]), float(np.percentile(h, 100 - p))],
    "pmax": [float(v[int(np.floor(hi))]), float(v[int(np.ceil(hi))]), float(np.percentile(h, p))]})
  h = h @ arrays["W%d" % i].T + arrays["b%d" % i]
  if i < 2: h = np.maximum(h, 0).astype(np.float32)
json.dump(layers, sys.stdout)
`;

export function mlpModel(weights: Map<string, { shape: number[]; data: unknown }>): Uint8Array {
  const f = (name: string) => floatTensor(name, weights.get(name)!.shape, weights.get(name)!.data as Float32Array);
  const transB = [{ name: "transB", type: 2, i: 1 }];
  return modelBytes({
    name: "mlp",
    node: [
      node("Gemm", ["X", "W0", "b0"], ["h0"], transB), node("Relu", ["h0"], ["a0"]),
      node("Gemm", ["a0", "W1", "b1"], ["h1"], transB), node("Relu", ["h1"], ["a1"]),
      node("Gemm", ["a1", "W2", "b2"], ["Y"], transB),
    ],
    initializer: ["W0", "b0", "W1", "b1", "W2", "b2"].map(f),
    input: [valueInfo("X", DataType.FLOAT, ["batch", 32])],
    output: [valueInfo("Y", DataType.FLOAT, ["batch", 8])],
  });
}

