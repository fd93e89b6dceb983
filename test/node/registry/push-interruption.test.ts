/**
 * A push killed (SIGKILL) after its blob, and again after its manifest, leaves the Worker serving
 * the previous version; running the same push again completes it. The push process pauses at the
 * step (MAAS_PUSH_PAUSE_AT) and the test kills it there — a real kill, nothing cleaned up.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blobKey } from "../../../functions/registry/layout.ts";
import { readAlias, readManifest } from "../../../functions/registry/store.ts";
import { sha256Hex } from "../../../scripts/registry/inspect-model.ts";
import { openLocalBucket } from "../../../scripts/registry/local-bucket.ts";
import { startLocalServer, type LocalServer } from "../../../scripts/registry/local-server.ts";
import { mlpModel } from "../../fixtures/models.ts";
import { inferV2, maxAbsDiff, referenceProbs, REPO, ROWS, runOk, tempDir, writeModel } from "./helpers.ts";

/** Starts a push that pauses at `step`, waits until it says so, then kills it (and its children) with SIGKILL. */
function killPushAt(step: string, file: string, env: Record<string, string>): Promise<NodeJS.Signals | null> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(REPO, "scripts/cli.ts"), "push", file, "--name", "mlp"], {
      cwd: REPO,
      env: { ...process.env, ...env, MAAS_PUSH_PAUSE_AT: step },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, killed whole: the push and the workerd its local store runs.
      detached: true,
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
      if (stderr.includes(`paused ${step}`)) process.kill(-child.pid!, "SIGKILL");
    });
    child.once("close", (code, signal) => (signal ? done(signal) : fail(new Error(`push ended by itself (${code}): ${stderr}`))));
  });
}

describe("an interrupted push", () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: LocalServer;
  let env: Record<string, string>;
  const v1 = mlpModel(303);
  const v2 = mlpModel(404);
  let expected: Record<string, number[]>;

  beforeAll(async () => {
    dir = await tempDir("maas-interrupt-");
    env = { MAAS_STATE_DIR: `${dir.path}/state` };
    expected = { "1": await referenceProbs(v1, ROWS), "2": await referenceProbs(v2, ROWS) };
    await runOk(["push", await writeModel(dir.path, "v1.onnx", v1), "--name", "mlp"], env);
    server = await startLocalServer({ port: 0, stateDir: env.MAAS_STATE_DIR });
  });

  afterAll(async () => {
    await server?.stop();
    await dir?.remove();
  });

  async function served(): Promise<string> {
    const answer = await inferV2(server.url, "mlp");
    expect(maxAbsDiff(answer.probs, expected[answer.model_version])).toBeLessThan(1e-5);
    return answer.model_version;
  }

  async function storeState() {
    const opened = await openLocalBucket(env.MAAS_STATE_DIR);
    try {
      return {
        blob: (await opened.bucket.head(blobKey("mlp", sha256Hex(v2)))) !== null,
        manifest: (await readManifest(opened.bucket, "mlp", "2")) !== undefined,
        latest: (await readAlias(opened.bucket, "mlp", "latest"))!.version,
      };
    } finally {
      await opened.close();
    }
  }

  it("killed after the blob and after the manifest, v1 keeps answering; a rerun completes v2", async () => {
    const file = await writeModel(dir.path, "v2.onnx", v2);
    expect(await served()).toBe("1");

    expect(await killPushAt("after-blob", file, env)).toBe("SIGKILL");
    expect(await storeState()).toEqual({ blob: true, manifest: false, latest: "1" });
    expect(await served()).toBe("1");

    expect(await killPushAt("after-manifest", file, env)).toBe("SIGKILL");
    expect(await storeState()).toEqual({ blob: true, manifest: true, latest: "1" });
    expect(await served()).toBe("1");

    const rerun = JSON.parse((await runOk(["push", file, "--name", "mlp", "--json"], env)).stdout);
    expect(rerun).toMatchObject({ version: "2", blobUploaded: false, manifestWritten: false, aliases: ["latest"] });
    expect(await storeState()).toEqual({ blob: true, manifest: true, latest: "2" });
    expect(await served()).toBe("2");
  });
});
