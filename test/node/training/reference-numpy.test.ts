/**
 * The reference example's loss trajectory against an independent numpy implementation of the same
 * math from the same initial weights: relative difference ≤ 1e-4 at every step. Run with the
 * interpreter .ci/run prepares (test/fixtures/tools.ts: a visible skip where it lacks numpy, a
 * failure in CI).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REFERENCE, referenceData } from "../../../examples/reference-example.ts";
import { initWeights } from "../../../training/model/mlp.ts";
import { train } from "../../../training/train.ts";
import { Rng } from "../../../training/util/rng.ts";
import { PYTHON, pythonModuleMissing } from "../../fixtures/tools.ts";

const numpyMissing = pythonModuleMissing("numpy", "python3-numpy");

describe.skipIf(numpyMissing)(`reference example vs numpy ${numpyMissing ?? ""}`, () => {
  it("matches the numpy loss trajectory at every step (rel ≤ 1e-4)", async () => {
    const { rows, width, hidden, steps, learningRate } = REFERENCE;
    const x = referenceData(rows, width, 0);
    const initial = initWeights([width, hidden, width], "identity", new Rng(123));
    const result = await train({
      x: { data: x, rows, cols: width },
      y: { data: x, rows, cols: width },
      hidden: [hidden],
      activation: "identity",
      loss: "mse",
      optimizer: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
      learningRate,
      epochs: steps,
      batchSize: rows,
      seed: 0,
      shuffle: false,
      initialWeights: initial,
    });
    const dir = mkdtempSync(join(tmpdir(), "maas-ref-"));
    try {
      const write = (name: string, a: Float32Array) => writeFileSync(join(dir, `${name}.f32`), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      write("x", x);
      write("w0", initial.layers[0].weight);
      write("b0", initial.layers[0].bias);
      write("w1", initial.layers[1].weight);
      write("b1", initial.layers[1].bias);
      const script = join(import.meta.dirname, "reference_numpy.py");
      const numpy: number[] = JSON.parse(execFileSync(PYTHON, [script, dir, `${rows}`, `${width}`, `${hidden}`, `${steps}`, `${learningRate}`], { encoding: "utf8" }));
      const ours = result.history.map((h) => h.trainLoss);
      expect(ours).toHaveLength(steps);
      expect(numpy).toHaveLength(steps);
      // the loss must actually move, or matching it would prove little
      expect(numpy[steps - 1]).toBeLessThan(numpy[0] * 0.8);
      ours.forEach((loss, i) => expect(Math.abs(loss - numpy[i]) / numpy[i], `step ${i + 1}: ${loss} vs ${numpy[i]}`).toBeLessThanOrEqual(1e-4));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
