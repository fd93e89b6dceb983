/** A model made by our trainer, served by the Worker, answers exactly like onnxruntime-node. */
import { env } from "cloudflare:workers";
import { beforeAll, expect, inject, it } from "vitest";
import { call, json, post } from "./http.ts";
import { seedRegistry } from "./seed.ts";

beforeAll(async () => {
  await seedRegistry(env.MODELS);
});

type Prediction = { label: string; probabilities: Record<string, number> };

it("v1 :predict takes raw records and answers with the labels onnxruntime-node gives", async () => {
  const { records, expected, accuracy } = inject("trained");
  expect(accuracy).toBeGreaterThan(0.9); // the served model is a real one, not an untrained net
  const { status, body } = await json(await post("/v1/models/iris:predict", { instances: records }));
  expect(status).toBe(200);
  const predictions = body.predictions as Prediction[];
  expect(predictions.map((p) => p.label)).toEqual((expected as Prediction[]).map((p) => p.label));
  for (const [i, p] of predictions.entries()) {
    for (const [label, probability] of Object.entries((expected as Prediction[])[i].probabilities)) {
      expect(Math.abs(p.probabilities[label] - probability)).toBeLessThanOrEqual(1e-5);
    }
  }
});

it("raw records with numeric strings are accepted; a missing value is imputed only on request (iris never had one); garbage is a 400 naming the field", async () => {
  const { records } = inject("trained");
  const [first] = records as Record<string, unknown>[];
  const asStrings = Object.fromEntries(Object.entries(first).map(([k, v]) => [k, String(v)]));
  const [dropped] = Object.keys(first);
  const { [dropped]: _dropped, ...missingOne } = first;
  const ok = await json(await post("/v1/models/iris:predict", { instances: [asStrings] }));
  expect(ok.status).toBe(200);
  expect(ok.body.predictions).toHaveLength(1);
  const refused = await json(await post("/v1/models/iris:predict", { instances: [asStrings, missingOne] }));
  expect(refused.status).toBe(400);
  expect(refused.body.error).toContain(`record 1: missing feature "${dropped}"`);
  const imputed = await json(await post("/v1/models/iris:predict", { instances: [asStrings, missingOne], parameters: { missing: "impute" } }));
  expect(imputed.status).toBe(200);
  expect(imputed.body.adjustments).toEqual([null, { imputed: [dropped] }]);
  const bad = await json(await post("/v1/models/iris:predict", { instances: [{ ...first, [Object.keys(first)[1]]: "tall" }] }));
  expect(bad.status).toBe(400);
  expect(bad.body.error).toContain(`field "${Object.keys(first)[1]}"`);
});

it("metadata lists the class labels from the trainer", async () => {
  const { body } = await json(await call("/v2/models/iris"));
  expect(body.parameters.labels).toEqual(["setosa", "versicolor", "virginica"]);
  // The training curves and held-out confusion matrix travel in the model file, for model cards.
  const { history, confusion } = body.parameters.training;
  expect(history.length).toBeGreaterThan(1);
  expect(history.every((e: { trainLoss: number }) => Number.isFinite(e.trainLoss))).toBe(true);
  expect(history[history.length - 1].trainLoss).toBeLessThan(history[0].trainLoss);
  expect(confusion).toHaveLength(3);
  expect(confusion.every((row: number[]) => row.length === 3 && row.every((n) => Number.isInteger(n) && n >= 0))).toBe(true);
});
