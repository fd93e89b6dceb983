import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import app from "../../functions/index.ts";
import { call, json, maxAbsDiff, post } from "./http.ts";
import { seedRegistry } from "./seed.ts";

beforeAll(async () => {
  await seedRegistry(env.MODELS);
});

const mlpCase = () => inject("cases").find((c) => c.title === "mlp latest, batch 64")!;

describe("server endpoints", () => {
  it("GET /v2/health/live and /ready", async () => {
    expect(await json(await call("/v2/health/live"))).toMatchObject({ status: 200, body: { live: true } });
    expect(await json(await call("/v2/health/ready"))).toMatchObject({ status: 200, body: { ready: true } });
  });

  it("GET /v2 describes the server", async () => {
    const { status, body } = await json(await call("/v2"));
    expect(status).toBe(200);
    expect(body).toMatchObject({ name: "edge-maas", extensions: ["model_repository", "binary_tensor_data"] });
    expect(typeof body.version).toBe("string");
  });

  it("routes with Hono's RegExpRouter (route patterns that it cannot compile drop every request to the slower TrieRouter)", async () => {
    await call("/v2/health/live");
    expect((app.router as { activeRouter?: { name: string } }).activeRouter?.name).toBe("RegExpRouter");
  });
});

describe("model metadata", () => {
  it("GET /v2/models/{name} lists versions and the latest version's tensors", async () => {
    const { status, body } = await json(await call("/v2/models/mlp"));
    expect(status).toBe(200);
    expect(body.name).toBe("mlp");
    expect(body.versions).toEqual(["1", "2"]);
    expect(body.platform).toBe("onnxruntime_onnx");
    expect(body.inputs).toEqual([{ name: "x", datatype: "FP32", shape: [-1, 4] }]);
    expect(body.outputs).toEqual([
      { name: "logits", datatype: "FP32", shape: [-1, 3] },
      { name: "probs", datatype: "FP32", shape: [-1, 3] },
    ]);
    expect(body.parameters.version).toBe("2");
  });

  it("GET /v2/models/{name}/versions/{v} accepts a version id or an alias", async () => {
    const byId = await json(await call("/v2/models/mlp/versions/1"));
    expect(byId.status).toBe(200);
    expect(byId.body.versions).toEqual(["1"]);
    const byAlias = await json(await call("/v2/models/mlp/versions/stable"));
    expect(byAlias.body.parameters.sha256).toBe(byId.body.parameters.sha256);
  });

  it("GET .../ready loads the model and says so", async () => {
    expect(await json(await call("/v2/models/mlp/ready"))).toMatchObject({ status: 200, body: { name: "mlp", version: "2", ready: true } });
    expect(await json(await call("/v2/models/mlp/versions/1/ready"))).toMatchObject({ status: 200, body: { version: "1", ready: true } });
  });

  it("fixed and dynamic dims are reported as in the model", async () => {
    const { body } = await json(await call("/v2/models/fixed"));
    expect(body.inputs).toEqual([
      { name: "x", datatype: "FP32", shape: [2, 3] },
      { name: "v", datatype: "FP32", shape: [2, -1] },
    ]);
  });

  it("GET /v2/models lists models, versions and aliases", async () => {
    const { status, body } = await json(await call("/v2/models"));
    expect(status).toBe(200);
    const mlp = body.models.find((m: { name: string }) => m.name === "mlp");
    expect(mlp.versions.map((v: { version: string }) => v.version)).toEqual(["1", "2"]);
    expect(mlp.aliases).toEqual({ latest: "2", stable: "1" });
  });

  it("POST /v2/repository/index lists every version with its state", async () => {
    await call("/v2/models/mlp/ready");
    const { status, body } = await json(await post("/v2/repository/index", {}));
    expect(status).toBe(200);
    expect(body).toContainEqual({ name: "mlp", version: "2", state: "READY", reason: "" });
    expect(body.map((r: { name: string; version: string }) => `${r.name}/${r.version}`)).toEqual(
      expect.arrayContaining(["mlp/1", "mlp/2", "datatypes/1", "fixed/1"]),
    );
    const ready = await json(await post("/v2/repository/index", { ready: true }));
    // Only the READY ones: mlp 2 (loaded above) is among them, and nothing else is.
    expect(ready.body).toContainEqual({ name: "mlp", version: "2", state: "READY", reason: "" });
    expect(ready.body.filter((r: { state: string }) => r.state !== "READY")).toEqual([]);
    expect(ready.body.length).toBeLessThan(body.length);
    expect((await json(await call("/v2/repository/index", { method: "POST" }))).status).toBe(200);
  });
});

describe("inference details", () => {
  it("accepts nested row-major data like flat data", async () => {
    const testCase = mlpCase();
    const flat = testCase.inputs[0].data as number[];
    const nested = Array.from({ length: 64 }, (_, r) => flat.slice(r * 4, r * 4 + 4));
    const { status, body } = await json(await post("/v2/models/mlp/infer", { inputs: [{ ...testCase.inputs[0], data: nested }] }));
    expect(status).toBe(200);
    expect(maxAbsDiff(testCase.expected[1].data, body.outputs[1].data)).toBeLessThanOrEqual(1e-5);
    expect(body.model_version).toBe("2");
    expect(body).not.toHaveProperty("id");
  });

  it("reports load and inference time in Server-Timing", async () => {
    const response = await post("/v2/models/mlp/infer", { inputs: mlpCase().inputs });
    const header = response.headers.get("Server-Timing") ?? "";
    expect(header).toMatch(/load;dur=[\d.]+;desc="session (warm|loaded|joined)"/);
    expect(header).toMatch(/infer;dur=[\d.]+/);
    expect(response.headers.get("X-Request-Id")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it("v1: GET /v1/models/{name} and :predict with instances", async () => {
    expect(await json(await call("/v1/models/mlp"))).toMatchObject({ status: 200, body: { model_version_status: [{ version: "1" }, { version: "2" }] } });
    const testCase = mlpCase();
    const flat = testCase.inputs[0].data as number[];
    const instances = Array.from({ length: 64 }, (_, r) => flat.slice(r * 4, r * 4 + 4));
    const { status, body } = await json(await post("/v1/models/mlp:predict", { instances }));
    expect(status).toBe(200);
    expect(body.predictions).toHaveLength(64);
    const probs = body.predictions.flatMap((p: { probs: number[] }) => p.probs);
    expect(maxAbsDiff(testCase.expected[1].data, probs)).toBeLessThanOrEqual(1e-5);
  });

  it("v1 refuses array rows to a multi-input model, and an unknown method", async () => {
    const multi = await json(await post("/v1/models/fixed:predict", { instances: [[1, 2, 3]] }));
    expect(multi.status).toBe(400);
    expect(multi.body.error).toMatch(/2 inputs/);
    expect((await json(await post("/v1/models/mlp:explain", { instances: [[1, 2, 3, 4]] }))).status).toBe(404);
  });
});
