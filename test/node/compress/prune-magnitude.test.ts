/**
 * `maas prune` removes the smallest weights: the pruned file's weights (read back from the file) are
 * exactly the source's with the floor(sparsity·n) smallest |w| set to 0 — per weight, or below one
 * threshold over all weights with --scope global — computed here, and onnxruntime-node runs the
 * file as X·W1'·W2' computed here.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { DataType, decodeModel, floatTensor } from "../../../training/onnx/model-io.ts";
import { modelBytes, node, randomMatrix, valueInfo } from "./fixtures.ts";
import { maas } from "./run-cli.ts";

const [K, H, N] = [8, 12, 4];
// Different scales, so one global threshold prunes W2 far more than W1.
const W1 = randomMatrix(K, H, 1, 1);
const W2 = randomMatrix(H, N, 2, 0.1);
const source = modelBytes({
  name: "two-matmuls",
  node: [node("MatMul", ["X", "W1"], ["Hd"]), node("MatMul", ["Hd", "W2"], ["Y"])],
  initializer: [floatTensor("W1", [K, H], W1), floatTensor("W2", [H, N], W2)],
  input: [valueInfo("X", DataType.FLOAT, ["batch", K])],
  output: [valueInfo("Y", DataType.FLOAT, ["batch", N])],
});
const dir = mkdtempSync(join(tmpdir(), "maas-prune-"));
const input = join(dir, "two.onnx");
writeFileSync(input, source);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Zeroes the entries whose index `drop` says, returning a copy. */
const zeroed = (w: Float32Array, drop: (i: number) => boolean) => Float32Array.from(w, (v, i) => (drop(i) ? 0 : v));

/** Per weight: the `count` smallest magnitudes (ties, improbable with random normals, by position). */
function smallest(w: Float32Array, count: number): Set<number> {
  const order = Array.from(w.keys()).sort((a, b) => Math.abs(w[a]) - Math.abs(w[b]) || a - b);
  return new Set(order.slice(0, count));
}

/** A float initializer's values, decoded from its raw little-endian bytes here. */
function weightsInFile(path: string): Record<string, Float32Array> {
  const model = decodeModel(new Uint8Array(readFileSync(path)));
  return Object.fromEntries(
    model.graph!.initializer!.map((t) => {
      const raw = t.rawData!;
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return [t.name!, Float32Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(4 * i, true))];
    }),
  );
}

function matmul(a: Float32Array, rows: number, inner: number, b: Float32Array, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) for (let k = 0; k < inner; k++) out[r * cols + c] += a[r * inner + k] * b[k * cols + c];
  return out;
}

async function expectComputes(path: string, w1: Float32Array, w2: Float32Array) {
  const x = randomMatrix(6, K, 3);
  const session = await ort.InferenceSession.create(readFileSync(path));
  const y = (await session.run({ X: new ort.Tensor("float32", x, [6, K]) })).Y.data as Float32Array;
  await session.release();
  const expected = matmul(Float32Array.from(matmul(x, 6, K, w1, H)), 6, H, w2, N);
  expect(Math.max(...expected.map((v, i) => Math.abs(v - y[i])))).toBeLessThanOrEqual(1e-5);
}

describe("maas prune keeps the largest weights", () => {
  it("per weight (the default): floor(0.3·n) smallest |w| of each weight zeroed, the rest bit for bit", async () => {
    const out = join(dir, "layer.onnx");
    const run = maas(["prune", input, "--sparsity", "0.3", "--out", out]);
    expect(run.status, run.stderr).toBe(0);
    const pruned = weightsInFile(out);
    const w1 = zeroed(W1, (i) => smallest(W1, Math.floor(0.3 * W1.length)).has(i));
    const w2 = zeroed(W2, (i) => smallest(W2, Math.floor(0.3 * W2.length)).has(i));
    expect(pruned.W1).toEqual(w1);
    expect(pruned.W2).toEqual(w2);
    await expectComputes(out, w1, w2);
  });

  it("--scope global: every |w| at or below the floor(0.3·n)-th smallest over both weights zeroed", async () => {
    const out = join(dir, "global.onnx");
    const run = maas(["prune", input, "--sparsity", "0.3", "--scope", "global", "--out", out]);
    expect(run.status, run.stderr).toBe(0);
    const all = [...W1, ...W2].map(Math.abs).sort((a, b) => a - b);
    const threshold = all[Math.floor(0.3 * all.length) - 1];
    const w1 = zeroed(W1, (i) => Math.abs(W1[i]) <= threshold);
    const w2 = zeroed(W2, (i) => Math.abs(W2[i]) <= threshold);
    const pruned = weightsInFile(out);
    expect(pruned.W1).toEqual(w1);
    expect(pruned.W2).toEqual(w2);
    // The small-scale layer loses most of its weights, the other few: one threshold, not one per layer.
    expect(w2.filter((v) => v === 0).length).toBeGreaterThan(W2.length / 2);
    expect(w1.filter((v) => v === 0).length).toBeLessThan(W1.length * 0.3);
    await expectComputes(out, w1, w2);
  });
});
