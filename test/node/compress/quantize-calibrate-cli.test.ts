/**
 * `maas quantize IN --mode int8 --calibrate DATA` as a user runs it: calibration files numpy writes
 * (.npz, .npy) or v2 request bodies a JS client sends, the summary and --json saying the model was
 * calibrated (samples, method), the compression record in the file, and one clear line with a
 * non-zero exit for every bad input.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeModel, readMetadata } from "../../../training/onnx/model-io.ts";
import { parseNpz } from "../../../training/compress/calibration/npy.ts";
import { COMPRESSION_KEY, describeCompression, readCompression } from "../../../shared/compression-record.ts";
import { MLP_SCRIPT, mlpModel } from "./mlp-numpy.ts";
import { ocrModelBytes, ocrModelsMissing } from "./ocr-models.ts";
import { pythonNumpyMissing, savezFloat32, withNumpy } from "./numpy-files.ts";
import { maas } from "./run-cli.ts";
import { runOnce } from "../../../training/compress/run-model.ts";
import { lineInput, rotate180, textImage } from "./text-image.ts";

/** Files the error cases read: each wrong in one way. */
const BAD_FILES = `
rng = np.random.default_rng(3)
np.savez(os.path.join(out, "wrong-name.npz"), input=rng.standard_normal((8, 32)).astype(np.float32))
np.savez(os.path.join(out, "wrong-shape.npz"), X=rng.standard_normal((8, 31)).astype(np.float32))
np.savez(os.path.join(out, "wrong-type.npz"), X=np.arange(8 * 32).reshape(8, 32))
np.save(os.path.join(out, "wrong-rank.npy"), rng.standard_normal(32).astype(np.float32))
with open(os.path.join(out, "not-a-zip.npz"), "w") as f: f.write("X,Y\\n1,2\\n")
`;

describe.skipIf(pythonNumpyMissing)(`maas quantize --calibrate on an MLP ${pythonNumpyMissing ?? ""}`, () => {
  const { dir } = pythonNumpyMissing ? { dir: "" } : withNumpy(MLP_SCRIPT + BAD_FILES);
  const input = join(dir, "mlp.onnx");
  if (!pythonNumpyMissing) writeFileSync(input, mlpModel(parseNpz(new Uint8Array(readFileSync(join(dir, "weights.npz"))))));
  const quantize = (...args: string[]) => maas(["quantize", input, "--mode", "int8", "--out", join(dir, "out.onnx"), ...args]);

  it("--json says calibrated, with the samples, the method and the quantized activations; the file records it", () => {
    const run = quantize("--calibrate", join(dir, "calib.npz"), "--json");
    expect(run.stderr).toBe("");
    const summary = JSON.parse(run.stdout);
    expect(summary.calibration).toMatchObject({ calibrated: true, format: "npz", samples: 256, method: "minmax", activationsQuantized: 3 });
    expect(summary.calibration.activations.map((a: { tensor: string }) => a.tensor)).toEqual(["X", "a0", "a1"]);
    // Compared on the calibration rows (random inputs would not be like them), the first 64 of 256.
    expect(summary.difference.inputs).toBe(`the first 64 of the 256 calibration samples in ${join(dir, "calib.npz")} (the ranges were measured on them; --data FILE compares on other records)`);
    for (const d of [...summary.difference.node, ...summary.difference.web]) expect(d.relativeL2).toBeLessThan(0.05);
    const steps = readCompression(readMetadata(decodeModel(new Uint8Array(readFileSync(join(dir, "out.onnx"))))))!;
    expect(steps.at(-1)).toMatchObject({ kind: "quantize", mode: "int8", calibration: { method: "minmax", samples: 256, activations: 3 } });
    expect(describeCompression(steps)).toBe("int8 static (minmax, 256 samples)");
  });

  it("the text summary names the method, the samples and the file; without --calibrate the mode is weight-only and says so in --json", () => {
    const run = quantize("--calibrate", join(dir, "calib.npz"), "--calibrate-method", "percentile", "--calibrate-percentile", "99.99");
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("(int8, static: calibrated activations)");
    expect(run.stdout).toContain(`static int8: 3 activation tensors quantized (QuantizeLinear -> DequantizeLinear before each quantized Conv/MatMul/Gemm), ranges from 256 samples in ${join(dir, "calib.npz")} (percentile 99.99)`);
    const plain = JSON.parse(quantize("--json").stdout);
    expect(plain.calibration).toEqual({ calibrated: false });
    const record = readCompression(readMetadata(decodeModel(new Uint8Array(readFileSync(join(dir, "out.onnx"))))))!;
    expect(record.at(-1)?.kind === "quantize" && record.at(-1)).not.toHaveProperty("calibration");
  });

  it("v2 request bodies (what a JS client posts) give the same ranges as the .npz of the same rows", () => {
    const rows = parseNpz(new Uint8Array(readFileSync(join(dir, "calib.npz")))).get("X")!;
    const bodies = [0, 1, 2, 3].map((b) => ({
      inputs: [{ name: "X", datatype: "FP32", shape: [64, 32], data: Array.from((rows.data as Float32Array).subarray(b * 64 * 32, (b + 1) * 64 * 32)) }],
    }));
    writeFileSync(join(dir, "calib.json"), JSON.stringify(bodies));
    const [fromJson, fromNpz] = [quantize("--calibrate", join(dir, "calib.json"), "--json"), quantize("--calibrate", join(dir, "calib.npz"), "--json")].map((r) => JSON.parse(r.stdout).calibration);
    expect(fromJson).toMatchObject({ format: "v2-json", samples: 256 });
    expect(fromJson.activations).toEqual(fromNpz.activations);
  });

  it.each([
    ["wrong-name.npz", `has no array for model input "X" (it has: input)`],
    ["wrong-shape.npz", `input "X" has shape (N, 32); its array has shape (8, 31), expected (S, 32) or (S, N, 32) for S samples`],
    ["wrong-type.npz", `input "X" is float32; its array is i8`],
    ["wrong-rank.npy", `input "X" has shape (N, 32); its array has shape (32)`],
    ["not-a-zip.npz", "not an .npz file (no zip end-of-central-directory record)"],
    ["missing.npz", "cannot read"],
  ])("%s: one line naming the problem, exit 1, no output file", (file, message) => {
    const out = join(dir, `never-${file}.onnx`);
    const run = maas(["quantize", input, "--mode", "int8", "--calibrate", join(dir, file), "--out", out]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.split("\n")).toHaveLength(2); // one line and its newline
    expect(run.stderr).toMatch(/^maas quantize: --calibrate: /);
    expect(run.stderr).toContain(message);
    expect(() => readFileSync(out)).toThrow();
  });

  it("--calibrate with another mode, an unknown method or a stray percentile: one line, exit 1", () => {
    const cases: [string[], string][] = [
      [["--mode", "int8-dynamic", "--calibrate", join(dir, "calib.npz")], "maas quantize: --calibrate is for --mode int8 (static int8: weights and activations); --mode int8-dynamic quantizes no activations from calibration\n"],
      [["--mode", "int8", "--calibrate", join(dir, "calib.npz"), "--calibrate-method", "entropy"], "maas quantize: --calibrate-method must be one of minmax, percentile (got entropy)\n"],
      [["--mode", "int8", "--calibrate-method", "percentile"], "maas quantize: --calibrate-method goes with --calibrate DATA\n"],
      [["--mode", "int8", "--calibrate", join(dir, "calib.npz"), "--calibrate-percentile", "99"], "maas quantize: --calibrate-percentile goes with --calibrate-method percentile\n"],
      [["--mode", "int8", "--calibrate", join(dir, "calib.npz"), "--calibrate-method", "percentile", "--calibrate-percentile", "101"], "maas quantize: --calibrate-percentile must be a number in (50, 100] (got 101)\n"],
    ];
    for (const [args, stderr] of cases) expect(maas(["quantize", input, ...args, "--out", join(dir, "never.onnx")])).toMatchObject({ status: 1, stdout: "", stderr });
  });
});

