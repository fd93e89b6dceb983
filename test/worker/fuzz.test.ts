/**
 * Property-based fuzzing of the whole Worker: 10,000+ generated malformed or hostile requests.
 * No 5xx other than the intended 503s, every error body is JSON `{"error": string}`, and a valid
 * request right after still answers like onnxruntime-node.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, expect, inject, it } from "vitest";
import type { Env } from "../../functions/env.ts";
import worker from "../../functions/index.ts";
import { generateApiKey, hashApiKey } from "../../functions/security/api-keys.ts";
import { maxAbsDiff } from "./http.ts";
import { seedRegistry } from "./seed.ts";

const RUNS = 10_000;
const key = generateApiKey();
let fuzzEnv: Env;

beforeAll(async () => {
  await seedRegistry(env.MODELS);
  fuzzEnv = {
    ...(env as unknown as Env),
    ALLOW_ANONYMOUS: "true",
    API_KEYS: JSON.stringify([{ name: "fuzz", hash: await hashApiKey(key), models: "*" }]),
    MAX_BODY_BYTES: "65536", // oversized bodies stay cheap to generate
  };
});

// ---- generators ----
const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("..", "../..", "%2e%2e", "%2F", "mlp/../datatypes", "mlp%00", "\u202e", "😀", "a".repeat(300), "", " ", "latest", "stable"),
);
// Weighted toward real models, so that most requests reach the inference path's validation.
const modelName = fc.oneof({ arbitrary: fc.constantFrom("mlp", "datatypes", "fixed"), weight: 6 }, { arbitrary: fc.constant("nope"), weight: 1 }, { arbitrary: hostileString, weight: 2 });
const version = fc.oneof(fc.constantFrom("1", "2", "latest", "stable", "9"), hostileString);

const path = fc.oneof(
  { arbitrary: fc.tuple(modelName).map(([m]) => `/v2/models/${encodeURIComponent(m)}/infer`), weight: 6 },
  fc.tuple(modelName, version).map(([m, v]) => `/v2/models/${encodeURIComponent(m)}/versions/${encodeURIComponent(v)}/infer`),
  fc.tuple(modelName, fc.constantFrom("", "/ready")).map(([m, s]) => `/v2/models/${encodeURIComponent(m)}${s}`),
  fc.tuple(modelName, fc.constantFrom(":predict", ":explain", "", "::")).map(([m, s]) => `/v1/models/${encodeURIComponent(m)}${s}`),
  fc.constantFrom("/v2", "/v2/models", "/v2/repository/index", "/v2/health/live", "/v2/health/ready"),
  hostileString.map((s) => `/${encodeURIComponent(s)}`),
  fc.webPath(),
);

const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(1e308, -1e308, 2 ** 64, -(2 ** 63), 5e-324, 0, -0));
const scalar = fc.oneof(number, fc.boolean(), fc.constant(null), hostileString);
const datatype = fc.oneof(fc.constantFrom("FP32", "FP16", "FP64", "INT64", "INT8", "UINT64", "BOOL", "BYTES", "fp32", ""), hostileString);
const shape = fc.oneof(
  fc.array(fc.integer({ min: -2, max: 8 }), { maxLength: 5 }),
  fc.array(fc.constantFrom(0, 1, 4, 2 ** 31, 1e9, 1.5, -1), { maxLength: 4 }),
  fc.constant([1, 4]),
);
const deep = fc.integer({ min: 1, max: 200 }).map((depth) => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
});
const data = fc.oneof(fc.array(scalar, { maxLength: 20 }), fc.array(fc.array(number, { maxLength: 6 }), { maxLength: 6 }), deep.map((d) => [d]), scalar);
const inferInput = fc.record(
  { name: fc.oneof({ arbitrary: fc.constantFrom("x", "v", "in_FP32"), weight: 4 }, hostileString), shape, datatype, data, parameters: fc.jsonValue({ maxDepth: 2 }) },
  { requiredKeys: ["name", "shape", "datatype", "data"] },
);
const inferBody = fc.record(
  {
    id: fc.oneof(hostileString, number),
    inputs: fc.oneof({ arbitrary: fc.array(inferInput, { minLength: 1, maxLength: 3 }), weight: 6 }, scalar),
    outputs: fc.array(fc.record({ name: hostileString }), { maxLength: 2 }),
    parameters: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ["inputs"] },
);
const body = fc.oneof(
  { arbitrary: inferBody.map((b) => JSON.stringify(b)), weight: 6 },
  fc.record({ instances: fc.oneof(fc.array(fc.oneof(data, fc.dictionary(hostileString, scalar)), { maxLength: 5 }), scalar) }).map((b) => JSON.stringify(b)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom("", "{", "[".repeat(100_000), "null", '{"inputs": [}', "\u0000"),
  fc.integer({ min: 65_537, max: 200_000 }).map((n) => `{"inputs":"${"x".repeat(n)}"}`),
);
const headers = fc.record(
  {
    "Content-Type": fc.constantFrom("application/json", "text/plain", "", "application/json; charset=utf-16"),
    Authorization: fc.oneof(
      { arbitrary: fc.constant(`Bearer ${key}`), weight: 3 },
      fc.constant("Bearer maas_nope"),
      fc.constant("Basic Zm9vOmJhcg=="),
      fc.string({ maxLength: 60 }),
    ),
    "X-Maas-Sticky-Key": fc.string({ maxLength: 30 }),
    Origin: fc.constantFrom("https://evil.example", "null"),
  },
  { requiredKeys: [] },
);
const request = fc.record({ method: fc.constantFrom("GET", "POST", "POST", "POST", "POST", "POST", "PUT", "DELETE", "OPTIONS", "HEAD"), path, body, headers });

it(`survives ${RUNS} hostile requests without unintended 5xx`, async () => {
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      const init: RequestInit = { method: r.method, headers: Object.fromEntries(Object.entries(r.headers).filter(([k, v]) => !(k === "Authorization" && !/^[\t\x20-\x7e]*$/.test(v)))) };
      if (r.method !== "GET" && r.method !== "HEAD") init.body = r.body;
      const ctx = createExecutionContext();
      const response = await worker.fetch(new Request(`http://maas.test${r.path}`, init), fuzzEnv, ctx);
      await waitOnExecutionContext(ctx);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const text = await response.text();
      if (response.status >= 500) expect(response.status, `${r.method} ${r.path}: ${text}`).toBe(503);
      if (response.status >= 400 && r.method !== "HEAD") {
        const parsed = JSON.parse(text);
        expect(Object.keys(parsed)).toEqual(["error"]);
        expect(typeof parsed.error).toBe("string");
      }
    }),
    { numRuns: RUNS, seed: 20261129 },
  );
  console.log(`fuzz status counts: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
  expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(RUNS);

  // And the Worker still answers a valid request correctly.
  const valid = inject("cases").find((c) => c.title === "mlp latest, batch 64")!;
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request("http://maas.test/v2/models/mlp/infer", { method: "POST", body: JSON.stringify({ inputs: valid.inputs }) }),
    fuzzEnv,
    ctx,
  );
  const result = await response.json<{ outputs: { data: number[] }[] }>();
  expect(response.status).toBe(200);
  expect(maxAbsDiff(valid.expected[1].data, result.outputs[1].data)).toBeLessThanOrEqual(1e-5);
}, 600_000);
