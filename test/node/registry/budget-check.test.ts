/**
 * `maas push` warns when the Worker in wrangler.toml will refuse what it publishes: a model whose
 * onnxruntime-web memory estimate (memoryBytes) is over MODEL_CACHE_BUDGET_MB. Run as a user would:
 * a weight-only int8 layer (9 MiB file, ~45 MiB once ORT holds it as fp32) pushed to a fresh store.
 */
import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configuredBudgetMb } from "../../../scripts/registry/budget-check.ts";
import { layerModel } from "../../../training/bench/layer-model.ts";
import { quantizeModel } from "../../../training/compress/quantize.ts";
import { decodeModel, encodeModel } from "../../../training/onnx/model-io.ts";
import { runCli, runOk, tempDir } from "./helpers.ts";

describe("maas push and the Worker's memory budget", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let env: Record<string, string>;
  const files: Record<string, string> = {};
  beforeAll(async () => {
    dir = await tempDir("maas-budget-");
    env = { MAAS_STATE_DIR: join(dir.path, "state") };
    const int8 = decodeModel(layerModel(3072, 3072));
    quantizeModel(int8, { mode: "int8", blockSize: 128, perTensor: false, minElements: 0, keepBias: false });
    files.int8 = join(dir.path, "int8.onnx");
    await writeFile(files.int8, encodeModel(int8));
    files.small = join(dir.path, "small.onnx");
    await writeFile(files.small, layerModel(64, 64));
    files.wide = join(dir.path, "wide.onnx");
    await writeFile(files.wide, layerModel(2100, 2100)); // 17.6 MB of float32 weights: over the 16 MiB prepacking limit
  }, 60_000);
  afterAll(() => dir.remove());

  it("warns on stderr, still publishes, and says so in --json; a model that fits gets no warning", async () => {
    const big = await runOk(["push", files.int8, "--name", "wide", "--json"], env);
    const warning = /^maas push: warning: wide version 1 would take ~(\d+\.\d) MiB of onnxruntime-web's memory \(a (\d+\.\d) MiB file\), over the Worker's MODEL_CACHE_BUDGET_MB \(40 in wrangler\.toml\): it will answer 503 until the budget is raised; maas quantize --mode int8-dynamic keeps weights at a quarter of fp32 in memory\n/.exec(big.stderr); // then its CPU warning (cpu-per-request.test.ts)
    expect(warning, big.stderr).not.toBeNull();
    const [memory, file] = [Number(warning![1]), Number(warning![2])];
    expect(file).toBeCloseTo((await stat(files.int8)).size / 2 ** 20, 1);
    // Over the budget it warns about, and at least the fp32 weights the int8 ones dequantize to (3072² × 4 B).
    expect(memory).toBeGreaterThan(40);
    expect(memory).toBeGreaterThanOrEqual((3072 * 3072 * 4) / 2 ** 20);
    const summary = JSON.parse(big.stdout);
    expect(summary).toMatchObject({ version: "1", overBudget: true });
    // 128 MB isolate: onnxruntime-web's 25 MiB + the blob + ORT's fp32 copy of the weights (memoryBytes) while it loads.
    const MiB = 1024 * 1024;
    expect(summary.isolatePeakBytes).toBe(25 * MiB + summary.bytes + summary.memoryBytes);
    expect(summary.largestFittingFileBytes).toBe(Math.floor((103 * MiB * summary.bytes) / (summary.bytes + summary.memoryBytes)));
    const small = await runCli(["push", files.small, "--name", "narrow"], env);
    expect(small.code).toBe(0);
    expect(small.stderr).toBe("");
    // A 64×64 fp32 layer: its peak is onnxruntime-web's base; fp32 files fit up to (128 − 25) MiB / 2
    // (this one's weights are prepacked, a second copy; larger files are not: prepacking.ts).
    expect(small.stdout).toMatch(/\n {2}fits a 128 MB isolate: ~25 MiB at its peak while loading \(onnxruntime-web's ~25 MiB \+ the file \+ its weights in ORT\); files stored as this one fit up to ~54 MB\n$/);
  }, 60_000);

  it("--prepack has the Worker prepack float32 weights over the 16 MiB limit too, the copy charged in the memory estimate", async () => {
    const weightBytes = 2100 * 2100 * 4;
    const plain = JSON.parse((await runOk(["push", files.wide, "--name", "wide-fp32", "--json"], env)).stdout);
    expect(plain).toMatchObject({ version: "1", prepackedBytes: null, memoryBytes: plain.bytes });
    const prepacked = JSON.parse((await runOk(["push", files.wide, "--name", "wide-fp32", "--version", "2", "--prepack", "--json"], env)).stdout);
    expect(prepacked.version).toBe("2");
    expect(prepacked.prepackedBytes).toBeGreaterThanOrEqual(weightBytes);
    expect(prepacked.prepackedBytes).toBeLessThan(weightBytes + 4096); // the weights, not the whole file's other bytes
    expect(prepacked.memoryBytes).toBe(prepacked.bytes + prepacked.prepackedBytes);
    expect(prepacked.isolatePeakBytes).toBe(plain.isolatePeakBytes + prepacked.prepackedBytes);
    // The largest file that fits, stored the same way: without --prepack a file and ORT's copy of
    // its weights (2 bytes per file byte); with it, the prepacked copy too (~3) — for larger files as well.
    const MiB = 1024 * 1024;
    expect(plain.largestFittingFileBytes).toBe(Math.floor((103 * MiB) / 2));
    expect(prepacked.largestFittingFileBytes).toBe(Math.floor((103 * MiB * prepacked.bytes) / (prepacked.bytes + prepacked.memoryBytes)));
    expect(prepacked.largestFittingFileBytes).toBeLessThan((103 * MiB) / 2.9);
    const text = await runOk(["push", files.wide, "--name", "wide-fp32", "--version", "3", "--prepack"], env);
    expect(text.stdout).toContain(`files stored as this one and pushed with --prepack fit up to ~${(prepacked.largestFittingFileBytes / 1e6).toFixed(0)} MB`);
  }, 120_000);

  it("reads MODEL_CACHE_BUDGET_MB from wrangler.toml's [vars], else the Worker's default", () => {
    expect(configuredBudgetMb('name = "x"\n[vars]\nMODEL_CACHE_BUDGET_MB = "96"\n[[ratelimits]]\nname = "Y"\n')).toBe(96);
    expect(configuredBudgetMb('name = "x"\n[vars]\nMAX_BODY_BYTES = "1"\n')).toBe(40);
    expect(configuredBudgetMb('[env.staging.vars]\nMODEL_CACHE_BUDGET_MB = "8"\n')).toBe(40);
  });
});
