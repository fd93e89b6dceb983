/**
 * `maas predict` against a Worker on loopback (the trainer's Iris model): one record, an array of
 * records, a CSV file, a JSONL file, a v1 body, a v2 body — each answered like onnxruntime-node on
 * the same bytes — and --version / --alias with records and with v2 bodies.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeRecords } from "../../../functions/registry/feature-schema.ts";
import { DEFAULT_DATASET } from "../../../training/data/default-dataset.ts";
import { referencePredictions, serveIris, type ServedIris } from "../browser/served-iris.ts";
import { runCli, tempDir } from "../registry/helpers.ts";

type Prediction = { label: string; probabilities: Record<string, number> };

let served: ServedIris;
let dir: { path: string; remove: () => Promise<void> };
let records: Record<string, number>[];
let reference: Prediction[];
let csvLines: string[];

beforeAll(async () => {
  [served, dir] = await Promise.all([serveIris(), tempDir("maas-predict-")]);
  // Rows 1, 51 and 101 of the bundled file: one of each species.
  csvLines = readFileSync(DEFAULT_DATASET.path, "utf8").trim().split("\n");
  const header = csvLines[0].split(",");
  csvLines = [csvLines[0], csvLines[1], csvLines[51], csvLines[101]];
  records = csvLines.slice(1).map((line) => {
    const cells = line.split(",");
    return Object.fromEntries(header.flatMap((name, i) => (name === DEFAULT_DATASET.target ? [] : [[name, Number(cells[i])]])));
  });
  reference = (await referencePredictions(served.bytes, served.schema, records)) as Prediction[];
}, 120_000);

afterAll(async () => {
  await served?.stop();
  await dir?.remove();
});

async function predict(args: string[]): Promise<Record<string, unknown>> {
  const run = await runCli(["predict", "--url", served.server.url, "--model", "iris", "--json", ...args]);
  if (run.code !== 0) throw new Error(`maas predict ${args.join(" ")} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

function expectLikeReference(answer: Record<string, unknown>, rows: Prediction[]): void {
  const predictions = answer.predictions as Prediction[];
  expect(predictions.map((p) => p.label)).toEqual(rows.map((p) => p.label));
  predictions.forEach((p, i) => {
    for (const [label, value] of Object.entries(rows[i].probabilities)) expect(p.probabilities[label]).toBeCloseTo(value, 5);
  });
}

/** The v2 request for the records, encoded by hand from the feature schema's order (all numeric here). */
function v2Body(): Record<string, unknown> {
  const names = served.schema.features.map((f) => f.name);
  return { inputs: [{ name: served.schema.inputName, datatype: "FP32", shape: [records.length, names.length], data: records.flatMap((r) => names.map((n) => r[n])) }] };
}

async function referenceProbabilities(): Promise<number[]> {
  const session = await ort.InferenceSession.create(served.bytes);
  try {
    const encoded = encodeRecords(served.schema, records);
    const out = await session.run({ [served.schema.inputName]: new ort.Tensor("float32", encoded.data, [encoded.rows, encoded.cols]) });
    return Array.from(out[served.schema.outputs.probabilities!].data as Float32Array);
  } finally {
    await session.release();
  }
}

describe("maas predict takes", () => {
  it("one record, an array of records, a v1 body, a CSV file and a JSONL file", async () => {
    const csv = join(dir.path, "rows.csv");
    const jsonl = join(dir.path, "rows.jsonl");
    writeFileSync(csv, `${csvLines.join("\n")}\n`);
    writeFileSync(jsonl, `${records.map((r) => JSON.stringify(r)).join("\n")}\n`);
    const [one, many, v1, fromCsv, fromJsonl] = await Promise.all([
      predict(["--input", JSON.stringify(records[0])]),
      predict(["--input", JSON.stringify(records)]),
      predict(["--input", JSON.stringify({ instances: records })]),
      predict(["--data", csv, "--ignore", DEFAULT_DATASET.target]),
      predict(["--data", jsonl]),
    ]);
    expectLikeReference(one, reference.slice(0, 1));
    for (const answer of [many, v1, fromCsv, fromJsonl]) expectLikeReference(answer, reference);
  });

  it("a v2 body, from --input or a .json file, with --version or --alias", async () => {
    const file = join(dir.path, "v2.json");
    writeFileSync(file, JSON.stringify(v2Body()));
    const [plain, version, alias] = await Promise.all([
      predict(["--input", JSON.stringify(v2Body())]),
      predict(["--data", file, "--version", "1"]),
      predict(["--input", JSON.stringify(v2Body()), "--alias", "prod"]),
    ]);
    const expected = await referenceProbabilities();
    for (const answer of [plain, version, alias]) {
      expect(answer.model_version).toBe("1");
      const probabilities = (answer.outputs as Array<{ name: string; data: number[] }>).find((o) => o.name === served.schema.outputs.probabilities)!;
      probabilities.data.forEach((p, i) => expect(p).toBeCloseTo(expected[i], 5));
    }
  });

  it("records with --version or --alias (TensorFlow Serving's /versions/V and /labels/A paths)", async () => {
    const [version, alias] = await Promise.all([
      predict(["--input", JSON.stringify(records), "--version", "1"]),
      predict(["--input", JSON.stringify(records), "--alias", "prod"]),
    ]);
    for (const answer of [version, alias]) expectLikeReference(answer, reference);
  });

  it("refuses what it cannot send in one line: --version with --alias, a file of unknown kind", async () => {
    const both = await runCli(["predict", "--url", served.server.url, "--model", "iris", "--input", "{}", "--version", "1", "--alias", "prod"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe("maas predict: give --version or --alias, not both (see maas predict --help)\n");
    const kind = await runCli(["predict", "--url", served.server.url, "--model", "iris", "--data", join(dir.path, "rows.txt")]);
    expect(kind.code).toBe(1);
    expect(kind.stderr).toBe(`maas predict: --data ${join(dir.path, "rows.txt")}: expected a .csv, .jsonl or .json file\n`);
  });
});
