/** The benchmark's results: their shape, the issue's goals checked against them, and how they are shown. */
import type { BundleSize } from "./bundle.ts";
import type { ColdStart } from "./cold-start.ts";
import type { IsolateMemory, IsolatePeak } from "./isolate-memory.ts";
import type { ModelSwitch } from "./model-switch.ts";
import type { LoadResult } from "./load.ts";
import type { ModeTiming } from "./ort-modes.ts";

export interface LoadRow {
  scenario: string;
  connections: number;
  durationSeconds: number;
  worker: LoadResult;
  /** The peer Worker (scripts/bench/peer-worker/) on the same workerd; absent where it has no route. */
  peer?: LoadResult;
  /** The peer with our features from Hono's stock middleware (scripts/bench/peer-features-worker/). */
  peerWithFeatures?: LoadResult;
  node: LoadResult;
}

export interface Goal {
  goal: string;
  target: string;
  measured: string;
  met: boolean;
}

/** A floor's row: a bound and whether it is within it, or neither for the floor itself. */
export type Floor = Pick<Goal, "goal" | "measured"> & ({ target: string; met: boolean } | { target?: undefined; met?: undefined });

export interface BenchResults {
  generatedAt: string;
  quick: boolean;
  machine: Record<string, unknown>;
  config: Record<string, unknown>;
  bundle: BundleSize;
  load: LoadRow[];
  /** A worker that only answers, on the same workerd: what workerd itself costs per request. */
  bareWorkerdPing: LoadResult;
  /** The bare worker plus our per-response features, written directly (features-floor.ts). */
  featuresFloorPing?: LoadResult;
  /** The same workerd with the bundle's wasm compiled and no Worker code run: start-up and memory baseline. */
  workerdCodeOnly: { startupMs: number; rssBytes: number; isolate: IsolateMemory };
  /** A worker that only starts onnxruntime-web as ours does (scripts/bench/ort-start-worker/): its start-up. */
  workerdOrtStart: { startupMs: number };
  /** The Worker's own start-up, from the same alternating fresh starts as the two above (median). */
  workerdStart: { startupMs: number; rounds: number; everyStartMs: Record<string, number[]> };
  /** workerIsolate: a third fresh Worker process, with its inspector attached, for the isolate's own memory. */
  coldStarts: { label: string; worker: ColdStart; workerWarmIsolate: ColdStart; workerIsolate: IsolatePeak; node: ColdStart }[];
  modelSwitch: ModelSwitch;
  ortModes: ModeTiming[];
  /** Issue 17's goals: against the peer on the same runtime. */
  goals: Goal[];
  /** Issue 7's goals (against native Node and a fixed memory formula), now reported without a goal. */
  reported?: Goal[];
  /** Issue 17's bounds applied against floors measured in the same run (reported; not the issue's goals). */
  floors?: Floor[];
  durationSeconds: number;
}

const MIB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;
const ratio = (value: number) => `${value.toFixed(2)}x`;

function row(results: BenchResults, scenario: string): LoadRow {
  const found = results.load.find((r) => r.scenario === scenario);
  if (!found) throw new Error(`no load run "${scenario}"`);
  return found;
}

/** Per request from throughput, µs: what `slower` costs over `faster` on the same workerd. */
const perRequestUs = (slower: LoadResult, faster: LoadResult) => (1 / slower.requestsPerSecond - 1 / faster.requestsPerSecond) * 1e6;

/** Time an inference request adds over a ping on the same single-threaded workerd, from throughput. */
export function inferenceOverheadUs(results: BenchResults): number {
  return perRequestUs(row(results, "small MLP, batch 1").worker, row(results, "ping").worker);
}

/** Binary tensor data vs JSON on the same model and batch: throughput of each side, binary over JSON. */
export function binaryOverJson(results: BenchResults): { worker: number; node: number } | undefined {
  const binary = results.load.find((r) => r.scenario === "large MLP, batch 64, binary");
  const json = results.load.find((r) => r.scenario === "large MLP, batch 64");
  if (!binary || !json) return undefined;
  return { worker: binary.worker.requestsPerSecond / json.worker.requestsPerSecond, node: binary.node.requestsPerSecond / json.node.requestsPerSecond };
}

/** The isolate's estimated peak (JS heap, ArrayBuffers, wasm memory) beyond the code-only isolate's. */
export function isolateServingBytes(results: BenchResults, cold: BenchResults["coldStarts"][number]): number {
  const base = results.workerdCodeOnly.isolate;
  return cold.workerIsolate.peakBytes - (base.jsHeapBytes + base.arrayBufferBytes + base.wasmMemoryBytes);
}

/** A CPU figure per request, or a dash where /proc gave none. */
const cpu = (l: LoadResult | undefined) => (l?.serverCpuUs === undefined ? "—" : `${l.serverCpuUs.toFixed(0)} µs`);

