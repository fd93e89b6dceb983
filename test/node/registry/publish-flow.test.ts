/**
 * push → infer → push v2 → alias moves → rollback → infer, a weighted split and sticky keys, all
 * through the real CLI and the real Worker (wrangler dev) on a fresh local store. Answers are
 * compared with onnxruntime-node running the same files.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalServer, type LocalServer } from "../../../scripts/registry/local-server.ts";
import { mlpModel } from "../../fixtures/models.ts";
import { inferV2, maxAbsDiff, referenceProbs, ROWS, runCli, runOk, tempDir, writeModel } from "./helpers.ts";

const TOLERANCE = 1e-5;

describe("publishing through the CLI, served by the Worker", () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: LocalServer;
  let env: Record<string, string>;
  const bytes = { v1: mlpModel(101), v2: mlpModel(202) };
  const files: Record<string, string> = {};
  const expected: Record<string, number[]> = {};

  beforeAll(async () => {
    dir = await tempDir("maas-flow-");
    env = { MAAS_STATE_DIR: `${dir.path}/state` };
    files.v1 = await writeModel(dir.path, "v1.onnx", bytes.v1);
    files.v2 = await writeModel(dir.path, "v2.onnx", bytes.v2);
    expected["1"] = await referenceProbs(bytes.v1, ROWS);
    expected["2"] = await referenceProbs(bytes.v2, ROWS);
    expect(maxAbsDiff(expected["1"], expected["2"])).toBeGreaterThan(0.01); // the versions are told apart by their answers
    server = await startLocalServer({ port: 0, stateDir: env.MAAS_STATE_DIR });
  });

  afterAll(async () => {
    await server?.stop();
    await dir?.remove();
  });

  async function answerOf(headers: Record<string, string> = {}): Promise<string> {
    const answer = await inferV2(server.url, "mlp", headers);
    expect(maxAbsDiff(answer.probs, expected[answer.model_version])).toBeLessThan(TOLERANCE);
    return answer.model_version;
  }

  it("push v1 is served", async () => {
    const push = await runOk(["push", files.v1, "--name", "mlp", "--json"], env);
    expect(JSON.parse(push.stdout)).toMatchObject({ version: "1", blobUploaded: true, aliases: ["latest"] });
    expect(await answerOf()).toBe("1");
  });

  it("push v2 moves latest; pushing the same bytes again changes nothing; other bytes under v2 are refused", async () => {
    await runOk(["push", files.v2, "--name", "mlp"], env);
    expect(await answerOf()).toBe("2");
    const again = JSON.parse((await runOk(["push", files.v2, "--name", "mlp", "--json"], env)).stdout);
    expect(again).toMatchObject({ version: "2", blobUploaded: false, manifestWritten: false, aliases: [] });
    const conflict = await runCli(["push", files.v1, "--name", "mlp", "--version", "2"], env);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(/already published with other bytes/);
    expect(await answerOf()).toBe("2");
  });

  it("maas predict sends rows with the v2 protocol and prints the answer", async () => {
    const run = await runOk(["predict", "--url", server.url, "--model", "mlp", "--input", JSON.stringify(ROWS), "--json"], env);
    const body = JSON.parse(run.stdout);
    expect(body.model_version).toBe("2");
    const probs = body.outputs.find((o: { name: string }) => o.name === "probs").data;
    expect(maxAbsDiff(probs, expected["2"])).toBeLessThan(TOLERANCE);
  });

  it("alias set moves latest, rollback goes back to the earlier version", async () => {
    await runOk(["alias", "set", "mlp", "latest", "1"], env);
    expect(await answerOf()).toBe("1");
    await runOk(["alias", "set", "mlp", "latest", "2"], env);
    expect(await answerOf()).toBe("2");
    const rollback = await runOk(["rollback", "mlp"], env);
    expect(rollback.stdout).toMatch(/2 -> 1/);
    expect(await answerOf()).toBe("1");
    const listing = JSON.parse((await runOk(["models", "--json"], env)).stdout);
    const latest = listing.models[0].aliases.find((a: { alias: string }) => a.alias === "latest");
    // pushes 1, 2, set 1, set 2, rollback: back on 1, and the entry it came from is consumed
    expect(latest).toMatchObject({ version: "1", history: ["2", "1"] });
  });

  it("a 75/25 split serves both versions in proportion", async () => {
    await runOk(["alias", "set", "mlp", "latest", "1=75,2=25"], env);
    // N = 400 independent draws with p = 0.25: sd = sqrt(p(1-p)/N) ≈ 0.0217; ±0.09 is > 4 sd.
    const N = 400;
    const versions: string[] = [];
    for (let i = 0; i < N; i += 20) versions.push(...(await Promise.all(Array.from({ length: 20 }, () => answerOf()))));
    const share = versions.filter((v) => v === "2").length / N;
    expect(versions.every((v) => v === "1" || v === "2")).toBe(true);
    expect(Math.abs(share - 0.25)).toBeLessThan(0.09);
  });

  it("a sticky key keeps its caller on one side of the split", async () => {
    const sideOf = new Map<string, Set<string>>();
    for (let k = 0; k < 60; k++) {
      const key = `user-${k}`;
      const seen = new Set(await Promise.all(Array.from({ length: 4 }, () => answerOf({ "X-Maas-Sticky-Key": key }))));
      sideOf.set(key, seen);
    }
    expect([...sideOf.values()].every((s) => s.size === 1)).toBe(true);
    const sides = new Set([...sideOf.values()].flatMap((s) => [...s]));
    expect(sides).toEqual(new Set(["1", "2"])); // 60 keys at 75/25: both sides get callers
  });

  it("rm is refused while an alias points at the version, allowed once it does not", async () => {
    const refused = await runCli(["rm", "mlp", "2"], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/in use by alias latest/);
    await runOk(["alias", "set", "mlp", "latest", "1"], env);
    await runOk(["rm", "mlp", "2"], env);
    const listing = JSON.parse((await runOk(["models", "--json"], env)).stdout);
    expect(listing.models[0].versions.map((v: { version: string }) => v.version)).toEqual(["1"]);
    expect(await answerOf()).toBe("1");
  });
});
