import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { blobKey } from "../../functions/registry/layout.ts";
import { moveAlias, writeManifest } from "../../functions/registry/store.ts";
import { call, json, post } from "./http.ts";
import { fixtureBytes, publishFixture, seedRegistry } from "./seed.ts";

beforeAll(async () => {
  await seedRegistry(env.MODELS);
});

const x = (batch: number) => ({ name: "x", datatype: "FP32", shape: [batch, 4], data: Array(batch * 4).fill(0.5) });

async function expectError(response: Response, status: number, pattern: RegExp) {
  const { status: actual, body } = await json(response);
  expect(actual, JSON.stringify(body)).toBe(status);
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error).toMatch(pattern);
}

describe("malformed requests are 400 with a JSON error", () => {
  it("bad JSON and an empty body", async () => {
    await expectError(await post("/v2/models/mlp/infer", "{not json"), 400, /not valid JSON/);
    await expectError(await post("/v2/models/mlp/infer", ""), 400, /empty/);
  });

  it("JSON is read whatever the Content-Type says (none, curl -d form type, text/plain); other encodings are still a 400", async () => {
    const body = JSON.stringify({ inputs: [x(1)] });
    const contentTypes: Record<string, string>[] = [{}, { "Content-Type": "application/x-www-form-urlencoded" }, { "Content-Type": "text/plain" }];
    for (const headers of contentTypes) {
      const { status, body: answer } = await json(await call("/v2/models/mlp/infer", { method: "POST", headers, body }));
      expect(status, JSON.stringify(headers)).toBe(200);
      expect(answer.model_name).toBe("mlp");
    }
    const latin1 = new Uint8Array([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]); // {"é":1} in Latin-1
    await expectError(await call("/v2/models/mlp/infer", { method: "POST", body: latin1 }), 400, /not valid JSON|inputs/);
  });

  it("a body that is not an inference request", async () => {
    await expectError(await post("/v2/models/mlp/infer", { inputs: "x" }), 400, /inputs/);
    await expectError(await post("/v2/models/mlp/infer", { inputs: [{ name: "x", shape: [1, 4], datatype: "FP32" }] }), 400, /inputs\[0\]\.data/);
    await expectError(await post("/v2/models/mlp/infer", { inputs: [{ ...x(1), shape: [1, -4] }] }), 400, /shape/);
  });

  it("unknown input name", async () => {
    await expectError(await post("/v2/models/mlp/infer", { inputs: [x(1), { ...x(1), name: "nope" }] }), 400, /unknown input "nope"/);
  });

  it("wrong datatype", async () => {
    await expectError(await post("/v2/models/mlp/infer", { inputs: [{ ...x(1), datatype: "INT64" }] }), 400, /must be FP32, got INT64/);
  });

  it("element that does not fit the datatype", async () => {
    await expectError(await post("/v2/models/mlp/infer", { inputs: [{ ...x(1), data: [1, 2, "three", 4] }] }), 400, /element 2 is the string "three"/);
    const dt = inject("cases").find((c) => c.title === "every datatype")!;
    const int8 = dt.inputs.map((i) => (i.datatype === "INT8" ? { ...i, data: [1, 2, 300] } : i));
    await expectError(await post("/v2/models/datatypes/infer", { inputs: int8 }), 400, /element 2 is 300, not a valid INT8/);
  });

  it("shape and element count mismatch", async () => {
    await expectError(await post("/v2/models/mlp/infer", { inputs: [{ ...x(2), data: [1, 2, 3] }] }), 400, /has 3 elements, but its shape needs 8/);
    await expectError(await post("/v2/models/mlp/infer", { inputs: [{ ...x(1), data: Array(9).fill(1) }] }), 400, /has 9 elements/);
  });

  it("shape incompatible with the model's fixed dims or rank", async () => {
    await expectError(await post("/v2/models/mlp/infer", { inputs: [{ ...x(1), shape: [1, 5], data: Array(5).fill(1) }] }), 400, /at axis 1/);
    await expectError(await post("/v2/models/mlp/infer", { inputs: [{ ...x(1), shape: [4], data: Array(4).fill(1) }] }), 400, /rank 2/);
  });

  it("missing input", async () => {
    const only = { name: "x", datatype: "FP32", shape: [2, 3], data: [1, 2, 3, 4, 5, 6] };
    await expectError(await post("/v2/models/fixed/infer", { inputs: [only] }), 400, /missing input "v"/);
  });

  it("unknown requested output", async () => {
    await expectError(await post("/v2/models/mlp/infer", { inputs: [x(1)], outputs: [{ name: "nope" }] }), 400, /unknown output "nope"/);
  });
});

