/**
 * `npm run bench [-- --quick]`: the Worker (built bundle on raw workerd) side by side with a Node
 * server on onnxruntime-node, driven by the same load generator on loopback. Writes
 * bench/results.json and docs/performance.md and prints a table. A benchmark, not a test: nothing
 * here asserts a timing; goals are reported as met or not.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem, release } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { decodeModel, encodeModel } from "../../training/onnx/model-io.ts";
import { quantizeModel } from "../../training/compress/quantize.ts";
import { generateApiKey, hashApiKey } from "../../functions/security/api-keys.ts";
import { buildBundle, measureBundle } from "./bundle.ts";
import { measureColdStart, medianColdStart } from "./cold-start.ts";
import { publish, type Published } from "./disk-registry.ts";
import { measureIsolatePeak, readIsolateMemory, type IsolateMemory } from "./isolate-memory.ts";
import { measureLoad, medianRound, type LoadResult } from "./load.ts";
import { measureModelSwitch, switchBudgetMib, type SwitchModel } from "./model-switch.ts";
import { mlp } from "./models.ts";
import { measureOrtModes } from "./ort-modes.ts";
import { evaluateFloors, evaluateGoals, evaluateReported, performanceMarkdown, printTable, withReadmeSummary, type BenchResults, type LoadRow } from "./report.ts";
import { checkPeerAnswers } from "./peer-check.ts";
import { benchConfig, LOAD_SCENARIOS, peerServes, peerWithFeaturesServes, requestBody, requestPath } from "./scenarios.ts";
import { startServer, type ServerProcess } from "./server-process.ts";
import { compatibilityDateOf, writeWorkerdConfig } from "./workerd-config.ts";
import { loadRunPinning, onCpus, pinThisProcess } from "./cpu-pinning.ts";
import { WORKERD_BINARY } from "./workerd-binary.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    out: { type: "string", default: "bench/results.json" },
    docs: { type: "string", default: "docs/performance.md" },
    readme: { type: "string", default: "README.md" },
  },
});
const config = benchConfig(values.quick!);
const ROOT = resolve(import.meta.dirname, "../..");
const OUT = join(ROOT, "bench/out");
const BIN = join(ROOT, "node_modules/.bin");
const WORKER_PORT = 18787;
const NODE_PORT = 18788;
const BARE_PORT = 18789;
const INSPECTOR_PORT = 18790;
const PEER_PORT = 18791;
const PEER_FEATURES_PORT = 18792;
const FLOOR_PORT = 18793;
/** Fresh processes per cold start figure (the median is reported). */
const COLD_PROCESSES = 3;
/** Fresh processes of each kind for the start-up figures (startupRounds; medians are reported). */
const STARTUP_ROUNDS = 5;
const started = Date.now();
const loadAverageAtStart = loadavg();

