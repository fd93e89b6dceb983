import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { parseExact, post } from "./http.ts";
import { seedRegistry } from "./seed.ts";

beforeAll(async () => {
  await seedRegistry(env.MODELS);
});

describe("v2 inference against onnxruntime-node", () => {
  for (const testCase of inject("cases")) {
    it(testCase.title, async () => {
      const path = testCase.version
        ? `/v2/models/${testCase.model}/versions/${testCase.version}/infer`
        : `/v2/models/${testCase.model}/infer`;
      const response = await post(path, {
        id: "req-1",
        inputs: testCase.inputs,
        ...(testCase.outputs ? { outputs: testCase.outputs.map((name) => ({ name })) } : {}),
      });
      const text = await response.text();
      expect(response.status, text).toBe(200);
      const body = parseExact(text);
      expect(body.id).toBe("req-1");
      expect(body.model_name).toBe(testCase.model);
      expect(body.outputs.map((o: { name: string }) => o.name)).toEqual(testCase.expected.map((o) => o.name));
      for (const [i, expected] of testCase.expected.entries()) {
        const actual = body.outputs[i];
        expect(actual.datatype).toBe(expected.datatype);
        expect(actual.shape).toEqual(expected.shape);
        if (expected.datatype === "FP32") {
          const diff = Math.max(...expected.data.map((v, j) => Math.abs((v as number) - actual.data[j])));
          expect(diff).toBeLessThanOrEqual(1e-5);
        } else {
          expect(actual.data.map(String)).toEqual(expected.data.map(String));
        }
      }
    });
  }
});
