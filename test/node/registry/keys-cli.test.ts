/**
 * API keys end to end through the `maas` binary: `maas keys create` (key printed once, its SHA-256
 * entry appended to --file whole, refusals leaving the file as it was) and `maas serve
 * --require-key --keys` answering keyed calls like onnxruntime-node and refusing the rest — and
 * refusing to start on a keys file that repeats a hash.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { claimablePort } from "../../../scripts/registry/local-server.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mlpModel } from "../../fixtures/models.ts";
import { maxAbsDiff, referenceProbs, REPO, ROWS, runCli, runOk, tempDir, v2Request, writeModel } from "./helpers.ts";

const sha256 = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;

/** The CLI's refusal: exit 1 and one line on stderr. */
function expectRefusal(run: { code: number | null; stderr: string }, pattern: RegExp) {
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr.trim().split("\n"), run.stderr).toHaveLength(1);
  expect(run.stderr).toMatch(pattern);
}

describe("maas keys create", () => {
  let dir: { path: string; remove: () => Promise<void> };
  let file: string;

  beforeAll(async () => {
    dir = await tempDir("maas-keys-");
    file = join(dir.path, "keys.json");
  });
  afterAll(() => dir?.remove());

  it("prints a new key once and appends its hash entry to --file", async () => {
    const alice = JSON.parse((await runOk(["keys", "create", "--name", "alice", "--models", "mlp,iris", "--tier", "GOLD", "--file", file, "--json"])).stdout);
    expect(alice.key).toMatch(/^maas_[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    expect(alice.entry).toEqual({ name: "alice", hash: sha256(alice.key), models: ["mlp", "iris"], tier: "GOLD" });
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual([alice.entry]);

    const bob = await runOk(["keys", "create", "--name", "bob", "--file", file]);
    const bobKey = /^ {2}(maas_\S+)$/m.exec(bob.stdout)?.[1];
    expect(bobKey, bob.stdout).toBeDefined();
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual([alice.entry, { name: "bob", hash: sha256(bobKey!), models: "*" }]);
    expect(bob.stdout).toContain(`Added to ${file}`);
    expect(readdirSync(dir.path)).toEqual(["keys.json"]); // no temporary file left behind
  });

  it("refuses a taken name, a bad tier or model list, and a broken keys file — with one line, leaving the file as it was", async () => {
    const before = readFileSync(file, "utf8");
    expectRefusal(await runCli(["keys", "create", "--name", "alice", "--file", file]), new RegExp(`already has a key named "alice"`));
    expectRefusal(await runCli(["keys", "create", "--name", "carol", "--tier", "gold", "--file", file]), /invalid tier/);
    expectRefusal(await runCli(["keys", "create", "--name", "carol", "--models", ",", "--file", file]), /--models needs at least one model name/);
    // A usage error: one line too, exit 2 (the CLI's convention).
    const noName = await runCli(["keys", "create", "--file", file]);
    expect(noName.code, noName.stderr).toBe(2);
    expect(noName.stderr).toMatch(/^maas keys: --name NAME is required \(see maas keys --help\)\n$/);
    expect(readFileSync(file, "utf8")).toBe(before);

    const broken = join(dir.path, "broken.json");
    writeFileSync(broken, "[{");
    expectRefusal(await runCli(["keys", "create", "--name", "carol", "--file", broken]), /broken\.json: the keys file is not valid JSON/);
    expect(readFileSync(broken, "utf8")).toBe("[{");

    const repeated = join(dir.path, "repeated.json");
    const entries = JSON.parse(before);
    writeFileSync(repeated, JSON.stringify([entries[0], { ...entries[1], hash: entries[0].hash }]));
    expectRefusal(await runCli(["keys", "create", "--name", "carol", "--file", repeated]), /the keys file is malformed at 1\.hash: the same hash as entry 0/);
    expect(readdirSync(dir.path).sort()).toEqual(["broken.json", "keys.json", "repeated.json"]);
  });
});

/** `maas serve` until it says where it serves. */
function serve(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(REPO, "scripts/cli.ts"), "serve", ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk) => {
      stdout += chunk;
      const url = /^serving .* at (http:\/\/\S+) /m.exec(stdout)?.[1];
      if (url) resolve({ child, url });
    });
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.on("exit", (code) => reject(new Error(`maas serve exited with ${code}: ${stderr.slice(-500)}`)));
  });
}

describe("maas serve --require-key --keys", () => {
  let dir: { path: string; remove: () => Promise<void> };
  let env: Record<string, string>;
  let server: { child: ChildProcess; url: string } | undefined;
  let aliceKey: string;
  let rootKey: string;
  const model = mlpModel(5);

  beforeAll(async () => {
    dir = await tempDir("maas-serve-keys-");
    env = { MAAS_STATE_DIR: join(dir.path, "state") };
    const file = await writeModel(dir.path, "mlp.onnx", model);
    await runOk(["push", file, "--name", "mlp"], env);
    await runOk(["push", file, "--name", "other"], env);
    const keys = join(dir.path, "keys.json");
    aliceKey = JSON.parse((await runOk(["keys", "create", "--name", "alice", "--models", "mlp", "--file", keys, "--json"])).stdout).key;
    rootKey = JSON.parse((await runOk(["keys", "create", "--name", "root", "--file", keys, "--json"])).stdout).key;
    server = await serve(["--require-key", "--keys", keys, "--port", String(await claimablePort(0))], env);
  }, 180_000);

  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      const exited = new Promise((resolve) => server!.child.once("exit", resolve));
      server.child.kill("SIGINT");
      await exited;
    }
    await dir?.remove();
  });

  const infer = (name: string, headers: Record<string, string>) =>
    fetch(`${server!.url}/v2/models/${name}/infer`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(v2Request(ROWS)) });

  it("a key answers the models it may call like onnxruntime-node", async () => {
    const expected = await referenceProbs(model, ROWS);
    for (const [key, name] of [[aliceKey, "mlp"], [rootKey, "other"]]) {
      const response = await infer(name, { Authorization: `Bearer ${key}` });
      const body = (await response.json()) as { outputs: Array<{ name: string; data: number[] }> };
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(maxAbsDiff(expected, body.outputs.find((o) => o.name === "probs")!.data)).toBeLessThanOrEqual(1e-5);
    }
  });

  it("refuses another model (403), no key and a wrong key (401)", async () => {
    const forbidden = await infer("other", { Authorization: `Bearer ${aliceKey}` });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toEqual({ error: 'API key "alice" may not call model "other"' });
    const anonymous = await infer("mlp", {});
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: string }).error).toMatch(/needs an API key/);
    const wrong = await infer("mlp", { Authorization: `Bearer ${aliceKey.slice(0, -1)}x` });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: "invalid API key" });
  });

  it("will not start on a keys file that repeats a hash", async () => {
    const repeated = join(dir.path, "repeated.json");
    const entries = JSON.parse(readFileSync(join(dir.path, "keys.json"), "utf8"));
    writeFileSync(repeated, JSON.stringify([entries[0], { ...entries[1], hash: entries[0].hash }]));
    const run = await runCli(["serve", "--require-key", "--keys", repeated, "--port", String(await claimablePort(0))], env);
    expectRefusal(run, /--keys .*repeated\.json: the keys file is malformed at 1\.hash: the same hash as entry 0/);
  });
});