function step(text: string): void {
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${text}\n`);
}

step("building the Worker bundle (wrangler deploy --dry-run)");
const bundleDir = join(OUT, "bundle");
process.env.PATH = `${BIN}:${process.env.PATH}`;
buildBundle(ROOT, bundleDir);
const bundle = measureBundle(bundleDir);
step("building the peer Worker's bundle the same way (scripts/bench/peer-worker/)");
const peerBundleDir = join(OUT, "peer-bundle");
buildBundle(ROOT, peerBundleDir, join(import.meta.dirname, "peer-worker/wrangler.toml"));
step("building the peer with our features (scripts/bench/peer-features-worker/) and ORT's start alone (scripts/bench/ort-start-worker/)");
const peerFeaturesBundleDir = join(OUT, "peer-features-bundle");
buildBundle(ROOT, peerFeaturesBundleDir, join(import.meta.dirname, "peer-features-worker/wrangler.toml"));
const ortStartBundleDir = join(OUT, "ort-start-bundle");
buildBundle(ROOT, ortStartBundleDir, join(import.meta.dirname, "ort-start-worker/wrangler.toml"));

step("publishing the models into the directory store");
const registryDir = join(OUT, "registry");
rmSync(registryDir, { recursive: true, force: true });
mkdirSync(registryDir, { recursive: true });
const small = mlp("small", config.small);
const large = mlp("large", config.large);
const served = [await publish(registryDir, "small", small.bytes), await publish(registryDir, "large", large.bytes)];
const coldModels: { label: string; name: string; widths: readonly number[]; bytes: number; published: Published }[] = [];
for (const cold of config.cold) {
  const model = cold.widths.join("-") === config.large.join("-") ? large : mlp(`cold-${cold.label}`, cold.widths);
  const name = `cold-${cold.label.replace(/\s+/g, "").toLowerCase()}`;
  coldModels.push({ label: cold.label, name, widths: cold.widths, bytes: model.bytes.byteLength, published: await publish(registryDir, name, model.bytes) });
}
// The largest cold model quantized: the "quantized model served within 128 MB" case. int8 keeps
// DequantizeLinear → MatMul (onnxruntime-web folds it back to fp32 at load); int8-dynamic runs
// MatMulInteger on the int8 weights.
for (const mode of ["int8", "int8-dynamic"] as const) {
  const largest = config.cold[config.cold.length - 1];
  const proto = decodeModel(mlp(mode, largest.widths).bytes);
  quantizeModel(proto, { mode, blockSize: 32, perTensor: false, minElements: 0, keepBias: true });
  const bytes = encodeModel(proto);
  const name = `cold-${mode}`;
  coldModels.push({ label: `${largest.label} ${mode}`, name, widths: largest.widths, bytes: bytes.byteLength, published: await publish(registryDir, name, bytes) });
}
// The peer reads each model's bytes from R2 under a plain key, as its developer would store them.
mkdirSync(join(registryDir, "peer"), { recursive: true });
for (const p of served) copyFileSync(p.blobPath, join(registryDir, "peer", `${p.name}.onnx`));
const nodeModelsJson = join(OUT, "node-models.json");
writeFileSync(nodeModelsJson, JSON.stringify(Object.fromEntries([...served, ...coldModels.map((m) => m.published)].map((p) => [p.name, p.blobPath]))));

const wranglerToml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
// The load runs call the Worker as deployed: with an API key (anonymous calls refused), the
// rate-limit bindings (a limit the load cannot reach), the request log on, request ids,
// secure headers and Server-Timing (always on).
const apiKey = generateApiKey();
const AS_DEPLOYED = {
  ALLOW_ANONYMOUS: "false",
  API_KEYS: JSON.stringify([{ name: "bench", hash: await hashApiKey(apiKey), models: "*" }]),
  REQUEST_LOG: "all",
  BENCH_RATE_LIMIT: "1000000000/60",
};
// The peer with our features gets the same key and rate-limit bindings as the Worker.
const PEERS = [
  { name: "peer", bundleDir: peerBundleDir, port: PEER_PORT },
  { name: "peerFeatures", bundleDir: peerFeaturesBundleDir, port: PEER_FEATURES_PORT, vars: { PEER_API_KEY: apiKey, BENCH_RATE_LIMIT: AS_DEPLOYED.BENCH_RATE_LIMIT } },
];
const workerdConfig = (port: number, barePort?: number, codeOnly = false, budgetMib = 4096, asDeployed = false, main = bundleDir) =>
  writeWorkerdConfig({
    bundleDir: main,
    registryDir,
    port,
    barePort,
    ...(asDeployed ? { peers: PEERS, featuresFloorPort: FLOOR_PORT } : {}),
    // Cold starts: anonymous calls, no rate-limit bindings, and (by default) room for the 100 MB model in the session cache.
    vars: { ...(asDeployed ? AS_DEPLOYED : { ALLOW_ANONYMOUS: "true" }), MODEL_CACHE_BUDGET_MB: String(budgetMib) },
    compatibilityDate: compatibilityDateOf(wranglerToml),
    path: join(OUT, `workerd-${port}${codeOnly ? "-code-only" : ""}${main === bundleDir ? "" : "-ort-start"}${budgetMib === 4096 ? "" : `-budget-${budgetMib}`}${asDeployed ? "-load" : ""}.capnp`),
    codeOnly,
  });
// The load runs' workerd (as deployed, with the peers) runs on a core of its own; see cpu-pinning.ts.
const pinning = loadRunPinning();
const startWorker = (port: number, barePort?: number, codeOnly = false, inspectorPort?: number, budgetMib?: number, asDeployed = false, main = bundleDir): Promise<ServerProcess> =>
  startServer(
    ...onCpus(asDeployed ? pinning?.serverCpus : undefined, WORKERD_BINARY, [
      "serve",
      workerdConfig(port, barePort, codeOnly, budgetMib, asDeployed, main),
      ...(inspectorPort ? [`--inspector-addr=127.0.0.1:${inspectorPort}`] : []),
    ]),
    port,
    "/v2/health/live",
  );
const startNode = (port: number): Promise<ServerProcess> =>
  startServer(process.execPath, [join(import.meta.dirname, "node-server.ts"), String(port), nodeModelsJson], port, "/v2/health/live");

step(`load runs: worker, peer worker and node taking turns, ${config.rounds} round(s) per scenario`);
const load: LoadRow[] = [];
type Side = "worker" | "peer" | "peerWithFeatures" | "node";
let bareWorkerdPing: LoadResult | undefined;
let featuresFloorPing: LoadResult | undefined;
{
  const worker = await startWorker(WORKER_PORT, BARE_PORT, false, undefined, undefined, true);
  const node = await startNode(NODE_PORT);
  const peerUrl = `http://127.0.0.1:${PEER_PORT}`;
  const peerFeaturesUrl = `http://127.0.0.1:${PEER_FEATURES_PORT}`;
  // Node (started above, before this) keeps every core: its figures are the native reference as a user runs it.
  if (pinning) pinThisProcess(pinning.generatorCpus);
  try {
    step("  checking the peer's and the Worker's answers against onnxruntime-node's");
    await checkPeerAnswers({ worker: worker.baseUrl, peer: peerUrl, peerWithFeatures: peerFeaturesUrl, node: node.baseUrl }, config.small, `Bearer ${apiKey}`);
    for (const scenario of LOAD_SCENARIOS) {
      const widths = scenario.model === "large" ? config.large : config.small;
      const request = requestBody(scenario, widths, { authorization: `Bearer ${apiKey}` });
      const durationSeconds = config.durationSeconds * (scenario.durationFactor ?? 1);
      const peers = [...(peerServes(scenario) ? [["peer", peerUrl]] : []), ...(peerWithFeaturesServes(scenario) ? [["peerWithFeatures", peerFeaturesUrl]] : [])];
      const sides = [["worker", worker.baseUrl], ...peers, ["node", node.baseUrl]] as [Side, string][];
      const rounds: Partial<Record<Side | "bare" | "floor", LoadResult[]>> = {};
      for (let round = 0; round < config.rounds; round++) {
        for (const [side, baseUrl] of sides) {
          step(`  ${scenario.name} on ${side}${config.rounds > 1 ? `, round ${round + 1}` : ""}`);
          // The peer and the bare worker run in the Worker's workerd process: one at a time is loaded.
          const serverPid = side === "node" ? node.pid : worker.pid;
          (rounds[side] ??= []).push(await measureLoad({ url: baseUrl + requestPath(scenario), ...request, connections: scenario.connections, durationSeconds, serverPid }, config.warmupSeconds));
        }
        if (!scenario.model) {
          step("  ping on a bare worker in the same workerd");
          (rounds.bare ??= []).push(await measureLoad({ url: `http://127.0.0.1:${BARE_PORT}/`, connections: scenario.connections, durationSeconds, serverPid: worker.pid }, config.warmupSeconds));
          step("  ping on the features' floor (the bare worker + our headers, request id and log line) in the same workerd");
          (rounds.floor ??= []).push(await measureLoad({ url: `http://127.0.0.1:${FLOOR_PORT}/`, connections: scenario.connections, durationSeconds, serverPid: worker.pid }, config.warmupSeconds));
        }
      }
      load.push({
        scenario: scenario.name,
        connections: scenario.connections,
        durationSeconds,
        worker: medianRound(rounds.worker!),
        ...(rounds.peer ? { peer: medianRound(rounds.peer) } : {}),
        ...(rounds.peerWithFeatures ? { peerWithFeatures: medianRound(rounds.peerWithFeatures) } : {}),
        node: medianRound(rounds.node!),
      });
      if (rounds.bare) bareWorkerdPing = medianRound(rounds.bare);
      if (rounds.floor) featuresFloorPing = medianRound(rounds.floor);
    }
  } finally {
    if (pinning) pinThisProcess(pinning.allCpus);
    await worker.stop();
    await node.stop();
  }
}