describe.skipIf(ocrModelsMissing || pythonNumpyMissing)(`maas quantize --calibrate on PaddleOCR's direction classifier ${pythonNumpyMissing ?? ""}`, () => {
  it("upgrades it, calibrates its 54 Conv/MatMul inputs on drawn lines, and the output reads a held-out line's directions as the source does", async () => {
    const lines = ["HELLO", "WORLD", "GOOD", "TRADE"].flatMap((text, i) => {
      const image = textImage(192, 48, [{ text, x: 6 + i * 9, y: 14, scale: 3 + (i % 2) }]);
      return [lineInput(image), lineInput(rotate180(image))];
    });
    const data = new Float32Array(lines.length * lines[0].length);
    lines.forEach((line, i) => data.set(line, i * line.length));
    const calibration = savezFloat32({ x: { shape: [lines.length, 3, 48, 192], data } }, "lines.npz");
    const dir = join(calibration, "..");
    writeFileSync(join(dir, "cls.onnx"), ocrModelBytes("classifier"));
    const run = maas(["quantize", join(dir, "cls.onnx"), "--mode", "int8", "--calibrate", calibration, "--shape", "x=1,3,48,192", "--out", join(dir, "cls-static.onnx"), "--json"]);
    expect(run.stderr).toBe("");
    const summary = JSON.parse(run.stdout);
    expect(summary.opsetUpgrade).toMatchObject({ from: 9, to: 13 });
    expect(summary.calibration).toMatchObject({ calibrated: true, samples: 8, method: "minmax", activationsQuantized: 54 });
    expect(summary.size.after.bytes / summary.size.before.bytes).toBeLessThan(0.45);
    expect(summary.difference.inputs).toMatch(/^the 8 calibration samples in /);
    // The bound of quantize-static.test.ts for this model (minmax), here on the lines it was calibrated on.
    for (const d of [...summary.difference.node, ...summary.difference.web]) expect(d.maxAbs).toBeLessThanOrEqual(0.2);
    const steps = readCompression(readMetadata(decodeModel(new Uint8Array(readFileSync(join(dir, "cls-static.onnx"))))))!;
    expect(steps.at(-1)).toMatchObject({ mode: "int8", opsetUpgrade: { from: 9, to: 13 }, calibration: { method: "minmax", samples: 8, activations: 54 } });
    expect(COMPRESSION_KEY).toBe("maas.compression");
    // A line it was not calibrated on, both ways up: the same directions as the fp32 source.
    const held = textImage(192, 48, [{ text: "WATER", x: 20, y: 12, scale: 4 }]);
    const directions = async (bytes: Uint8Array) => {
      const out = [];
      for (const image of [held, rotate180(held)]) {
        const [up, down] = Object.values(await runOnce("node", bytes, { x: { type: "float32", dims: [1, 3, 48, 192], data: lineInput(image) } }))[0].data as Float32Array;
        out.push(down > up ? 180 : 0);
      }
      return out;
    };
    expect(await directions(new Uint8Array(readFileSync(join(dir, "cls-static.onnx"))))).toEqual(await directions(ocrModelBytes("classifier")));
  });
});
