/**
 * A regression model made by our trainer, served: v2 answers `prediction` in the target's own units
 * like onnxruntime-node on the same file, and on rows the model never saw those predictions score
 * R² ≥ 0.98 computed here against the true targets (the un-scaling is in the served graph).
 */
import { env } from "cloudflare:workers";
import { beforeAll, expect, inject, it } from "vitest";
import { rSquared } from "../fixtures/metrics.ts";
import { json, post } from "./http.ts";
import { seedRegistry } from "./seed.ts";

beforeAll(async () => {
  await seedRegistry(env.MODELS);
});

it("v2 prediction in original units: like onnxruntime-node, and R² ≥ 0.98 on fresh rows", async () => {
  const { input, truth, expected } = inject("regression");
  const { status, body } = await json(await post("/v2/models/regression/infer", { inputs: [input] }));
  expect(status, JSON.stringify(body)).toBe(200);
  const output = body.outputs.find((o: { name: string }) => o.name === expected.name);
  expect(output.shape).toEqual(expected.shape);
  // float32 values in the thousands: within a few units in the last place of onnxruntime-node's.
  const worst = Math.max(...(expected.data as number[]).map((v, i) => Math.abs(v - output.data[i]) / Math.abs(v)));
  expect(worst).toBeLessThanOrEqual(2e-6);
  expect(Math.min(...output.data)).toBeGreaterThan(1000); // original units, not standardised ones
  expect(rSquared(truth, output.data)).toBeGreaterThanOrEqual(0.98);
});