/** What the Worker's middleware costs per request: its ping vs a bare worker's, on the same workerd. */
export function middlewareUs(results: BenchResults): number {
  return perRequestUs(row(results, "ping").worker, results.bareWorkerdPing);
}

/**
 * The issue's bounds against what this runtime cannot go below with the same work: the features'
 * own cost (a worker that adds only our headers, request id and log line), the peer that has the
 * same features from Hono's stock middleware, and onnxruntime-web's own start. Absent figures
 * (results of older runs) give no rows.
 */
export function evaluateFloors(results: BenchResults): Floor[] {
  const floors: Floor[] = [];
  const floor = results.featuresFloorPing;
  if (floor) {
    const features = perRequestUs(floor, results.bareWorkerdPing);
    const ours = perRequestUs(row(results, "ping").worker, floor);
    floors.push(
      { goal: "the features alone (request id, Server-Timing, security headers, log line) over a bare worker, ping vs ping", measured: `${features.toFixed(0)} µs (CPU per ping ${cpu(floor)} vs ${cpu(results.bareWorkerdPing)})` },
      { goal: "the Worker's own code over the features' floor, ping vs ping", target: "≤ 20 µs", measured: `${ours.toFixed(0)} µs (CPU per ping ${cpu(row(results, "ping").worker)} vs ${cpu(floor)})`, met: ours <= 20 },
    );
  }
  for (const scenario of ["small MLP, batch 1", "small MLP, batch 64"]) {
    const r = row(results, scenario);
    if (!r.peerWithFeatures) continue;
    const throughput = r.worker.requestsPerSecond / r.peerWithFeatures.requestsPerSecond;
    const p99 = r.worker.p99Ms / Math.max(r.peerWithFeatures.p99Ms, 1);
    floors.push(
      { goal: `Worker throughput vs the peer with the same features (Hono's stock middleware), ${scenario}`, target: "≥ 0.95x", measured: `${ratio(throughput)} (CPU per request ${cpu(r.worker)} vs ${cpu(r.peerWithFeatures)})`, met: throughput >= 0.95 },
      { goal: `Worker p99 vs that peer's, ${scenario}`, target: "≤ 1.2x", measured: `${ratio(p99)} (${r.worker.p99Ms} ms vs ${r.peerWithFeatures.p99Ms} ms)`, met: p99 <= 1.2 },
    );
  }
  const ortStart = results.workerdOrtStart;
  const worker = results.workerdStart.startupMs;
  floors.push(
    { goal: "onnxruntime-web's own start (the warm-up alone) vs the code-only isolate", measured: `${ratio(ortStart.startupMs / results.workerdCodeOnly.startupMs)} (${ortStart.startupMs.toFixed(0)} ms vs ${results.workerdCodeOnly.startupMs.toFixed(0)} ms)` },
    { goal: "the Worker's start-up vs onnxruntime-web's own start", target: "≤ 1.5x", measured: `${ratio(worker / ortStart.startupMs)} (${worker.toFixed(0)} ms vs ${ortStart.startupMs.toFixed(0)} ms)`, met: worker / ortStart.startupMs <= 1.5 },
  );
  return floors;
}

/** The isolate's memory for onnxruntime-web's start alone: the idle Worker isolate beyond the code-only one. */
export function ortBaseBytes(results: BenchResults, cold: BenchResults["coldStarts"][number]): number {
  const base = results.workerdCodeOnly.isolate;
  const idle = cold.workerIsolate.idle;
  return idle.jsHeapBytes + idle.arrayBufferBytes + idle.wasmMemoryBytes - (base.jsHeapBytes + base.arrayBufferBytes + base.wasmMemoryBytes);
}

/** How a cold-start model's weights are stored, from its label ("100 MB int8-dynamic"). */
export function modeOf(label: string): "fp32" | "int8" | "int8-dynamic" {
  return label.endsWith("int8-dynamic") ? "int8-dynamic" : label.endsWith("int8") ? "int8" : "fp32";
}

const ISOLATE_LIMIT_BYTES = 128 * MIB;

/**
 * The largest file per mode whose isolate fits 128 MB: the code-only isolate + onnxruntime-web's
 * base + the mode's measured isolate memory per file byte (from its largest model in the run).
 */
export function largestFitting(results: BenchResults): { mode: string; perFileByte: number; largestFileBytes: number }[] {
  const code = results.workerdCodeOnly.isolate;
  const codeBytes = code.jsHeapBytes + code.arrayBufferBytes + code.wasmMemoryBytes;
  const byMode = new Map<string, BenchResults["coldStarts"][number]>();
  for (const cold of results.coldStarts) {
    const current = byMode.get(modeOf(cold.label));
    if (!current || cold.worker.modelBytes > current.worker.modelBytes) byMode.set(modeOf(cold.label), cold);
  }
  return [...byMode.entries()].map(([mode, cold]) => {
    const base = ortBaseBytes(results, cold);
    const perFileByte = (isolateServingBytes(results, cold) - base) / cold.worker.modelBytes;
    return { mode, perFileByte, largestFileBytes: Math.max(0, (ISOLATE_LIMIT_BYTES - codeBytes - base) / perFileByte) };
  });
}