describe("unknown models and versions are 404", () => {
  it("unknown model, version and alias", async () => {
    await expectError(await post("/v2/models/nope/infer", { inputs: [x(1)] }), 404, /model "nope" not found/);
    await expectError(await post("/v2/models/mlp/versions/9/infer", { inputs: [x(1)] }), 404, /version "9"/);
    await expectError(await call("/v2/models/nope"), 404, /not found/);
    await expectError(await call("/v2/models/mlp/versions/nightly/ready"), 404, /not found/);
    await expectError(await call("/v1/models/nope"), 404, /not found/);
  });

  it("path tricks in names are just unknown models", async () => {
    await expectError(await call("/v2/models/..%2F..%2Fetc"), 404, /not found/);
    await expectError(await call("/v2/models/mlp/versions/..%2F1"), 404, /not found/);
  });

  it("unknown routes", async () => {
    await expectError(await call("/v3/anything"), 404, /no route/);
  });
});

describe("a mistyped name gets a 404 or 400 that says what was likely meant", () => {
  it("a model, a version, an alias or a label", async () => {
    await expectError(await post("/v2/models/regresion/infer", { inputs: [x(1)] }), 404, /^model "regresion" not found \(did you mean "regression"\?\)$/);
    await expectError(await call("/v2/models/lmp"), 404, /^model "lmp" not found \(did you mean "mlp"\?\)$/);
    await expectError(await post("/v2/models/mlp/versions/stabel/infer", { inputs: [x(1)] }), 404, /^version "stabel" of model "mlp" not found \(did you mean "stable"\?\)$/);
    await expectError(await call("/v1/models/mlp/labels/latset"), 404, /^label "latset" of model "mlp" not found \(did you mean "latest"\?\)$/);
  });

  it("a number is not guessed at: the few versions and aliases there are are named; a model that does not exist is said to", async () => {
    await expectError(await post("/v2/models/mlp/versions/9/infer", { inputs: [x(1)] }), 404, /^version "9" of model "mlp" not found; it has versions "1", "2" and aliases "latest", "stable"$/);
    await expectError(await call("/v1/models/mlp/versions/9"), 404, /^version "9" of model "mlp" not found; it has versions "1", "2"$/);
    await expectError(await call("/v2/models/nope/versions/1"), 404, /^version "1" of model "nope" not found; there is no model "nope"$/);
    await expectError(await call("/v2/models/zzzzzzzz"), 404, /^model "zzzzzzzz" not found$/);
  });

  it("a route: a segment mistyped, a trailing slash, the wrong case", async () => {
    await expectError(await post("/v2/model/mlp/infer", { inputs: [x(1)] }), 404, /^no route for POST \/v2\/model\/mlp\/infer \(did you mean POST \/v2\/models\/mlp\/infer\?\)$/);
    await expectError(await call("/v2/models/mlp/versions/2/redy"), 404, /\(did you mean GET \/v2\/models\/mlp\/versions\/2\/ready\?\)$/);
    await expectError(await call("/v2/health/live/"), 404, /\(did you mean GET \/v2\/health\/live\?\)$/);
    await expectError(await call("/V1/Models/mlp/metadata"), 404, /\(did you mean GET \/v1\/models\/mlp\/metadata\?\)$/);
    await expectError(await post("/v1/models/mlp/predict", { instances: [[1, 2, 3, 4]] }), 404, /\(did you mean POST \/v1\/models\/mlp:predict\?\)$/);
    await expectError(await post("/v1/models/mlp/versions/2/predict", { instances: [[1, 2, 3, 4]] }), 404, /\(did you mean POST \/v1\/models\/mlp\/versions\/2:predict\?\)$/);
    await expectError(await call("/v3/anything"), 404, /^no route for GET \/v3\/anything$/);
  });

  it("a key of the request body: one missing beside a near miss, or one a strict object does not know", async () => {
    await expectError(await post("/v2/models/mlp/infer", { input: [x(1)] }), 400, /: missing "inputs", but there is "input" \(did you mean "inputs"\?\)$/);
    const { data, ...noData } = x(1);
    await expectError(await post("/v2/models/mlp/infer", { inputs: [{ ...noData, dta: data }] }), 400, /: inputs\[0\]: missing "data", but there is "dta" \(did you mean "data"\?\)$/);
    await expectError(await post("/v1/models/mlp:predict", { instance: [[1, 2, 3, 4]] }), 400, /: unknown key "instance" \(did you mean "instances"\?\)$/);
    await expectError(await post("/v1/models/mlp:predict", { instances: [[1, 2, 3, 4]], parameters: { mising: "impute" } }), 400, /: parameters: unknown key "mising" \(did you mean "missing"\?\)$/);
    // Nothing near: zod's own words.
    await expectError(await post("/v2/models/mlp/infer", { tensors: [x(1)] }), 400, /inputs: Invalid input: expected array, received undefined$/);
  });
});

describe("oversized bodies are 413", () => {
  it("a body over the limit", async () => {
    const big = "x".repeat(9 * 1024 * 1024);
    await expectError(await post("/v2/models/mlp/infer", { inputs: [{ ...x(1), name: big }] }), 413, /larger than/);
  });
});

