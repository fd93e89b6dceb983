/**
 * Publishing records what was done: `maas quantize` and `maas prune` write it into the file's
 * metadata, `maas push` records it in the manifest with no flag, `maas models` shows it. Checked
 * against the files themselves: the block sizes against the MatMulNBits nodes' attributes, the
 * sparsity against the zeros counted in the weights, the source sha256 against the input file.
 * A model onnxruntime loads but the serving protocols cannot call (no inputs) is refused in one line.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataType, decodeModel, floatTensor, readFloatTensor, readMetadata } from "../../../training/onnx/model-io.ts";
import { modelBytes, node, randomMatrix, valueInfo } from "../compress/fixtures.ts";
import { runCli, runOk, tempDir, writeModel } from "./helpers.ts";

const sha256 = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");

/** X[batch,32] → MatMul W1 [32,16] → Relu → MatMul W2 [16,4]: K is 32, then 16. */
function twoLayerModel(): Uint8Array {
  return modelBytes({
    name: "two-layers",
    node: [node("MatMul", ["X", "W1"], ["H"]), node("Relu", ["H"], ["R"]), node("MatMul", ["R", "W2"], ["Y"])],
    initializer: [floatTensor("W1", [32, 16], randomMatrix(32, 16, 1)), floatTensor("W2", [16, 4], randomMatrix(16, 4, 2))],
    input: [valueInfo("X", DataType.FLOAT, ["batch", 32])],
    output: [valueInfo("Y", DataType.FLOAT, ["batch", 4])],
  });
}

/** ONNX's test_constant: no inputs, one Constant node. */
function constantModel(): Uint8Array {
  return modelBytes({
    name: "test_constant",
    node: [node("Constant", [], ["values"], [{ name: "value", type: 4, t: floatTensor("const_tensor", [5, 5], randomMatrix(5, 5, 3)) }])],
    input: [],
    output: [valueInfo("values", DataType.FLOAT, [5, 5])],
  });
}

const record = (path: string): unknown[] => JSON.parse(readMetadata(decodeModel(readFileSync(path)))["maas.compression"]);

let dir: { path: string; remove: () => Promise<void> };
let env: Record<string, string>;
let source: string;

beforeAll(async () => {
  dir = await tempDir("maas-compression-record-");
  env = { MAAS_STATE_DIR: join(dir.path, "state") };
  source = await writeModel(dir.path, "m.onnx", twoLayerModel());
});
afterAll(() => dir?.remove());

describe("what compression did, from the file to the manifest", () => {
  it("int4: the summary and the record name the block size each layer used; push records it with no flag", async () => {
    const out = join(dir.path, "int4.onnx");
    const run = await runOk(["quantize", source, "--mode", "int4", "--out", out], env);
    // The reference: what the MatMulNBits nodes in the written graph say.
    const blockOfK = new Map<number, number>();
    for (const n of decodeModel(readFileSync(out)).graph!.node!.filter((x) => x.opType === "MatMulNBits")) {
      const attr = (name: string) => Number(n.attribute!.find((a) => a.name === name)!.i);
      blockOfK.set(attr("K"), attr("block_size"));
    }
    expect([...blockOfK.keys()].sort()).toEqual([16, 32]);
    expect(run.stdout.split("\n")[0]).toBe(
      `quantized ${source} -> ${out} (int4, block size per layer: W1 ${blockOfK.get(32)}, W2 ${blockOfK.get(16)}; --block-size 128, capped at each layer's K)`,
    );
    expect(record(out)).toEqual([{
      kind: "quantize", mode: "int4", sourceSha256: sha256(source),
      layers: [
        { weight: "W1", scheme: expect.stringMatching(/^int4 block 32/), blockSize: blockOfK.get(32) },
        { weight: "W2", scheme: expect.stringMatching(/^int4 block 16/), blockSize: blockOfK.get(16) },
      ],
    }]);

    const pushed = JSON.parse((await runOk(["push", out, "--name", "q", "--json"], env)).stdout);
    expect(pushed.quantization).toBe("int4 (blocks 32, 16)");
    expect(pushed.compression).toEqual(record(out));
  });

  it("a model with no inputs (ONNX's test_constant) is refused in one line, nothing published", async () => {
    const path = await writeModel(dir.path, "test_constant.onnx", constantModel());
    const run = await runCli(["push", path, "--name", "constant"], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`maas push: ${path} cannot be published: it has no inputs: the serving protocols (v2 infer, v1 predict) need at least one input to call a model\n`);
    // Nothing published: checked by the listing in the next test.
  });

  it("prune then quantize: both steps, each with the sha256 of its input; models lists them", async () => {
    const pruned = join(dir.path, "pruned.onnx");
    const both = join(dir.path, "pruned-int8.onnx");
    await runOk(["prune", source, "--sparsity", "0.5", "--out", pruned], env);
    await runOk(["quantize", pruned, "--mode", "int8-dynamic", "--out", both], env);
    const weights = decodeModel(readFileSync(pruned)).graph!.initializer!;
    const zeros = (name: string): number => {
      const values = readFloatTensor(weights.find((t) => t.name === name)!);
      return values.filter((v) => v === 0).length / values.length;
    };
    expect(zeros("W1")).toBeCloseTo(0.5, 2);
    expect(record(both)).toEqual([
      { kind: "prune", sparsity: 0.5, scope: "layer", sourceSha256: sha256(source), layers: [{ weight: "W1", sparsity: zeros("W1") }, { weight: "W2", sparsity: zeros("W2") }] },
      // No per-layer list: int8-dynamic has no block sizes to record.
      { kind: "quantize", mode: "int8-dynamic", sourceSha256: sha256(pruned) },
    ]);

    await runOk(["push", both, "--name", "pq"], env);
    const listing = await runOk(["models", "--json"], env);
    const models = JSON.parse(listing.stdout).models as Array<{ name: string; versions: Array<Record<string, unknown>> }>;
    expect(models.map((m) => m.name).sort()).toEqual(["pq", "q"]); // not "constant"
    const version = models.find((m) => m.name === "pq")!.versions[0];
    expect(version.quantization).toBe("int8-dynamic");
    expect(version.compression).toEqual(record(both));
    const text = await runOk(["models"], env);
    expect(text.stdout).toMatch(/^ {2}version 1 .* pruned 50% \(layer\), then int8-dynamic .*$/m);
    expect(text.stdout).toMatch(/^ {2}version 1 .* int4 \(blocks 32, 16\) .*$/m);
  });

  it("a model without a record publishes as before; --quantization still says how it is stored", async () => {
    const pushed = JSON.parse((await runOk(["push", source, "--name", "plain", "--quantization", "fp32", "--json"], env)).stdout);
    expect(pushed).toMatchObject({ quantization: "fp32", compression: [] });
  });

});
