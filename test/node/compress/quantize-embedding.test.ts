/**
 * Embedding tables (Gather on a constant): a token-embedding model (ids → table rows → MatMul head)
 * in every mode, run in onnxruntime-node against the fp32 source. Each looked-up element may move
 * by at most half its row's step, max|row| / 254 (int8 modes), or half an fp16 ulp (fp16): the
 * bound is computed here from the source table, not taken from the code under test.
 */
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { DataType, decodeModel, encodeModel } from "../../../training/onnx/model-io.ts";
import { allGraphs } from "../../../training/onnx/graph-walk.ts";
import { QUANTIZE_MODES, type QuantizeMode } from "../../../training/compress/quantize-context.ts";
import { quantizeModel } from "../../../training/compress/quantize.ts";
import { floatTensor, int64Tensor } from "../../../training/onnx/model-io.ts";
import { modelBytes, node, randomMatrix, valueInfo } from "./fixtures.ts";

const [VOCAB, DIM, CLASSES] = [2000, 64, 8];
// Rows of very different magnitudes: one scale per row is what keeps the small rows accurate.
const table = randomMatrix(VOCAB, DIM, 5).map((v, i) => v * (1 + (Math.floor(i / DIM) % 50)));
const head = randomMatrix(DIM, CLASSES, 6, 0.1);
const source = modelBytes({
  name: "embedding",
  node: [node("Gather", ["table", "ids"], ["rows"]), node("MatMul", ["rows", "head"], ["logits"])],
  initializer: [floatTensor("table", [VOCAB, DIM], table), floatTensor("head", [DIM, CLASSES], head), int64Tensor("unused", [1], [0])],
  input: [valueInfo("ids", DataType.INT64, ["batch", "tokens"])],
  output: [valueInfo("rows", DataType.FLOAT, ["batch", "tokens", DIM]), valueInfo("logits", DataType.FLOAT, ["batch", "tokens", CLASSES])],
});
const ids = Array.from({ length: 2 * 50 }, (_, i) => (i * 997) % VOCAB);

async function rows(bytes: Uint8Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({ ids: new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), [2, 50]) });
    return out.rows.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe("embedding tables in every mode (onnxruntime-node vs the fp32 source)", () => {
  const reference = rows(source);

  it.each(QUANTIZE_MODES)("%s: every looked-up element within its bound; the table is stored small", async (mode: QuantizeMode) => {
    const model = decodeModel(source);
    const layers = quantizeModel(model, { mode, blockSize: 128, perTensor: false, minElements: 0, keepBias: false, opTypes: ["Gather"] });
    const bytes = encodeModel(model);
    const report = layers.find((l) => l.weight === "table")!;
    expect(report.scheme).toMatch(mode === "fp16" ? /fp16 table/ : /int8 per-row/);
    expect(layers.find((l) => l.weight === "head")?.keptBecause).toBe("MatMul is not in --op-types");
    expect(bytes.length / source.length).toBeLessThan(mode === "fp16" ? 0.52 : 0.3);
    // The lookup happens on the compressed table: no node turns the whole table back into fp32.
    const nodes = allGraphs(decodeModel(bytes)).flatMap((s) => s.graph.node ?? []);
    expect(nodes.filter((n) => n.opType === "Gather").every((n) => n.input?.[0] !== "table")).toBe(true);

    const [want, got] = [await reference, await rows(bytes)];
    ids.forEach((id, t) => {
      let rowMax = 0;
      for (let d = 0; d < DIM; d++) rowMax = Math.max(rowMax, Math.abs(table[id * DIM + d]));
      for (let d = 0; d < DIM; d++) {
        const w = want[t * DIM + d];
        const bound = mode === "fp16" ? Math.abs(w) * 2 ** -11 : rowMax / 254;
        expect(Math.abs(got[t * DIM + d] - w), `token ${id} dim ${d}`).toBeLessThanOrEqual(bound * (1 + 1e-6));
      }
    });
  });
});