describe("models that cannot be loaded are 503, not cached, and harm no other model", () => {
  const spare = () => inject("spare");

  it("a corrupted blob (sha mismatch), then repaired", async () => {
    const fixture = spare()[0];
    const bytes = fixtureBytes(fixture.base64);
    const corrupted = bytes.slice();
    corrupted[corrupted.length - 10] ^= 0xff;
    await env.MODELS.put(blobKey(fixture.name, fixture.manifest.sha256), corrupted);
    await writeManifest(env.MODELS, fixture.manifest);
    await moveAlias(env.MODELS, fixture.name, "latest", { version: fixture.version });
    const request = { inputs: fixture.case.inputs };
    await expectError(await post(`/v2/models/${fixture.name}/infer`, request), 503, /sha256 does not match/);
    expect((await post("/v2/models/mlp/infer", { inputs: [x(1)] })).status).toBe(200);
    // Not cached: once the blob is right, the same version loads.
    await env.MODELS.put(blobKey(fixture.name, fixture.manifest.sha256), bytes);
    expect((await post(`/v2/models/${fixture.name}/infer`, request)).status).toBe(200);
  });

  it("a missing blob", async () => {
    const fixture = spare()[1];
    await writeManifest(env.MODELS, { ...fixture.manifest, name: "no-blob" });
    await moveAlias(env.MODELS, "no-blob", "latest", { version: fixture.version });
    await expectError(await post("/v2/models/no-blob/infer", { inputs: fixture.case.inputs }), 503, /blob is missing/);
    await expectError(await call("/v2/models/no-blob/ready"), 503, /blob is missing/);
    // A version removed after this isolate saw it (maas rm) becomes a 404, not a lasting 503.
    await env.MODELS.delete(`models/no-blob/versions/${fixture.version}.json`);
    await expectError(await post(`/v2/models/no-blob/versions/${fixture.version}/infer`, { inputs: fixture.case.inputs }), 404, /not found/);
  });

  it("a truncated ONNX file and bytes that are not ONNX", async () => {
    const fixture = spare()[1];
    const full = fixtureBytes(fixture.base64);
    for (const [name, bytes] of [
      ["truncated", full.slice(0, Math.floor(full.length / 2))],
      ["not-onnx", new TextEncoder().encode("this is not an onnx model at all")],
    ] as const) {
      const sha256 = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
      await env.MODELS.put(blobKey(name, sha256), bytes);
      await writeManifest(env.MODELS, { ...fixture.manifest, name, sha256, bytes: bytes.byteLength });
      await moveAlias(env.MODELS, name, "latest", { version: fixture.version });
      await expectError(await post(`/v2/models/${name}/infer`, { inputs: fixture.case.inputs }), 503, /cannot be loaded by onnxruntime-web/);
    }
    expect((await post("/v2/models/mlp/infer", { inputs: [x(1)] })).status).toBe(200);
  });

  it("a model larger than the memory budget", async () => {
    const fixture = spare()[1];
    await writeManifest(env.MODELS, { ...fixture.manifest, name: "huge", bytes: 4 * 1024 ** 3 });
    await moveAlias(env.MODELS, "huge", "latest", { version: fixture.version });
    await expectError(await post("/v2/models/huge/infer", { inputs: fixture.case.inputs }), 503, /larger than this server's model memory budget \(\d+ bytes, MODEL_CACHE_BUDGET_MB\)/);
  });

  it("a small file that onnxruntime-web would hold in more memory than the budget", async () => {
    const fixture = spare()[1];
    // e.g. an int4 file: ORT keeps an fp32 copy of its weights (the publisher's memoryBytes estimate).
    await writeManifest(env.MODELS, { ...fixture.manifest, name: "expands", memoryBytes: 4 * 1024 ** 3 });
    await moveAlias(env.MODELS, "expands", "latest", { version: fixture.version });
    const res = await post("/v2/models/expands/infer", { inputs: fixture.case.inputs });
    await expectError(res, 503, new RegExp(`\\(${fixture.manifest.bytes} bytes, ~${4 * 1024 ** 3} bytes once onnxruntime-web holds it\\) is larger than this server's model memory budget`));
  });
});

describe("concurrent first requests share one load", () => {
  it("eight parallel requests to a cold model", async () => {
    const fixture = inject("spare")[2];
    await publishFixture(env.MODELS, fixture);
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => post(`/v2/models/${fixture.name}/infer`, { inputs: fixture.case.inputs })),
    );
    const sources = responses.map((r) => /desc="session (\w+)"/.exec(r.headers.get("Server-Timing") ?? "")?.[1]);
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(sources.filter((s) => s === "loaded")).toHaveLength(1);
    // The others waited for that load, or arrived after it finished; none loaded it again.
    expect(sources.filter((s) => s === "joined" || s === "warm")).toHaveLength(7);
    for (const response of responses) {
      const body = await response.json<{ outputs: { data: number[] }[] }>();
      const expected = fixture.case.expected[1].data as number[];
      expect(Math.max(...expected.map((v, i) => Math.abs(v - body.outputs[1].data[i])))).toBeLessThanOrEqual(1e-5);
    }
  });
});