step("cold starts and memory, one fresh process per model");
/**
 * Start-up (spawned → answering) and resident size of fresh processes, the three kinds started in
 * turn `rounds` times: the code-only isolate (the bundle's wasm compiled, none of its code run),
 * onnxruntime-web's own start (scripts/bench/ort-start-worker/: only our warm-up) and the Worker.
 * Taking turns, in a rotating order, puts a slow stretch of a shared machine on all three alike; the
 * goals compare medians.
 */
async function startupRounds(rounds: number): Promise<Record<"codeOnly" | "ortStart" | "worker", { startupMs: number; rssBytes: number }[]>> {
  const kinds = {
    codeOnly: () => startWorker(WORKER_PORT, undefined, true),
    ortStart: () => startWorker(WORKER_PORT, undefined, false, undefined, undefined, false, ortStartBundleDir),
    worker: () => startWorker(WORKER_PORT),
  };
  const starts = { codeOnly: [], ortStart: [], worker: [] } as Record<keyof typeof kinds, { startupMs: number; rssBytes: number }[]>;
  const order = Object.entries(kinds) as [keyof typeof kinds, () => Promise<ServerProcess>][];
  for (let round = 0; round < rounds; round++) {
    // Each round starts with the next kind, so none always follows the same one.
    for (const [kind, start] of [...order.slice(round % order.length), ...order.slice(0, round % order.length)]) {
      const spawned = performance.now();
      const server = await start();
      starts[kind].push({ startupMs: performance.now() - spawned, rssBytes: server.memory().rssBytes });
      await server.stop();
    }
  }
  return starts;
}
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const startups = await startupRounds(STARTUP_ROUNDS);
let codeOnlyIsolate: IsolateMemory;
{
  const server = await startWorker(WORKER_PORT, undefined, true, INSPECTOR_PORT);
  try {
    codeOnlyIsolate = await readIsolateMemory(INSPECTOR_PORT);
  } finally {
    await server.stop();
  }
}
const workerdCodeOnly = {
  startupMs: median(startups.codeOnly.map((c) => c.startupMs)),
  // The memory baseline: the smallest code-only process (nothing in it varies but the allocator's slack).
  rssBytes: Math.min(...startups.codeOnly.map((c) => c.rssBytes)),
  isolate: codeOnlyIsolate,
};
const coldStarts: BenchResults["coldStarts"] = [];
for (const cold of coldModels) {
  step(`  ${cold.label}`);
  coldStarts.push({
    label: cold.label,
    worker: await medianColdStart(COLD_PROCESSES, () => measureColdStart(() => startWorker(WORKER_PORT), cold.name, cold.widths, cold.bytes, undefined, workerdCodeOnly.rssBytes)),
    workerWarmIsolate: await medianColdStart(COLD_PROCESSES, () =>
      measureColdStart(() => startWorker(WORKER_PORT), cold.name, cold.widths, cold.bytes, { model: "small", widths: config.small }, workerdCodeOnly.rssBytes),
    ),
    workerIsolate: await measureIsolatePeak(() => startWorker(WORKER_PORT, undefined, false, INSPECTOR_PORT), INSPECTOR_PORT, cold.name, cold.widths, cold.bytes),
    node: await medianColdStart(COLD_PROCESSES, () => measureColdStart(() => startNode(NODE_PORT), cold.name, cold.widths, cold.bytes)),
  });
}

