/**
 * `npm run bench:load [-- --seconds 30 --connections 64]`: the load test of the Worker (a
 * benchmark, bounded in time, loopback only). The built bundle runs on raw workerd; 64 concurrent
 * clients alternate between two models for 30 s. Every response must be a 200 with the right
 * model's answer shape; memory of the workerd process is reported before and after.
 * Exits non-zero when any request failed.
 */
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { buildBundle } from "./bundle.ts";
import { publish } from "./disk-registry.ts";
import { inputRows, mlp } from "./models.ts";
import { startServer } from "./server-process.ts";
import { compatibilityDateOf, writeWorkerdConfig } from "./workerd-config.ts";
import { WORKERD_BINARY } from "./workerd-binary.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "30" },
    connections: { type: "string", default: "64" },
    port: { type: "string", default: "18797" },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const port = Number(values.port);
const ROOT = resolve(import.meta.dirname, "../..");
const OUT = join(ROOT, "bench/out/load-test");
const BIN = join(ROOT, "node_modules/.bin");
process.env.PATH = `${BIN}:${process.env.PATH}`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
process.stderr.write("building the Worker bundle and publishing two models\n");
buildBundle(ROOT, join(OUT, "bundle"));
const models = [
  { name: "alpha", widths: [16, 64, 4] },
  { name: "beta", widths: [32, 128, 128, 8] },
];
for (const m of models) await publish(join(OUT, "registry"), m.name, mlp(m.name, m.widths).bytes);

const config = writeWorkerdConfig({
  bundleDir: join(OUT, "bundle"),
  registryDir: join(OUT, "registry"),
  port,
  vars: { ALLOW_ANONYMOUS: "true" },
  compatibilityDate: compatibilityDateOf(readFileSync(join(ROOT, "wrangler.toml"), "utf8")),
  path: join(OUT, "workerd.capnp"),
});
const server = await startServer(WORKERD_BINARY, ["serve", config], port, "/v2/health/live");
try {
  const requests = models.map((m) => ({
    method: "POST" as const,
    path: `/v2/models/${m.name}/infer`,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ inputs: [{ name: "x", datatype: "FP32", shape: [1, m.widths[0]], data: inputRows(m.widths, 1) }] }),
  }));
  const before = server.memory();
  const wrongAnswers: string[] = [];
  process.stderr.write(`load: ${connections} connections for ${seconds} s, alternating ${models.map((m) => m.name).join(" / ")}\n`);
  const result = await autocannon({
    url: server.baseUrl,
    connections,
    duration: seconds,
    timeout: 30,
    requests,
    setupClient: (client) => {
      let turn = 0;
      client.on("body", (body: Buffer) => {
        const model = models[turn++ % models.length];
        try {
          const parsed = JSON.parse(body.toString());
          const out = parsed.outputs?.[0];
          if (parsed.model_name !== model.name || out?.shape?.[1] !== model.widths[model.widths.length - 1]) wrongAnswers.push(body.toString().slice(0, 200));
        } catch {
          wrongAnswers.push(body.toString().slice(0, 200));
        }
      });
    },
  });
  const after = server.memory();
  const failures = result.non2xx + result.errors + result.timeouts;
  const summary = {
    connections,
    seconds: result.duration,
    requests: result.requests.total,
    requestsPerSecond: Math.round(result.requests.total / result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    wrongAnswers: wrongAnswers.length,
    memory: { rssBefore: mib(before.rssBytes), rssAfter: mib(after.rssBytes), peakRss: mib(after.peakRssBytes) },
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  if (failures > 0 || wrongAnswers.length > 0) {
    process.stderr.write(`load test FAILED: ${failures} failed requests, ${wrongAnswers.length} wrong answers ${wrongAnswers.slice(0, 3).join(" | ")}\n`);
    process.exitCode = 1;
  } else process.stderr.write("load test passed: zero errors\n");
} finally {
  await server.stop();
}