function loadGoals(results: BenchResults): Goal[] {
  return ["small MLP, batch 1", "small MLP, batch 64"].flatMap((scenario) => {
    const r = row(results, scenario);
    if (!r.peer) throw new Error(`no peer run for "${scenario}"`);
    const throughput = r.worker.requestsPerSecond / r.peer.requestsPerSecond;
    const p99 = r.worker.p99Ms / Math.max(r.peer.p99Ms, 1);
    return [
      { goal: `Worker (every feature on) throughput vs the peer Worker, ${scenario}`, target: "≥ 0.95x", measured: ratio(throughput), met: throughput >= 0.95 },
      {
        goal: `Worker p99 vs the peer Worker's, ${scenario}`,
        target: "≤ 1.2x",
        measured: `${ratio(p99)} (${r.worker.p99Ms} ms vs ${r.peer.p99Ms} ms${r.peer.p99Ms < 1 ? ", peer's counted as 1 ms" : ""})`,
        met: p99 <= 1.2,
      },
    ];
  });
}

export function evaluateGoals(results: BenchResults): Goal[] {
  const oneMb = results.coldStarts[0];
  const middleware = middlewareUs(results);
  const startup = results.workerdStart.startupMs / results.workerdCodeOnly.startupMs;
  return [
    ...loadGoals(results),
    { goal: "middleware per request over a bare worker on the same workerd (ping vs ping)", target: "≤ 20 µs", measured: `${middleware.toFixed(0)} µs`, met: middleware <= 20 },
    {
      goal: "the Worker's isolate start-up vs the code-only isolate's",
      target: "≤ 1.5x",
      measured: `${ratio(startup)} (${results.workerdStart.startupMs.toFixed(0)} ms vs ${results.workerdCodeOnly.startupMs.toFixed(0)} ms, medians of ${results.workerdStart.rounds} fresh starts each, taking turns)`,
      met: startup <= 1.5,
    },
    {
      goal: `first answer, ${oneMb.label} model, new isolate`,
      target: "≤ 60 ms",
      measured: `${oneMb.worker.firstAnswerMs.toFixed(0)} ms, median of ${oneMb.worker.processes} fresh processes (${oneMb.worker.firstAnswersMs.map((ms) => ms.toFixed(0)).join(", ")})`,
      met: oneMb.worker.firstAnswerMs <= 60,
    },
    ...results.coldStarts
      .filter((cold) => modeOf(cold.label) !== "int8")
      .map((cold) => {
        const base = ortBaseBytes(results, cold);
        const limit = 2 * cold.worker.modelBytes + base;
        const peak = isolateServingBytes(results, cold);
        return {
          goal: `peak isolate memory (JS heap + ArrayBuffers + wasm memory) beyond code, ${cold.label} model (${mib(cold.worker.modelBytes)})`,
          target: `≤ 2.0x model + onnxruntime-web's base (${mib(base)}) = ${mib(limit)}`,
          measured: `${mib(peak)} (${ratio((peak - base) / cold.worker.modelBytes)} model + base)`,
          met: peak <= limit,
        };
      }),
  ];
}

/** Issue 7's goals, kept as figures: Worker vs native Node, overhead over its own ping, resident memory formula, bundle. */
export function evaluateReported(results: BenchResults): Goal[] {
  const smallB1 = row(results, "small MLP, batch 1");
  const throughputRatio = smallB1.worker.requestsPerSecond / smallB1.node.requestsPerSecond;
  const overhead = inferenceOverheadUs(results);
  const oneMb = results.coldStarts[0];
  return [
    { goal: "Worker throughput vs Node+onnxruntime-node, small MLP batch 1", target: "≥ 0.60x", measured: ratio(throughputRatio), met: throughputRatio >= 0.6 },
    { goal: "inference overhead per request over the Worker's own ping (small MLP, batch 1)", target: "≤ 30 µs", measured: `${overhead.toFixed(0)} µs`, met: overhead <= 30 },
    {
      goal: `cold start, ${oneMb.label} model, isolate that already served another model`,
      target: "≤ 60 ms",
      measured: `${oneMb.workerWarmIsolate.firstAnswerMs.toFixed(0)} ms`,
      met: oneMb.workerWarmIsolate.firstAnswerMs <= 60,
    },
    ...results.coldStarts.map((cold) => {
      const limit = 1.3 * cold.worker.modelBytes + 24 * MIB;
      const serving = cold.worker.servingBytes!;
      return {
        goal: `resident memory beyond the loaded code, ${cold.label} model (${mib(cold.worker.modelBytes)}), new isolate`,
        target: `≤ 1.3x model + 24 MiB = ${mib(limit)}`,
        measured:
          `${mib(serving)} (${ratio(serving / cold.worker.modelBytes)} model); the first request alone added ${mib(cold.worker.peakGrowthBytes)}` +
          `; in an isolate that already served another model it added ${mib(cold.workerWarmIsolate.peakGrowthBytes)}` +
          `; wasm memory ${mib(cold.workerIsolate.afterFirstAnswer.wasmMemoryBytes)}`,
        met: serving <= limit,
      };
    }),
    { goal: "gzip bundle", target: "≤ 3.9 MB (3,900,000 bytes)", measured: `${(results.bundle.gzipBytes / 1e6).toFixed(3)} MB`, met: results.bundle.gzipBytes <= 3.9e6 },
  ];
}

