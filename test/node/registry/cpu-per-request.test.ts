/**
 * `maas push` measures a new version's CPU time per batch-1 request in onnxruntime-web, records it
 * in the manifest, shows it in `maas models`, and warns when it is over the Workers free plan's
 * 10 ms. Checked against an independent measurement made here with onnxruntime-web directly
 * (default session options, its own inputs and timing loop), within a factor that a shared,
 * loaded machine leaves meaningful. The large model is a weight-only int8 3072×3072 layer (9 MiB):
 * onnxruntime-web dequantizes its weights on every run, ~50 ms here; an fp32 2048×2048 layer takes
 * only ~2 ms, under the limit.
 */
import * as ort from "onnxruntime-web";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseManifest } from "../../../functions/registry/manifest.ts";
import { layerModel } from "../../../training/bench/layer-model.ts";
import { quantizeModel } from "../../../training/compress/quantize.ts";
import { decodeModel, encodeModel } from "../../../training/onnx/model-io.ts";
import { seededRandom } from "../../fixtures/random.ts";
import { runOk, tempDir } from "./helpers.ts";

ort.env.wasm.numThreads = 1;

/** Median process CPU ms of one batch-1 run of an [*, width] → [*, width] layer, after one unmeasured run. */
async function independentCpuMs(bytes: Uint8Array, width: number): Promise<number> {
  const random = seededRandom(5);
  const x = new ort.Tensor("float32", Float32Array.from({ length: width }, () => random() * 2 - 1), [1, width]);
  const session = await ort.InferenceSession.create(bytes);
  try {
    await session.run({ x });
    const times: number[] = [];
    for (let i = 0; i < 25; i++) {
      const before = process.cpuUsage();
      await session.run({ x });
      const used = process.cpuUsage(before);
      times.push((used.user + used.system) / 1000);
    }
    return times.sort((a, b) => a - b)[12];
  } finally {
    await session.release();
  }
}

interface PushSummary {
  version: string;
  cpuMsBatch1: number | null;
  overFreePlanCpu: boolean;
  warnings: string[];
}

describe("maas push and the CPU time per request", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let env: Record<string, string>;
  const files: Record<string, { path: string; bytes: Uint8Array; width: number }> = {};
  beforeAll(async () => {
    dir = await tempDir("maas-cpu-");
    env = { MAAS_STATE_DIR: join(dir.path, "state") };
    const int8 = decodeModel(layerModel(3072, 3072));
    quantizeModel(int8, { mode: "int8", blockSize: 128, perTensor: false, minElements: 0, keepBias: false });
    for (const [name, bytes, width] of [["large", encodeModel(int8), 3072], ["small", layerModel(1024, 1024), 1024]] as const) {
      files[name] = { path: join(dir.path, `${name}.onnx`), bytes, width };
      await writeFile(files[name].path, bytes);
    }
  }, 60_000);
  afterAll(() => dir.remove());

  it("records a positive figure close to onnxruntime-web's own, shows it in maas models, and stays quiet under 10 ms", async () => {
    const push = await runOk(["push", files.small.path, "--name", "small", "--json"], env);
    const summary = JSON.parse(push.stdout) as PushSummary;
    expect(push.stderr).toBe("");
    expect(summary).toMatchObject({ overFreePlanCpu: false, warnings: [] });
    expect(summary.cpuMsBatch1).toBeGreaterThan(0);
    const independent = await independentCpuMs(files.small.bytes, files.small.width);
    expect(independent).toBeLessThan(10);
    // Sub-millisecond runs: the fixed cost of a run weighs in, hence a wider factor than the large model's.
    expect(summary.cpuMsBatch1! / independent).toBeGreaterThan(1 / 4);
    expect(summary.cpuMsBatch1! / independent).toBeLessThan(4);

    const listing = JSON.parse((await runOk(["models", "--json"], env)).stdout) as { models: { name: string; versions: { cpu?: { batch1Ms: number; runtime: string } }[] }[] };
    const cpu = listing.models.find((m) => m.name === "small")!.versions[0].cpu!;
    expect(cpu.batch1Ms).toBe(summary.cpuMsBatch1);
    expect(cpu.runtime).toMatch(/^onnxruntime-web 1\.\d+\.\d+ \(wasm, 1 thread, in Node/);
    expect((await runOk(["models"], env)).stdout).toMatch(/^ {2}version 1 .* cpu \d+\.\d+ ms\/request \(batch 1\) /m);
  }, 120_000);

  it("warns on stderr and in --json when a model cannot answer within the free plan's 10 ms, and still publishes", async () => {
    const independent = await independentCpuMs(files.large.bytes, files.large.width);
    expect(independent).toBeGreaterThan(10); // the case this test is about, measured without the code under test
    const push = await runOk(["push", files.large.path, "--name", "large", "--json"], env);
    const summary = JSON.parse(push.stdout) as PushSummary;
    expect(summary.cpuMsBatch1).toBeGreaterThan(10);
    expect(summary.cpuMsBatch1! / independent).toBeGreaterThan(1 / 3);
    expect(summary.cpuMsBatch1! / independent).toBeLessThan(3);
    const warning = /^maas push: warning: large version 1 takes ~\d+\.\d ms of CPU per batch-1 request in onnxruntime-web \(measured on this machine\), over the Workers free plan's 10 ms CPU limit per request: it needs a paid plan, or a smaller or int8-dynamic quantized model$/m;
    expect(push.stderr).toMatch(warning);
    expect(summary.overFreePlanCpu).toBe(true);
    expect(summary.warnings.some((w) => `maas push: ${w}`.match(warning))).toBe(true);
    const listing = JSON.parse((await runOk(["models", "--json"], env)).stdout) as { models: { name: string; versions: { version: string }[] }[] };
    expect(listing.models.find((m) => m.name === "large")!.versions.map((v) => v.version)).toEqual(["1"]);
  }, 120_000);

  it("manifests written before the figure existed still parse; a non-positive figure does not", () => {
    const manifest = {
      schemaVersion: 1,
      name: "m",
      version: "1",
      sha256: "a".repeat(64),
      bytes: 10,
      platform: "onnx",
      inputs: [{ name: "x", datatype: "FP32", shape: [-1, 4] }],
      outputs: [{ name: "y", datatype: "FP32", shape: [-1, 2] }],
      producer: { name: "p", version: "1" },
      createdAt: "2026-11-01T00:00:00.000Z",
    };
    expect(parseManifest(manifest).cpu).toBeUndefined();
    expect(parseManifest({ ...manifest, cpu: { batch1Ms: 0.5, runtime: "r" } }).cpu).toEqual({ batch1Ms: 0.5, runtime: "r" });
    expect(() => parseManifest({ ...manifest, cpu: { batch1Ms: 0, runtime: "r" } })).toThrow();
  });
});
