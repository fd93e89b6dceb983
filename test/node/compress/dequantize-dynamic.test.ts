/**
 * The fp32 rebuild `bench:serving --models` makes of Moonshine tiny's encoder, which moonshine-js
 * publishes only as onnxruntime's `quantize_dynamic` output (training/bench/dequantize-dynamic.ts).
 * Reference: the published int8 file itself, run by onnxruntime-node on the same 2 s of audio. The
 * two differ only where the int8 file rounds each MatMul's input to uint8 at run time, so the
 * rebuild must be close to it, and every MatMul and Conv weight must be a float32 constant that
 * `maas quantize` can find.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { findConstantWeights } from "../../../training/compress/find-weights.ts";
import { runOnce } from "../../../training/compress/run-model.ts";
import { dequantizeDynamicMatMuls, foldDequantizedConvWeights } from "../../../training/bench/dequantize-dynamic.ts";
import { decodeModel, encodeModel } from "../../../training/onnx/model-io.ts";

const path = resolve(import.meta.dirname, "../../../node_modules/@moonshine-ai/moonshine-js/dist/model/tiny/quantized/encoder_model.onnx");
const missing = existsSync(path) ? undefined : `${path} not found: install the @moonshine-ai/moonshine-js devDependency`;

/**
 * ‖fp32 − int8‖ / ‖int8‖ over the encoder's output. Measured 0.031; a rebuild that ignores the
 * weights' zero point gives 0.96 (checked by breaking the helper on purpose).
 */
const REL_L2 = 0.05;

describe.skipIf(missing)("Moonshine tiny encoder rebuilt in fp32 from its int8 file", () => {
  it("no integer MatMul left, 36 MatMul and 3 Conv float32 weights, output within 5% (relative L2) of the int8 file's", async () => {
    const source = new Uint8Array(readFileSync(path));
    const model = decodeModel(source);
    expect(dequantizeDynamicMatMuls(model)).toBe(36);
    expect(foldDequantizedConvWeights(model)).toBe(3);
    const ops = new Set(model.graph!.node!.map((n) => n.opType));
    for (const op of ["MatMulInteger", "DynamicQuantizeLinear"]) expect(ops.has(op), op).toBe(false);
    const weights = findConstantWeights(model).filter((w) => w.uses.length > 0);
    expect(weights.filter((w) => w.uses.some((u) => u.op === "MatMul"))).toHaveLength(36);
    expect(weights.filter((w) => w.uses.some((u) => u.op === "Conv") && w.dims.length === 3)).toHaveLength(3);
    const rebuilt = encodeModel(model);

    const samples = 32000;
    const audio = Float32Array.from({ length: samples }, (_, i) => 0.3 * Math.sin(i * 0.05) * Math.sin(i * 0.001));
    const feeds = { input_values: { type: "float32", dims: [1, samples], data: audio } };
    const [want, got] = [Object.values(await runOnce("node", source, feeds))[0], Object.values(await runOnce("node", rebuilt, feeds))[0]];
    expect(got.dims).toEqual(want.dims);
    const [a, b] = [want.data as Float32Array, got.data as Float32Array];
    let [diff, norm] = [0, 0];
    for (let i = 0; i < a.length; i++) {
      diff += (a[i] - b[i]) ** 2;
      norm += a[i] ** 2;
    }
    expect(Math.sqrt(diff / norm)).toBeLessThan(REL_L2);
  });
});
