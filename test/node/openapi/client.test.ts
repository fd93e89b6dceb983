/** The typed client (client/index.ts) against a running Worker, answers compared with onnxruntime-node. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMaasClient, MaasApiError, type ClassPrediction } from "../../../client/index.ts";
import { referencePredictions, serveIris, type ServedIris } from "../browser/served-iris.ts";

const RECORDS = [
  { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
  { sepal_length: 6.1, sepal_width: 2.8, petal_length: 4.9, petal_width: 1.6 },
  { sepal_length: 7.2, sepal_width: 3.2, petal_length: 6.0, petal_width: 1.8 },
];

describe("createMaasClient", () => {
  let served: ServedIris;

  beforeAll(async () => {
    served = await serveIris();
  }, 180_000);

  afterAll(async () => {
    await served?.stop();
  });

  it("predicts raw records like onnxruntime-node does on the same file", async () => {
    const maas = createMaasClient(served.server.url);
    const answer = await maas.predict<ClassPrediction>("iris", RECORDS);
    const expected = (await referencePredictions(served.bytes, served.schema, RECORDS)) as ClassPrediction[];
    expect(answer.model_version).toBe("1");
    expect(answer.predictions.map((p) => p.label)).toEqual(expected.map((p) => p.label));
    answer.predictions.forEach((p, i) => {
      for (const [label, probability] of Object.entries(expected[i].probabilities)) expect(p.probabilities[label]).toBeCloseTo(probability, 5);
    });
  });

  it("infers v2 tensors, by default route and by version, and lists and describes models", async () => {
    const maas = createMaasClient(served.server.url);
    const data = [6.1, 2.8, 4.9, 1.6];
    const inputs = [{ name: "input", datatype: "FP32", shape: [1, 4], data }];
    const byDefault = await maas.infer("iris", inputs, { outputs: ["label"], id: "req-1" });
    const byVersion = await maas.infer("iris", inputs, { version: "1" });
    const [expected] = (await referencePredictions(served.bytes, served.schema, [RECORDS[1]])) as ClassPrediction[];
    expect(byDefault.id).toBe("req-1");
    expect(byDefault.outputs.map((o) => o.name)).toEqual(["label"]);
    expect(served.schema.classes![Number(byDefault.outputs[0].data[0])]).toBe(expected.label);
    expect(byVersion.outputs.find((o) => o.name === "probabilities")?.shape).toEqual([1, 3]);

    const listing = await maas.listModels();
    expect(listing.models.map((m) => m.name).sort()).toEqual(["iris", "mlp"]);
    expect((await maas.metadata("iris", "prod")).parameters.version).toBe("1");
  });

  it("infers with binary tensors both ways, like the JSON call and onnxruntime-node", async () => {
    const maas = createMaasClient(served.server.url);
    const rows = RECORDS.map((r) => [r.sepal_length, r.sepal_width, r.petal_length, r.petal_width]);
    const binary = await maas.inferBinary("iris", [{ name: "input", datatype: "FP32", shape: [3, 4], data: new Float32Array(rows.flat()) }], { id: "bin" });
    const viaJson = await maas.infer("iris", [{ name: "input", datatype: "FP32", shape: [3, 4], data: rows }]);
    const expected = (await referencePredictions(served.bytes, served.schema, RECORDS)) as ClassPrediction[];
    expect(binary.id).toBe("bin");
    const probabilities = binary.outputs.find((o) => o.name === "probabilities")!;
    const labels = binary.outputs.find((o) => o.name === "label")!;
    expect(probabilities.data).toBeInstanceOf(Float32Array);
    expect(labels.data).toBeInstanceOf(BigInt64Array);
    expect(Array.from(probabilities.data as Float32Array)).toEqual(viaJson.outputs.find((o) => o.name === "probabilities")!.data);
    expect(Array.from(labels.data as BigInt64Array, (l) => served.schema.classes![Number(l)])).toEqual(expected.map((p) => p.label));
    // JSON-style values are accepted too, and a bad value is refused before anything is sent.
    const nested = await maas.inferBinary("iris", [{ name: "input", datatype: "FP32", shape: [3, 4], data: rows }], { outputs: ["label"] });
    expect(Array.from(nested.outputs[0].data as BigInt64Array)).toEqual(Array.from(labels.data as BigInt64Array));
    await expect(maas.inferBinary("iris", [{ name: "input", datatype: "FP32", shape: [1, 4], data: [1, 2, "x", 4] }])).rejects.toThrow(/input "input": element 2 is the string "x", not a valid FP32/);
    const error = await maas.inferBinary("iris", [{ name: "input", datatype: "FP32", shape: [1, 3], data: [1, 2, 3] }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaasApiError);
    expect((error as MaasApiError).status).toBe(400);
  });

  it("sends the API key and turns error answers into MaasApiError", async () => {
    const seen: (string | null)[] = [];
    const spy: typeof fetch = async (input, init) => {
      seen.push(new Headers(init?.headers).get("authorization"));
      return fetch(input, init);
    };
    const maas = createMaasClient(served.server.url, { apiKey: "test-key", fetch: spy });
    // Anonymous access is on, but a key that is sent must be valid: 401 from the Worker.
    const error = await maas.metadata("iris").catch((e: unknown) => e);
    expect(seen).toEqual(["Bearer test-key"]);
    expect(error).toBeInstanceOf(MaasApiError);
    expect((error as MaasApiError).status).toBe(401);

    const anonymous = createMaasClient(served.server.url);
    const missing = await anonymous.predict("no-such-model", [[1, 2, 3, 4]]).catch((e: unknown) => e);
    expect((missing as MaasApiError).status).toBe(404);
  });

  it("exposes the typed hono/client RPC client", async () => {
    const { rpc } = createMaasClient(served.server.url);
    const response = await rpc.v2.models[":name"].$get({ param: { name: "iris" } });
    expect(response.ok).toBe(true);
    const body = await response.json();
    // Typed from the route: no cast needed to read these.
    expect(body.outputs.map((o) => o.name)).toEqual(["probabilities", "label"]);
  });
});
