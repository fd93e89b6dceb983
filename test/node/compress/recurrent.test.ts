/**
 * Recurrent layers. onnxruntime-node and onnxruntime-web (its wasm build, as the Worker runs it) both
 * run com.microsoft DynamicQuantizeLSTM — the quantized LSTM path onnxruntime's quantize_dynamic
 * writes — close to the fp32 LSTM (checked here with weights the test quantizes itself); the contrib
 * domain has no quantized GRU. So `--mode int8-dynamic` rewrites LSTM into DynamicQuantizeLSTM, and
 * GRU (and LSTM in the other modes) stays fp32 with the reason in the per-op-type summary.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataType, decodeModel, encodeModel, floatTensor, type TensorProto } from "../../../training/onnx/model-io.ts";
import { makeTensor } from "../../../training/onnx/tensors.ts";
import { runOnce } from "../../../training/compress/run-model.ts";
import { node, randomMatrix, valueInfo } from "./fixtures.ts";
import { maas } from "./run-cli.ts";

const [S, I, H] = [6, 8, 16];
const hidden = [{ name: "hidden_size", type: 2, i: H }];
const W = randomMatrix(4 * H, I, 1, 0.3); // [1, 4H, I]
const R = randomMatrix(4 * H, H, 2, 0.3); // [1, 4H, H]
const x = { X: { type: "float32", dims: [S, 1, I], data: randomMatrix(S, I, 3) } };

function model(nodes: ReturnType<typeof node>[], initializer: TensorProto[], outputs: string[], contrib = false): Uint8Array {
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }, ...(contrib ? [{ domain: "com.microsoft", version: 1 }] : [])],
    graph: { name: "rnn", node: nodes, initializer, input: [valueInfo("X", DataType.FLOAT, [S, 1, I])], output: outputs.map((o) => valueInfo(o, DataType.FLOAT)) },
  });
}

/** Per-tensor symmetric int8 of w [rows, cols], transposed to [1, cols, rows] as DynamicQuantizeLSTM reads W and R. */
function int8Transposed(w: Float32Array, rows: number, cols: number): { q: Int8Array; scale: number } {
  const scale = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0) / 127;
  const q = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) q[c * rows + r] = Math.round(w[r * cols + c] / scale);
  return { q, scale };
}

