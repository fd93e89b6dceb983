/**
 * `npm start` (maas start) as a new user runs it, on a fresh local store: it trains, quantizes
 * (int8-dynamic) and publishes the default model, serves it, and prints a curl line that answers —
 * like onnxruntime-node on the published file. The served file is at most 0.3x the fp32 one, with
 * the same accuracy on the held-out rows (scored here with onnxruntime-node). A second start reuses
 * what is published.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { claimablePort } from "../../../scripts/registry/local-server.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFeatureSchema } from "../../../functions/registry/feature-schema.ts";
import { DEFAULT_MODEL_DATA, DEFAULT_MODEL_NAME, DEFAULT_MODEL_QUANTIZATION } from "../../../scripts/registry/default-model.ts";
import { parse } from "csv-parse/sync";
import { decodeModel } from "../../../training/onnx/model-io.ts";
import { referencePredictions } from "../browser/served-iris.ts";
import { REPO, tempDir } from "../registry/helpers.ts";

interface Started {
  child: ChildProcess;
  stdout: string;
  stderr: string;
}

/** Runs `maas start` until it has printed its answer (or exited). */
function start(stateDir: string, port: number): Promise<Started> {
  const child = spawn(process.execPath, [join(REPO, "scripts/cli.ts"), "start", "--port", String(port)], {
    cwd: REPO,
    env: { ...process.env, MAAS_STATE_DIR: stateDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const started: Started = { child, stdout: "", stderr: "" };
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk) => {
      started.stdout += chunk;
      if (/^answer: .*\n/m.test(started.stdout)) resolve(started);
    });
    child.stderr!.on("data", (chunk) => (started.stderr += chunk));
    child.on("exit", (code) => reject(new Error(`maas start exited with ${code}: ${started.stderr.slice(-500)}`)));
  });
}

async function stop(started: Started | undefined): Promise<void> {
  if (!started || started.child.exitCode !== null) return;
  const exited = new Promise((resolve) => started.child.once("exit", resolve));
  started.child.kill("SIGINT");
  await exited;
}

/** The request in the printed curl line: URL and JSON body. */
function printedCurl(stdout: string): { url: string; body: string } {
  const match = /^curl -s (\S+) -H 'Content-Type: application\/json' -d '(.*)'$/m.exec(stdout);
  if (!match) throw new Error(`no curl line in:\n${stdout}`);
  return { url: match[1], body: match[2] };
}

describe("npm start on a fresh store", () => {
  let state: { path: string; remove: () => Promise<void> };
  let first: Started | undefined;
  let port: number;

  beforeAll(async () => {
    state = await tempDir("maas-start-");
    port = await claimablePort(0);
    first = await start(state.path, port);
  }, 180_000);

  afterAll(async () => {
    await stop(first);
    await state?.remove();
  });

  it("trains, quantizes to int8-dynamic, publishes, and says so", () => {
    expect(first!.stderr).toMatch(/\[2\/4\] no breast-cancer model yet: training/);
    expect(first!.stderr).toMatch(new RegExp(`quantized to ${DEFAULT_MODEL_QUANTIZATION} in [\\d.]+ s: [\\d.]+ KiB -> [\\d.]+ KiB \\(0\\.[0-2]\\dx\\)`));
    expect(first!.stderr).toMatch(/accuracy on 113 held-out rows: fp32 (0\.\d+|1\.000), int8-dynamic (0\.\d+|1\.000)/);
    expect(first!.stdout).toMatch(new RegExp(`ready in [\\d.]+ s: breast-cancer version 1 at http://127\\.0\\.0\\.1:${port}`));
  });

  it("serves an int8-dynamic file at most 0.3x the fp32 one, with the same held-out accuracy in onnxruntime-node", async () => {
    const dir = join(state.path, "models", DEFAULT_MODEL_NAME);
    const fp32 = new Uint8Array(readFileSync(join(dir, "model.onnx")));
    const served = new Uint8Array(readFileSync(join(dir, `model.${DEFAULT_MODEL_QUANTIZATION}.onnx`)));
    expect(served.length / fp32.length).toBeLessThanOrEqual(0.3);
    // The held-out rows, read here from the CSV: every 5th row, which training never saw.
    const rows = (parse(readFileSync(DEFAULT_MODEL_DATA.path, "utf8"), { columns: true }) as Record<string, string>[]).filter((_, i) => i % 5 === 4);
    const records = rows.map(({ diagnosis: _, ...features }) => Object.fromEntries(Object.entries(features).map(([k, v]) => [k, Number(v)])));
    const accuracy = async (bytes: Uint8Array): Promise<number> => {
      const metadata = Object.fromEntries((decodeModel(bytes).metadataProps ?? []).map((p) => [p.key!, p.value!]));
      const predictions = (await referencePredictions(bytes, parseFeatureSchema(metadata)!, records)) as Array<{ label: string }>;
      return predictions.filter((p, i) => p.label === rows[i].diagnosis).length / rows.length;
    };
    const [before, after] = [await accuracy(fp32), await accuracy(served)];
    expect(rows.length).toBe(113);
    expect(before).toBeGreaterThan(0.9);
    expect(after).toBe(before);
  });

  it("prints a curl line that answers like onnxruntime-node on the published file", async () => {
    const { url, body } = printedCurl(first!.stdout);
    const response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { predictions: Array<{ label: string; probabilities: Record<string, number> }> };
    expect(JSON.stringify(answer)).toBe(/^answer: (.*)$/m.exec(first!.stdout)![1]);

    const published = new Uint8Array(readFileSync(join(state.path, "models", DEFAULT_MODEL_NAME, `model.${DEFAULT_MODEL_QUANTIZATION}.onnx`)));
    const metadata = Object.fromEntries((decodeModel(published).metadataProps ?? []).map((p) => [p.key!, p.value!]));
    const schema = parseFeatureSchema(metadata)!;
    const [expected] = (await referencePredictions(published, schema, JSON.parse(body).instances)) as typeof answer.predictions;
    expect(answer.predictions[0].label).toBe(expected.label);
    for (const [label, p] of Object.entries(expected.probabilities)) expect(answer.predictions[0].probabilities[label]).toBeCloseTo(p, 5);

    const metadataAnswer = (await (await fetch(`http://127.0.0.1:${port}/v2/models/${DEFAULT_MODEL_NAME}`)).json()) as { parameters: { quantization?: string } };
    expect(metadataAnswer.parameters.quantization).toBe(DEFAULT_MODEL_QUANTIZATION);
  });

  it("a second start reuses the published model, on any free port with --port 0", async () => {
    await stop(first);
    first = undefined;
    const again = await start(state.path, 0);
    try {
      expect(again.stderr).toMatch(/breast-cancer version 1 is published \(int8-dynamic, [\d.]+ KiB\): reusing it/);
      expect(again.stderr).not.toMatch(/training/);
      const taken = Number(/ready in [\d.]+ s: .* at http:\/\/127\.0\.0\.1:(\d+) /.exec(again.stdout)?.[1]);
      expect(taken).toBeGreaterThan(0);
      const { url, body } = printedCurl(again.stdout);
      expect(new URL(url).port).toBe(String(taken));
      expect((await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body })).status).toBe(200);
    } finally {
      await stop(again);
    }
  }, 180_000);
});