/** autocannon reports latency in whole milliseconds: below 1 ms a ratio means nothing. */
function latencyRatio(worker: number, other: number, otherName = "Node"): string {
  return other >= 1 ? ratio(worker / other) : `n/a (${otherName} < 1 ms, Worker ${worker < 1 ? "< 1" : "≥ 1"} ms)`;
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/** The floors section of docs/performance.md (empty for results without floor figures). */
function floorsSection(results: BenchResults): string {
  const floors = results.floors ?? [];
  if (floors.length === 0) return "";
  return `### The same bounds against floors measured in this run (reported; the goals above stay as the issue sets them)

What the deployed features and onnxruntime-web cost by themselves on this workerd, measured beside the
Worker: the **features' floor** is a worker written directly against the runtime that adds to every
answer what ours adds — a request id, Server-Timing, the same security headers and the same JSON log
line, each the cheapest way known on workerd (the headers copied from a template Response, as the
Worker's \`functions/http/answer.ts\` does; \`scripts/bench/features-floor.ts\`); the **peer with the same features** is the peer above with
Hono's own middleware for them (\`requestId()\`, \`timing()\`, \`secureHeaders()\`, \`bearerAuth()\`, the
rate-limit binding and a log line; \`scripts/bench/peer-features-worker/\`), its answers and features
checked before the load like ours; **onnxruntime-web's own start** is a worker that only runs our
start-up warm-up (\`scripts/bench/ort-start-worker/\`).

${table(["figure", "bound", "measured", "within it"], floors.map((g) => [g.goal, g.target ?? "— (the floor)", g.measured, g.met === undefined ? "—" : g.met ? "yes" : "no"]))}

`;
}

/** Where the load runs' processes ran (scripts/bench/cpu-pinning.ts), as one sentence for the setup paragraph. */
function loadRunCpusSentence(cpus: unknown): string {
  if (typeof cpus !== "object" || cpus === null) return " Nothing was pinned to a core.";
  const { workerd, loadGenerator } = cpus as { workerd: string; loadGenerator: string };
  return ` During the load runs workerd (the Worker and both peers) ran on CPU ${workerd} and the load generator on CPU ${loadGenerator}; Node kept every core.`;
}

/** docs/performance.md: ratios from one run (absolute times depend on the machine; see bench/results.json). */
export function performanceMarkdown(results: BenchResults): string {
  const ping = row(results, "ping").worker.requestsPerSecond;
  const peerCell = (r: LoadRow, pick: (l: LoadResult) => number, latency: boolean) =>
    !r.peer ? "—" : latency ? latencyRatio(pick(r.worker), pick(r.peer), "peer") : ratio(pick(r.worker) / pick(r.peer));
  const loadTable = table(
    [
      "load (same run, same generator)",
      "Worker / peer throughput",
      "Worker / peer p50",
      "Worker / peer p99",
      "Worker / Node throughput",
      "Worker / Node p50",
      "Worker / Node p99",
      "Worker throughput / its ping",
      "server CPU per request: Worker / peer / Node",
    ],
    results.load.map((r) => [
      `${r.scenario} (${r.connections} connection${r.connections > 1 ? "s" : ""})`,
      peerCell(r, (l) => l.requestsPerSecond, false),
      peerCell(r, (l) => l.p50Ms, true),
      peerCell(r, (l) => l.p99Ms, true),
      ratio(r.worker.requestsPerSecond / r.node.requestsPerSecond),
      latencyRatio(r.worker.p50Ms, r.node.p50Ms),
      latencyRatio(r.worker.p99Ms, r.node.p99Ms),
      ratio(r.worker.requestsPerSecond / ping),
      `${cpu(r.worker)} / ${r.peer ? cpu(r.peer) : "—"} / ${cpu(r.node)}`,
    ]),
  );
  const coldTable = table(
    [
      "model",
      "Worker first answer / Node first answer",
      "Worker: model load share of first answer",
      "Worker start-up / code-only start-up",
      "Worker memory beyond code / model bytes",
      "isolate's own memory beyond code / model bytes",
      "first request's growth / model bytes",
      "same, isolate already served a model",
    ],
    results.coldStarts.map((c) => [
      `${c.label} (${mib(c.worker.modelBytes)})`,
      ratio(c.worker.firstAnswerMs / c.node.firstAnswerMs),
      `${((c.worker.serverLoadMs / c.worker.firstAnswerMs) * 100).toFixed(0)}%`,
      ratio(c.worker.startupMs / results.workerdCodeOnly.startupMs),
      ratio(c.worker.servingBytes! / c.worker.modelBytes),
      ratio(isolateServingBytes(results, c) / c.worker.modelBytes),
      ratio(c.worker.peakGrowthBytes / c.worker.modelBytes),
      ratio(c.workerWarmIsolate.peakGrowthBytes / c.workerWarmIsolate.modelBytes),
    ]),
  );
  const modesTable = table(
    ["quantization mode", "file size vs fp32", "onnxruntime-web / onnxruntime-node time", "web time vs web fp32"],
    results.ortModes.map((m) => [m.mode, ratio(m.modelBytes / results.ortModes[0].modelBytes), ratio(m.webOverNode), ratio(m.webMedianMs / results.ortModes[0].webMedianMs)]),
  );
  const binary = binaryOverJson(results);
  const binaryLine = binary
    ? `\nThe v2 binary tensor data extension (inputs and outputs as raw bytes after a JSON header) on the
large MLP at batch 64: Worker throughput ${ratio(binary.worker)} its JSON figure, Node ${ratio(binary.node)} its own.\n`
    : "";
  const goalsTable = table(["goal", "target", "measured", "met"], results.goals.map((g) => [g.goal, g.target, g.measured, g.met ? "yes" : "**no**"]));
  const reportedTable = table(["figure", "issue 7's target", "measured", "within it"], (results.reported ?? []).map((g) => [g.goal, g.target, g.measured, g.met ? "yes" : "no"]));
  const fitsTable = table(
    ["weights", "isolate memory per file byte (beyond onnxruntime-web's base)", "largest file that fits a 128 MB isolate"],
    largestFitting(results).map((f) => [f.mode, ratio(f.perFileByte), `${(f.largestFileBytes / 1e6).toFixed(0)} MB`]),
  );
  return `# Performance

Generated by \`npm run bench${results.quick ? " -- --quick" : ""}\` on ${results.generatedAt.slice(0, 10)} — do not edit by hand.
Figures are ratios measured in one run on one machine (${results.machine.cores} cores, ${results.machine.cpu}; shared
with other work, so repeated runs vary by up to ±30%); the absolute figures and the machine's
description are in [bench/results.json](../bench/results.json). \`npm run bench -- --quick\` is a shorter pass
(smaller large model, no 100 MB model).

**Setup.** The Worker bundle built by \`wrangler deploy --dry-run\` runs on raw \`workerd\` (not
\`wrangler dev\`, whose proxy caps throughput), its R2 binding backed by files on local disk. The
alternative is a plain Node HTTP server with native onnxruntime-node (default options: all cores)
serving the same model files over the same v2 routes: the native reference, reported without a goal.
The peer is the Worker a developer writes from onnxruntime-web's and Hono's documentation
(\`scripts/bench/peer-worker/\`: one route, \`InferenceSession.create\` on the R2 object's bytes,
\`c.req.json()\` in, \`c.json()\` out, no middleware), bundled by wrangler the same way and run in the
same workerd process with the same models. The Worker runs as deployed: an API key on every
inference request (anonymous calls refused), the rate-limit bindings (an in-isolate counter with the
binding's contract, limit out of the load's reach), the request log on, request ids, secure headers
and Server-Timing. Before the load, the Workers' answers are checked against onnxruntime-node's (and the
peer with our features, below, for having them).
All are driven by autocannon on loopback${(results.config.rounds as number) > 1 ? `, the servers taking turns for ${results.config.rounds} rounds per scenario (the median round is reported)` : ""}.${loadRunCpusSentence(results.config.loadRunCpus)}
Models are MLPs: small = ${(results.config.small as number[]).join("→")}, large = ${(results.config.large as number[]).join("→")}
(${((results.config.largeParameters as number) / 1e6).toFixed(1)}M parameters). The ping is \`GET /v2/health/live\` on the same workerd.

## Goals (issue 17: against the peer on the same runtime)

${goalsTable}

Load averages at start and end of the run: ${(results.machine.loadAverageAtStart as number[]).map((l) => l.toFixed(1)).join(", ")} → ${(results.machine.loadAverageAtEnd as number[]).map((l) => l.toFixed(1)).join(", ")} (1, 5, 15 min).

${floorsSection(results)}### Issue 7's goals, now reported figures

${reportedTable}

## Throughput and latency

${loadTable}

Inference overhead per request over a ping on the same workerd: ${inferenceOverheadUs(results).toFixed(0)} µs
(small MLP, batch 1, from throughput: 1/infer − 1/ping). The Worker's ping itself runs at
${ratio(ping / results.bareWorkerdPing.requestsPerSecond)} the throughput of a bare worker on the same workerd (the difference is the
Worker's middleware: ${middlewareUs(results).toFixed(0)} µs per request). In CPU time of the workerd process, which leaves out the
load generator's share of the cores: ${cpu(row(results, "ping").worker)} per ping against ${cpu(results.bareWorkerdPing)} for the bare worker.
${binaryLine}
## Cold start and memory

First request → answer on a fresh process once it answers its readiness ping (each figure from the
process with the median first answer of ${results.coldStarts[0].worker.processes}; all of them in results.json): R2/disk read, sha256
check, session creation and one run (Node's first answer also loads onnxruntime-node). The Worker
starts onnxruntime-web while its isolate starts, with a tiny warm-up session
(\`functions/ort/warm-up.ts\`), so that cost shows as start-up (process spawned → ready, against the
same workerd running only the compiled wasm) rather than in the first request. The start-up goal
compares medians of ${results.workerdStart.rounds} fresh processes each of the Worker, the code-only isolate and onnxruntime-web's own
start, started in turn; the table's per-model column is each model's own process. These processes run
the Worker alone: with a second worker in the process (the load runs' bare worker), creating that
isolate sends V8 a memory-pressure notification that flushes the wasm code onnxruntime-web compiled
while the Worker started, and the first inference then recompiles ~800 functions (~45 ms; traced
with \`workerd --perfetto-trace\`, category v8.wasm). A runtime that starts many isolates per process
may do the same, so a real first request can cost that much more. Plain feed-forward
graphs are created with ORT's "basic" graph optimization (\`functions/sessions/optimization-level.ts\`):
the fusion passes above it are code the first session in a request pays for, and MLPs cannot use them. "Memory beyond code"
is the peak resident size after the first answer minus that code-only process's size: everything
serving the model costs, onnxruntime-web's start included — the figure the memory goal is checked
against. The growth columns are peak minus the process's own idle size just before the request.
"The isolate's own memory" is read from a third fresh process through workerd's inspector
(\`scripts/bench/isolate-memory.ts\`): JS heap, ArrayBuffers and WebAssembly memory, its peak estimated
as the wasm memory after the first answer (it never shrinks) plus the larger JS heap reading
(before or after) plus the model's blob,
minus the same figures of the code-only isolate (JS heap ${mib(results.workerdCodeOnly.isolate.jsHeapBytes)}). The resident size also
holds what is not the isolate's: V8's compiled code for onnxruntime-web's wasm and workerd's own buffers.

${coldTable}

The largest model file per way of storing weights that fits a 128 MB isolate (code-only isolate +
onnxruntime-web's base + the measured isolate memory per file byte of the run's largest model of that
kind; \`maas push\` says the same per file from its own estimate):

${fitsTable}

Switching models in one isolate whose session cache holds one of them (\`MODEL_CACHE_BUDGET_MB\` =
${results.modelSwitch.budgetMib}; the larger model's memory estimate ${mib(results.modelSwitch.largerModelBytes)}): the peak resident size of a fresh
process after each answer of ${results.modelSwitch.sequence.join(" → ")} was idle
${results.modelSwitch.peakRssAfterEach.map((peak) => `+${mib(peak - results.modelSwitch.idleRssBytes)}`).join(", ")}. Each load holds the model's blob
while ORT copies it; the cache releases the old session before the new model loads, so ORT's
heap, which never shrinks, reuses that session's space rather than holding both.

## Quantization modes: onnxruntime-web (Worker) vs onnxruntime-node

A 1024×1024 layer at batch 64, median of ${results.config.ortRuns} runs (web side from
\`training/bench/compress-bench.ts\`).

${modesTable}

## How the Worker keeps model memory down

- The R2 body is read into one buffer of exactly the manifest's size, hashed chunk by chunk
  (\`functions/sessions/read-blob.ts\`): no whole-blob copies for \`arrayBuffer()\` or the digest.
- The model handed to onnxruntime-web is the graph only: every initializer of 64 bytes or more
  becomes ONNX external data pointing at its offset in that buffer
  (\`functions/sessions/external-weights.ts\`), so ORT copies each weight once, into its tensor,
  instead of copying the file, parsing it and building tensors (~4x the model in wasm memory,
  which never shrinks).
- Weight prepacking is on for quantized kernels, which need it for speed, and for fp32 MatMul/Gemm
  weights up to 16 MiB (a second copy, charged in the manifest's memoryBytes; 7-30% less CPU per
  batch-1 request from 1 MB up on the machine this was decided on); larger fp32 models are
  prepacked only when published with \`maas push --prepack\`, whose gain depends on the machine
  (\`functions/sessions/prepacking.ts\`).
- The JS buffer is dropped once the session exists; the peak is about the model twice (JS buffer +
  ORT's tensors) plus onnxruntime-web's own start.
- Quantized models: onnxruntime-web folds \`int8\` (weight-only DequantizeLinear → MatMul) back to
  fp32 when it loads the model, so it needs as much memory as the fp32 model; \`int8-dynamic\`
  (MatMulInteger) keeps the int8 weights — compare their rows above.

## Bundle

${mib(results.bundle.rawBytes)} raw, ${(results.bundle.gzipBytes / 1e6).toFixed(2)} MB gzip (${results.bundle.files.map((f) => `${f.name.replace(/^[0-9a-f]{40}-/, "")}: ${(f.gzipBytes / 1e6).toFixed(2)} MB`).join(", ")}).
`;
}

/** One README line with the floors' figures, or nothing for results without them. */
function floorsLine(results: BenchResults): string {
  const floors = results.floors ?? [];
  if (floors.length === 0) return "";
  return `Against floors measured in the same run (docs/performance.md): ${floors.map((g) => `${g.goal}: ${g.measured.replace(/ \(.*$/, "")}`).join("; ")}.\n`;
}

const README_START = "<!-- bench:start (written by npm run bench) -->";
const README_END = "<!-- bench:end -->";

/** The README's performance summary: ratios only, from one run; replaces the block between the markers. */
export function withReadmeSummary(readme: string, results: BenchResults): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md has no "${README_START}" … "${README_END}" block`);
  const rows = results.load.map(
    (r) =>
      `| ${r.scenario} | ${r.peer ? ratio(r.worker.requestsPerSecond / r.peer.requestsPerSecond) : "—"} | ${r.peer ? latencyRatio(r.worker.p99Ms, r.peer.p99Ms, "peer") : "—"} | ${ratio(r.worker.requestsPerSecond / r.node.requestsPerSecond)} |`,
  );
  const oneMb = results.coldStarts[0];
  const met = results.goals.filter((g) => g.met).length;
  const fits = largestFitting(results).map((f) => `${f.mode} ${(f.largestFileBytes / 1e6).toFixed(0)} MB`).join(", ");
  const summary = `${README_START}
Last run (${results.generatedAt.slice(0, 10)}${results.quick ? ", --quick" : ""}; load average ${(results.machine.loadAverageAtStart as number[])[0].toFixed(1)} on ${results.machine.cores} cores; ${met} of ${results.goals.length} issue-17 goals met — details in
[docs/performance.md](docs/performance.md)). The Worker as deployed (API key, rate limit, request log, secure headers,
request ids, Server-Timing) on raw workerd against the peer — a minimal Hono + onnxruntime-web Worker on the same
workerd — and Node + onnxruntime-node as the native reference (no goal), same models, same load. Goals: Worker ≥ 0.95x
the peer's throughput at batch 1 and 64 with p99 ≤ 1.2x its; middleware ≤ 20 µs over a bare worker; start-up ≤ 1.5x
the code-only isolate's; first answer for 1 MB ≤ 60 ms; peak isolate memory ≤ 2.0x the model + onnxruntime-web's base
(fp32 and int8-dynamic).

| load | Worker / peer throughput | Worker / peer p99 | Worker / Node throughput |
|---|---|---|---|
${rows.join("\n")}

Cold start, ${oneMb.label} model, first request on a new isolate: ${oneMb.worker.firstAnswerMs.toFixed(0)} ms; start-up ${ratio(results.workerdStart.startupMs / results.workerdCodeOnly.startupMs)} the code-only isolate's.
${floorsLine(results)}Largest model file that fits a 128 MB isolate, by how its weights are stored: ${fits}.
${README_END}`;
  return readme.slice(0, start) + summary + readme.slice(end + README_END.length);
}

export function printTable(results: BenchResults): void {
  const lines: string[] = [];
  const pad = (text: string, width: number) => text.padStart(width);
  lines.push(`${"scenario".padEnd(34)}${pad("worker rps", 11)}${pad("p50", 6)}${pad("p99", 6)}${pad("peer rps", 10)}${pad("p50", 6)}${pad("p99", 6)}${pad("node rps", 10)}${pad("p50", 6)}${pad("p99", 6)}${pad("w/peer", 8)}${pad("w/n", 7)}`);
  const cells = (l: LoadResult | undefined, width: number) => (l ? `${pad(l.requestsPerSecond.toFixed(0), width)}${pad(l.p50Ms.toFixed(0), 6)}${pad(l.p99Ms.toFixed(0), 6)}` : `${pad("-", width)}${pad("-", 6)}${pad("-", 6)}`);
  for (const r of results.load) {
    const failures = r.worker.failures + (r.peer?.failures ?? 0) + r.node.failures;
    lines.push(
      `${`${r.scenario} (c=${r.connections})`.padEnd(34)}${cells(r.worker, 11)}${cells(r.peer, 10)}${cells(r.node, 10)}` +
        `${pad(r.peer ? ratio(r.worker.requestsPerSecond / r.peer.requestsPerSecond) : "-", 8)}${pad(ratio(r.worker.requestsPerSecond / r.node.requestsPerSecond), 7)}` +
        (failures ? `  failures: worker ${r.worker.failures}, peer ${r.peer?.failures ?? 0}, node ${r.node.failures}` : ""),
    );
  }
  lines.push(`bare worker ping on the same workerd: ${results.bareWorkerdPing.requestsPerSecond.toFixed(0)} rps (middleware ${middlewareUs(results).toFixed(0)} µs/request)`);
  for (const r of results.load) if (r.peerWithFeatures) lines.push(`peer with the same features, ${r.scenario}: ${r.peerWithFeatures.requestsPerSecond.toFixed(0)} rps, p50 ${r.peerWithFeatures.p50Ms} ms, p99 ${r.peerWithFeatures.p99Ms} ms, ${cpu(r.peerWithFeatures)} CPU per request`);
  if (results.featuresFloorPing) lines.push(`features' floor ping: ${results.featuresFloorPing.requestsPerSecond.toFixed(0)} rps, ${cpu(results.featuresFloorPing)} CPU per request`);
  lines.push(`server CPU per request (µs), Worker / peer / Node: ${results.load.map((r) => `${r.scenario} ${cpu(r.worker)} / ${r.peer ? cpu(r.peer) : "—"} / ${cpu(r.node)}`).join("; ")}; bare ping ${cpu(results.bareWorkerdPing)}`);
  lines.push(`inference overhead over ping: ${inferenceOverheadUs(results).toFixed(0)} µs`);
  lines.push("");
  lines.push(`workerd with only the compiled wasm: start-up ${results.workerdCodeOnly.startupMs.toFixed(0)} ms, ${mib(results.workerdCodeOnly.rssBytes)} resident`);
  lines.push(`${"cold start".padEnd(16)}${pad("bytes", 12)}${pad("start ms", 10)}${pad("w serving", 11)}${pad("worker ms", 11)}${pad("load ms", 9)}${pad("warm-iso ms", 12)}${pad("node ms", 9)}${pad("w peak+", 11)}${pad("w/iso peak+", 12)}${pad("node peak+", 11)}`);
  for (const c of results.coldStarts) {
    lines.push(
      `${c.label.padEnd(16)}${pad(String(c.worker.modelBytes), 12)}${pad(c.worker.startupMs.toFixed(0), 10)}${pad(mib(c.worker.servingBytes ?? NaN), 11)}${pad(c.worker.firstAnswerMs.toFixed(0), 11)}${pad(c.worker.serverLoadMs.toFixed(0), 9)}${pad(c.workerWarmIsolate.firstAnswerMs.toFixed(0), 12)}` +
        `${pad(c.node.firstAnswerMs.toFixed(0), 9)}${pad(mib(c.worker.peakGrowthBytes), 11)}${pad(mib(c.workerWarmIsolate.peakGrowthBytes), 12)}${pad(mib(c.node.peakGrowthBytes), 11)}`,
    );
  }
  lines.push("");
  lines.push(`${"mode".padEnd(14)}${pad("bytes", 10)}${pad("web ms", 9)}${pad("node ms", 9)}${pad("web/node", 10)}`);
  for (const m of results.ortModes) lines.push(`${m.mode.padEnd(14)}${pad(String(m.modelBytes), 10)}${pad(m.webMedianMs.toFixed(2), 9)}${pad(m.nodeMedianMs.toFixed(2), 9)}${pad(ratio(m.webOverNode), 10)}`);
  lines.push("");
  lines.push(`bundle: ${mib(results.bundle.rawBytes)} raw, ${(results.bundle.gzipBytes / 1e6).toFixed(3)} MB gzip`);
  lines.push("");
  for (const g of results.goals) lines.push(`${g.met ? "MET    " : "NOT MET"}  ${g.goal}: ${g.measured} (target ${g.target})`);
  lines.push("");
  for (const g of results.floors ?? []) lines.push(`floor     ${g.goal}: ${g.measured}${g.target === undefined ? "" : ` (bound ${g.target})`}`);
  for (const g of results.reported ?? []) lines.push(`reported  ${g.goal}: ${g.measured} (issue 7's target ${g.target})`);
  for (const f of largestFitting(results)) lines.push(`fits a 128 MB isolate, ${f.mode}: files up to ${(f.largestFileBytes / 1e6).toFixed(0)} MB (${ratio(f.perFileByte)} per file byte)`);
  process.stdout.write(`${lines.join("\n")}\n`);
}