step("model switch: two models through a session cache that holds one");
const switchModel = (label: string): SwitchModel => {
  const cold = coldModels.find((m) => m.label === label)!;
  return { name: cold.name, widths: cold.widths, memoryBytes: cold.published.manifest.memoryBytes ?? cold.bytes };
};
// The 25 MB fp32 model and the largest model as int8-dynamic (24 MiB in the full run, 6 MiB with --quick).
const switchPair = [switchModel(config.cold[1].label), switchModel(coldModels[coldModels.length - 1].label)] as const;
const modelSwitch = await measureModelSwitch(() => startWorker(WORKER_PORT, undefined, false, undefined, switchBudgetMib(switchPair)), ...switchPair);

step("onnxruntime-web vs onnxruntime-node per quantization mode");
const ortModes = await measureOrtModes(config.ortRuns);

const cpuList = cpus();
const results: BenchResults = {
  generatedAt: new Date().toISOString(),
  quick: config.quick,
  machine: {
    cpu: cpuList[0]?.model ?? "unknown",
    cores: cpuList.length,
    memoryBytes: totalmem(),
    os: `${process.platform} ${release()}`,
    node: process.version,
    workerd: execFileSync(WORKERD_BINARY, ["--version"], { encoding: "utf8" }).trim(),
    loadAverageAtStart,
    loadAverageAtEnd: loadavg(),
    note: "shared machine: other processes may run during the benchmark; compare ratios from the same run",
  },
  config: {
    ...config,
    loadGenerator: "autocannon (in the benchmark's process), loopback",
    loadRunCpus: pinning ? { workerd: pinning.serverCpus, loadGenerator: pinning.generatorCpus, node: pinning.allCpus } : "not pinned",
    workerAsDeployed: "API key (Bearer), rate-limit bindings RATE_LIMIT_KEY/RATE_LIMIT_IP (in-isolate fixed window, limit 1e9/60 s), REQUEST_LOG=all, request ids, secure headers, Server-Timing",
    smallParameters: small.parameters,
    largeParameters: large.parameters,
    largeBytes: large.bytes.byteLength,
  },
  bundle,
  load,
  bareWorkerdPing: bareWorkerdPing!,
  featuresFloorPing: featuresFloorPing!,
  workerdCodeOnly,
  workerdOrtStart: { startupMs: median(startups.ortStart.map((s) => s.startupMs)) },
  workerdStart: {
    startupMs: median(startups.worker.map((s) => s.startupMs)),
    rounds: STARTUP_ROUNDS,
    everyStartMs: Object.fromEntries(Object.entries(startups).map(([kind, starts]) => [kind, starts.map((s) => Math.round(s.startupMs))])),
  },
  coldStarts,
  modelSwitch,
  ortModes,
  goals: [],
  durationSeconds: 0,
};
results.goals = evaluateGoals(results);
results.reported = evaluateReported(results);
results.floors = evaluateFloors(results);
results.durationSeconds = (Date.now() - started) / 1000;

writeFileSync(resolve(ROOT, values.out!), `${JSON.stringify(results, null, 2)}\n`);
mkdirSync(join(ROOT, "docs"), { recursive: true });
writeFileSync(resolve(ROOT, values.docs!), performanceMarkdown(results));
const readmePath = resolve(ROOT, values.readme!);
writeFileSync(readmePath, withReadmeSummary(readFileSync(readmePath, "utf8"), results));
printTable(results);
step(`done: ${values.out}, ${values.docs} and the performance block of ${values.readme}`);
