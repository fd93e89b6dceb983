/**
 * `--remote` against a real S3-compatible server (s3rver, from npm) on loopback: the same
 * publishing code through the S3 adapter, plus the adapter's multipart upload, paging and delimiters.
 */
import { createHash } from "node:crypto";
import { AwsClient } from "aws4fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Bucket } from "../../../scripts/registry/s3-bucket.ts";
import { mlpModel } from "../../fixtures/models.ts";
import { runCli, runOk, tempDir, writeModel } from "./helpers.ts";
import { S3_CREDENTIALS as CREDENTIALS, startS3Server, type S3Server } from "./s3-server.ts";

const BUCKET = "maas-remote-test";

describe("maas push --remote (S3 API on loopback)", () => {
  let s3: S3Server;
  let dir: { path: string; remove: () => Promise<void> };
  let env: Record<string, string>;

  beforeAll(async () => {
    s3 = await startS3Server();
    // The bucket is made through the API with the server's key; an unknown key is refused.
    const client = new AwsClient({ ...CREDENTIALS, service: "s3", region: "us-east-1" });
    const refused = await new AwsClient({ accessKeyId: "unknown", secretAccessKey: "x", service: "s3", region: "us-east-1" }).fetch(`${s3.endpoint}/${BUCKET}`, { method: "PUT" });
    expect(refused.status).toBe(403);
    const created = await client.fetch(`${s3.endpoint}/${BUCKET}`, { method: "PUT" });
    expect(created.status).toBe(200);
    dir = await tempDir("maas-remote-");
    env = {
      R2_ENDPOINT: s3.endpoint,
      R2_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      R2_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      R2_BUCKET: BUCKET,
      R2_REGION: "us-east-1",
      // A local store that must stay untouched by --remote commands.
      MAAS_STATE_DIR: `${dir.path}/local-state`,
    };
  });

  afterAll(async () => {
    await s3?.close();
    await dir?.remove();
  });

  it("push, models, alias split, rollback and rm work remotely with the registry layout", async () => {
    const v1 = await writeModel(dir.path, "v1.onnx", mlpModel(1));
    const v2 = await writeModel(dir.path, "v2.onnx", mlpModel(2));
    expect(JSON.parse((await runOk(["push", v1, "--name", "mlp", "--remote", "--json"], env)).stdout)).toMatchObject({ version: "1", blobUploaded: true });
    expect(JSON.parse((await runOk(["push", v2, "--name", "mlp", "--remote", "--alias", "latest", "--alias", "canary", "--json"], env)).stdout)).toMatchObject({
      version: "2",
      aliases: ["latest", "canary"],
    });
    const again = JSON.parse((await runOk(["push", v2, "--name", "mlp", "--remote", "--json"], env)).stdout);
    expect(again).toMatchObject({ version: "2", blobUploaded: false, manifestWritten: false });

    await runOk(["alias", "set", "mlp", "latest", "--split", "1=90,2=10", "--remote"], env);
    let models = JSON.parse((await runOk(["models", "--remote", "--json"], env)).stdout).models;
    expect(models).toHaveLength(1);
    expect(models[0].versions.map((v: { version: string; bytes: number }) => [v.version, v.bytes])).toEqual([
      ["1", mlpModel(1).byteLength],
      ["2", mlpModel(2).byteLength],
    ]);
    expect(models[0].aliases.find((a: { alias: string }) => a.alias === "latest").split).toEqual([
      { version: "1", weight: 90 },
      { version: "2", weight: 10 },
    ]);

    await runOk(["rollback", "mlp", "--remote"], env);
    const refused = await runCli(["rm", "mlp", "2", "--remote"], env); // latest and canary are on 2
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    models = JSON.parse((await runOk(["models", "--remote", "--json"], env)).stdout).models;
    expect(models[0].aliases.find((a: { alias: string }) => a.alias === "latest")).toMatchObject({ version: "2" });
    expect(models[0].aliases.find((a: { alias: string }) => a.alias === "latest").split).toBeUndefined();

    // The objects sit under the registry's keys, blob content-addressed.
    const bucket = new S3Bucket({ endpoint: s3.endpoint, bucket: BUCKET, ...CREDENTIALS, region: "us-east-1" });
    const sha = createHash("sha256").update(mlpModel(1)).digest("hex");
    const blob = await bucket.get(`models/mlp/blobs/${sha}.onnx`);
    expect(Buffer.from(await blob!.arrayBuffer()).equals(Buffer.from(mlpModel(1)))).toBe(true);

    // --remote never touched the local store.
    const local = JSON.parse((await runOk(["models", "--json"], env)).stdout);
    expect(local.models).toEqual([]);
  });

  it("large bodies go up as a multipart upload and come back identical", async () => {
    const bucket = new S3Bucket({ endpoint: s3.endpoint, bucket: BUCKET, ...CREDENTIALS, region: "us-east-1", multipartThreshold: 5 * 2 ** 20, partSize: 5 * 2 ** 20 });
    const bytes = new Uint8Array(11 * 2 ** 20 + 123);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i / 4096) % 251;
    const stored = await bucket.put("big/blob.bin", bytes);
    expect(stored.size).toBe(bytes.length);
    // The server assembled it from a multipart upload ("Post"), not a single PUT.
    expect(s3.eventsFor("big/blob.bin")).toEqual(["Post"]);
    const back = await bucket.get("big/blob.bin");
    expect(createHash("sha256").update(new Uint8Array(await back!.arrayBuffer())).digest("hex")).toBe(createHash("sha256").update(bytes).digest("hex"));
    await bucket.delete("big/blob.bin");
    expect(await bucket.head("big/blob.bin")).toBeNull();
  });

  it("lists in pages with a cursor and groups by delimiter", async () => {
    const bucket = new S3Bucket({ endpoint: s3.endpoint, bucket: BUCKET, ...CREDENTIALS, region: "us-east-1" });
    const keys = ["paging/a&b.json", "paging/c.json", "paging/d.json", "paging/sub/e.json", "paging/sub/f.json"];
    for (const key of keys) await bucket.put(key, "{}");
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await bucket.list({ prefix: "paging/", limit: 2, cursor });
      seen.push(...page.objects.map((o) => o.key));
      cursor = page.truncated ? page.cursor : undefined;
      pages++;
    } while (cursor);
    expect(seen.sort()).toEqual(keys.sort());
    expect(pages).toBe(3);
    const grouped = await bucket.list({ prefix: "paging/", delimiter: "/" });
    expect(grouped.objects.map((o) => o.key).sort()).toEqual(["paging/a&b.json", "paging/c.json", "paging/d.json"]);
    expect(grouped.delimitedPrefixes).toEqual(["paging/sub/"]);
  });

  it("without credentials, --remote is one line and exit 1", async () => {
    const run = await runCli(["models", "--remote"], { R2_ACCESS_KEY_ID: "", R2_SECRET_ACCESS_KEY: "", R2_ENDPOINT: "", R2_ACCOUNT_ID: "" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^maas models: --remote needs credentials: .*\n$/);
  });
});