describe("LSTM and GRU", () => {
  it("onnxruntime-node and -web run com.microsoft DynamicQuantizeLSTM within 0.02 of the fp32 LSTM (int8 weights, per tensor)", async () => {
    const lstm = model([node("LSTM", ["X", "W", "R"], ["Y"], hidden)], [floatTensor("W", [1, 4 * H, I], W), floatTensor("R", [1, 4 * H, H], R)], ["Y"]);
    const [wq, rq] = [int8Transposed(W, 4 * H, I), int8Transposed(R, 4 * H, H)];
    const quantized = model(
      [{ ...node("DynamicQuantizeLSTM", ["X", "Wq", "Rq", "", "", "", "", "", "Ws", "Wz", "Rs", "Rz"], ["Y"], hidden), domain: "com.microsoft" }],
      [
        makeTensor("Wq", DataType.INT8, [1, I, 4 * H], wq.q), makeTensor("Rq", DataType.INT8, [1, H, 4 * H], rq.q),
        floatTensor("Ws", [1], new Float32Array([wq.scale])), makeTensor("Wz", DataType.INT8, [1], new Int8Array(1)),
        floatTensor("Rs", [1], new Float32Array([rq.scale])), makeTensor("Rz", DataType.INT8, [1], new Int8Array(1)),
      ],
      ["Y"], true,
    );
    const reference = (await runOnce("node", lstm, x)).Y.data as Float32Array;
    for (const engine of ["node", "web"] as const) {
      const y = (await runOnce(engine, quantized, x)).Y.data as Float32Array;
      expect(y.length).toBe(reference.length);
      expect(y.reduce((m, v, i) => Math.max(m, Math.abs(v - reference[i])), 0), engine).toBeLessThanOrEqual(0.02);
    }
  });

  /** LSTM outputs are in (-1, 1); int8 weights per gate row, activations quantized per run (measured 0.006 per tensor above). */
  const LSTM_BOUND = 0.02;

  it("maas quantize --mode int8-dynamic: a bidirectional LSTM becomes DynamicQuantizeLSTM, runs in onnxruntime-node and -web within 0.02 of fp32; GRU stays fp32 and says why", async () => {
    const dir = mkdtempSync(join(tmpdir(), "maas-rnn-"));
    const input = join(dir, "rnn.onnx");
    const source = model(
      [
        node("LSTM", ["X", "W", "R", "B"], ["Y"], [...hidden, { name: "direction", type: 3, s: new TextEncoder().encode("bidirectional") }]),
        node("GRU", ["X", "Wg", "Rg"], ["Yg"], hidden),
        node("MatMul", ["X", "Wm"], ["Ym"]),
      ],
      [
        floatTensor("W", [2, 4 * H, I], randomMatrix(8 * H, I, 7, 0.3)), floatTensor("R", [2, 4 * H, H], randomMatrix(8 * H, H, 8, 0.3)),
        floatTensor("B", [2, 8 * H], randomMatrix(2, 8 * H, 9, 0.1)),
        floatTensor("Wg", [1, 3 * H, I], randomMatrix(3 * H, I, 4, 0.3)), floatTensor("Rg", [1, 3 * H, H], randomMatrix(3 * H, H, 5, 0.3)),
        floatTensor("Wm", [I, 32], randomMatrix(I, 32, 6)),
      ],
      ["Y", "Yg", "Ym"],
    );
    writeFileSync(input, source);
    const out = join(dir, "out.onnx");
    const run = maas(["quantize", input, "--mode", "int8-dynamic", "--out", out, "--json"]);
    expect(run.stderr).toBe("");
    const summary = JSON.parse(run.stdout);
    const byOp = Object.fromEntries(summary.byOpType.map((o: { opType: string }) => [o.opType, o]));
    expect(byOp.MatMul).toMatchObject({ quantized: 1, kept: 0 });
    expect(byOp.LSTM).toMatchObject({ quantized: 2, kept: 0 });
    // A quarter, plus a float scale and an int8 zero point (5 B) per gate row of 4·K bytes (K = 8 for W, 16 for R).
    expect(byOp.LSTM.bytesAfter / byOp.LSTM.bytesBefore).toBeLessThanOrEqual(0.25 + 5 / (4 * I));
    expect(byOp.GRU).toMatchObject({ quantized: 0, kept: 2, keptBecause: { "onnxruntime has no quantized GRU kernel (com.microsoft has DynamicQuantizeLSTM only)": 2 } });
    const bytes = new Uint8Array(readFileSync(out));
    const graph = decodeModel(bytes).graph!;
    expect(graph.node!.filter((n) => n.opType === "DynamicQuantizeLSTM" && n.domain === "com.microsoft")).toHaveLength(1);
    expect(graph.node!.some((n) => n.opType === "LSTM")).toBe(false);
    const reference = (await runOnce("node", source, x)).Y.data as Float32Array;
    for (const engine of ["node", "web"] as const) {
      const got = await runOnce(engine, bytes, x);
      expect(got.Y.dims).toEqual([S, 2, 1, H]);
      const y = got.Y.data as Float32Array;
      expect(y.reduce((m, v, i) => Math.max(m, Math.abs(v - reference[i])), 0), engine).toBeLessThanOrEqual(LSTM_BOUND);
    }

    const int8 = JSON.parse(maas(["quantize", input, "--mode", "int8", "--out", out, "--json"]).stdout).byOpType.find((o: { opType: string }) => o.opType === "LSTM");
    expect(int8).toMatchObject({ quantized: 0, kept: 2, keptBecause: { "LSTM weights are quantized by --mode int8-dynamic only (com.microsoft DynamicQuantizeLSTM, which onnxruntime-node and -web run)": 2 } });
    const excluded = JSON.parse(maas(["quantize", input, "--mode", "int8-dynamic", "--exclude", "R", "--out", out, "--json"]).stdout).byOpType.find((o: { opType: string }) => o.opType === "LSTM");
    expect(excluded).toMatchObject({ quantized: 0, kept: 2, keptBecause: { "excluded (--exclude R)": 2 } });
    const text = maas(["quantize", input, "--mode", "int8-dynamic", "--out", out]).stdout;
    expect(text).toMatch(/^ {2}GRU: 0 of 2 quantized, .* 2 kept fp32: onnxruntime has no quantized GRU kernel/m);
    expect(text).toMatch(/^ {2}LSTM: 2 of 2 quantized/m);
  });
});
