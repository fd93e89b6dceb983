/**
 * The metadata endpoint gives model cards what the manifest records about cost and provenance:
 * the CPU time per batch-1 request measured by `maas push`, and the compression record — and
 * leaves both out for manifests that have neither (older ones).
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../functions/env.ts";
import { parseManifest, type Manifest } from "../../functions/registry/manifest.ts";
import { writeManifest } from "../../functions/registry/store.ts";
import { call, json } from "./http.ts";

const MODELS = (env as unknown as Env).MODELS;

const base = {
  schemaVersion: 1,
  sha256: "b".repeat(64),
  bytes: 1234,
  platform: "onnx",
  inputs: [{ name: "x", datatype: "FP32", shape: [-1, 4] }],
  outputs: [{ name: "y", datatype: "FP32", shape: [-1, 3] }],
  producer: { name: "edge-maas", version: "0.1.0" },
  createdAt: "2026-11-01T00:00:00.000Z",
};
const compression = [
  { kind: "prune", sparsity: 0.5, scope: "layer", sourceSha256: "c".repeat(64), layers: [{ weight: "W1", sparsity: 0.5 }] },
  { kind: "quantize", mode: "int8-dynamic", sourceSha256: "d".repeat(64), layers: [{ weight: "W1", scheme: "per-channel" }] },
];

describe("model card metadata", () => {
  let carded: Manifest;
  beforeAll(async () => {
    carded = parseManifest({ ...base, name: "carded", version: "1", quantization: "int8-dynamic", compression, cpu: { batch1Ms: 0.42, runtime: "onnxruntime-web 1.30.0 (wasm, 1 thread, in Node 24)" } });
    await writeManifest(MODELS, carded);
    await writeManifest(MODELS, parseManifest({ ...base, name: "plain-card", version: "1" }));
  });

  it("carries the manifest's CPU figure and compression record", async () => {
    const { status, body } = await json(await call("/v2/models/carded/versions/1"));
    expect(status).toBe(200);
    expect(body.parameters.cpu).toEqual({ batch1_ms: 0.42, runtime: "onnxruntime-web 1.30.0 (wasm, 1 thread, in Node 24)" });
    expect(body.parameters.compression).toEqual(compression);
  });

  it("leaves both out when the manifest has neither", async () => {
    const { status, body } = await json(await call("/v2/models/plain-card/versions/1"));
    expect(status).toBe(200);
    expect(body.parameters).not.toHaveProperty("cpu");
    expect(body.parameters).not.toHaveProperty("compression");
  });
});
