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
  node: LoadResult;
}

export interface Goal {
  goal: string;
  target: string;
  measured: string;
  met: boolean;
}

export interface BenchResults {
  generatedAt: string;
  quick: boolean;
  machine: Record<string, unknown>;
  config: Record<string, unknown>;
  bundle: BundleSize;
  load: LoadRow[];
  /** A worker that only answers, on the same workerd: what workerd itself costs per request. */
  bareWorkerdPing: LoadResult;
  /** The same workerd with the bundle's wasm compiled and no Worker code run: start-up and memory baseline. */
  workerdCodeOnly: { startupMs: number; rssBytes: number; isolate: IsolateMemory };
  /** workerIsolate: a third fresh Worker process, with its inspector attached, for the isolate's own memory. */
  coldStarts: { label: string; worker: ColdStart; workerWarmIsolate: ColdStart; workerIsolate: IsolatePeak; node: ColdStart }[];
  modelSwitch: ModelSwitch;
  ortModes: ModeTiming[];
  goals: Goal[];
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

/** Time an inference request adds over a ping on the same single-threaded workerd, from throughput. */
export function inferenceOverheadUs(results: BenchResults): number {
  return (1 / row(results, "small MLP, batch 1").worker.requestsPerSecond - 1 / row(results, "ping").worker.requestsPerSecond) * 1e6;
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

/** What the Worker's middleware costs per request: its ping vs a bare worker's, on the same workerd. */
export function middlewareUs(results: BenchResults): number {
  return (1 / row(results, "ping").worker.requestsPerSecond - 1 / results.bareWorkerdPing.requestsPerSecond) * 1e6;
}

export function evaluateGoals(results: BenchResults): Goal[] {
  const smallB1 = row(results, "small MLP, batch 1");
  const throughputRatio = smallB1.worker.requestsPerSecond / smallB1.node.requestsPerSecond;
  const overhead = inferenceOverheadUs(results);
  const oneMb = results.coldStarts[0];
  const goals: Goal[] = [
    { goal: "Worker throughput vs Node+onnxruntime-node, small MLP batch 1", target: "≥ 0.60x", measured: ratio(throughputRatio), met: throughputRatio >= 0.6 },
    { goal: "inference overhead per request over a ping (small MLP, batch 1)", target: "≤ 30 µs", measured: `${overhead.toFixed(0)} µs`, met: overhead <= 30 },
    {
      goal: `cold start, ${oneMb.label} model: first model request on a new isolate (onnxruntime-web started with the isolate)`,
      target: "≤ 60 ms",
      measured:
        `${oneMb.worker.firstAnswerMs.toFixed(0)} ms, median of ${oneMb.worker.processes} fresh processes (${oneMb.worker.firstAnswersMs.map((ms) => ms.toFixed(0)).join(", ")}; ` +
        `the isolate's start-up before it: ${oneMb.worker.startupMs.toFixed(0)} ms, vs ${results.workerdCodeOnly.startupMs.toFixed(0)} ms for the code alone)`,
      met: oneMb.worker.firstAnswerMs <= 60,
    },
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
        goal: `peak memory, ${cold.label} model (${mib(cold.worker.modelBytes)}), new isolate: everything beyond the loaded code (onnxruntime-web's start included)`,
        target: `≤ 1.3x model + 24 MiB = ${mib(limit)}`,
        measured:
          `${mib(serving)} (${ratio(serving / cold.worker.modelBytes)} model); the first request alone added ${mib(cold.worker.peakGrowthBytes)}` +
          `; in an isolate that already served another model it added ${mib(cold.workerWarmIsolate.peakGrowthBytes)}` +
          `. The isolate's own share (JS heap + ArrayBuffers + wasm memory, estimated peak): ${mib(isolateServingBytes(results, cold))}` +
          ` (${ratio(isolateServingBytes(results, cold) / cold.worker.modelBytes)} model; wasm memory ${mib(cold.workerIsolate.afterFirstAnswer.wasmMemoryBytes)})`,
        met: serving <= limit,
      };
    }),
    { goal: "gzip bundle", target: "≤ 3.9 MB (3,900,000 bytes)", measured: `${(results.bundle.gzipBytes / 1e6).toFixed(3)} MB`, met: results.bundle.gzipBytes <= 3.9e6 },
  ];
  return goals;
}

/** autocannon reports latency in whole milliseconds: below 1 ms a ratio means nothing. */
function latencyRatio(worker: number, node: number): string {
  return node >= 1 ? ratio(worker / node) : `n/a (Node < 1 ms, Worker ${worker < 1 ? "< 1" : "≥ 1"} ms)`;
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/** docs/performance.md: ratios from one run (absolute times depend on the machine; see bench/results.json). */
export function performanceMarkdown(results: BenchResults): string {
  const ping = row(results, "ping").worker.requestsPerSecond;
  const loadTable = table(
    ["load (same run, same generator)", "Worker / Node throughput", "Worker / Node p50", "Worker / Node p99", "Worker throughput / its ping"],
    results.load.map((r) => [
      `${r.scenario} (${r.connections} connection${r.connections > 1 ? "s" : ""})`,
      ratio(r.worker.requestsPerSecond / r.node.requestsPerSecond),
      latencyRatio(r.worker.p50Ms, r.node.p50Ms),
      latencyRatio(r.worker.p99Ms, r.node.p99Ms),
      ratio(r.worker.requestsPerSecond / ping),
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
  return `# Performance

Generated by \`npm run bench${results.quick ? " -- --quick" : ""}\` on ${results.generatedAt.slice(0, 10)} — do not edit by hand.
Figures are ratios measured in one run on one machine (${results.machine.cores} cores, ${results.machine.cpu}; shared
with other work, so repeated runs vary by up to ±30%); the absolute figures and the machine's
description are in [bench/results.json](../bench/results.json). \`npm run bench -- --quick\` is a shorter pass
(smaller large model, no 100 MB model).

**Setup.** The Worker bundle built by \`wrangler deploy --dry-run\` runs on raw \`workerd\` (not
\`wrangler dev\`, whose proxy caps throughput), its R2 binding backed by files on local disk. The
alternative is a plain Node HTTP server with native onnxruntime-node (default options: all cores)
serving the same model files over the same v2 routes. Both are driven by autocannon on loopback.
Models are MLPs: small = ${(results.config.small as number[]).join("→")}, large = ${(results.config.large as number[]).join("→")}
(${((results.config.largeParameters as number) / 1e6).toFixed(1)}M parameters). The ping is \`GET /v2/health/live\` on the same workerd.

## Goals (issue 7)

${goalsTable}

## Throughput and latency

${loadTable}

Inference overhead per request over a ping on the same workerd: ${inferenceOverheadUs(results).toFixed(0)} µs
(small MLP, batch 1, from throughput: 1/infer − 1/ping). The Worker's ping itself runs at
${ratio(ping / results.bareWorkerdPing.requestsPerSecond)} the throughput of a bare worker on the same workerd (the difference is the
Worker's middleware: ${middlewareUs(results).toFixed(0)} µs per request).
${binaryLine}
## Cold start and memory

First request → answer on a fresh process once it answers its readiness ping (each figure from the
process with the median first answer of ${results.coldStarts[0].worker.processes}; all of them in results.json): R2/disk read, sha256
check, session creation and one run (Node's first answer also loads onnxruntime-node). The Worker
starts onnxruntime-web while its isolate starts, with a tiny warm-up session
(\`functions/ort/warm-up.ts\`), so that cost shows as start-up (process spawned → ready, against the
same workerd running only the compiled wasm) rather than in the first request. These processes run
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
- Weight prepacking is off for fp32/fp16 models (it doubles their weights) and on for quantized
  kernels, which need it for speed (\`functions/sessions/prepacking.ts\`).
- The JS buffer is dropped once the session exists; the peak is about the model twice (JS buffer +
  ORT's tensors) plus onnxruntime-web's own start.
- Quantized models: onnxruntime-web folds \`int8\` (weight-only DequantizeLinear → MatMul) back to
  fp32 when it loads the model, so it needs as much memory as the fp32 model; \`int8-dynamic\`
  (MatMulInteger) keeps the int8 weights — compare their rows above.

## Bundle

${mib(results.bundle.rawBytes)} raw, ${(results.bundle.gzipBytes / 1e6).toFixed(2)} MB gzip (${results.bundle.files.map((f) => `${f.name.replace(/^[0-9a-f]{40}-/, "")}: ${(f.gzipBytes / 1e6).toFixed(2)} MB`).join(", ")}).
`;
}

const README_START = "<!-- bench:start (written by npm run bench) -->";
const README_END = "<!-- bench:end -->";

/** The README's performance summary: ratios only, from one run; replaces the block between the markers. */
export function withReadmeSummary(readme: string, results: BenchResults): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md has no "${README_START}" … "${README_END}" block`);
  const rows = results.load.map((r) => `| ${r.scenario} | ${ratio(r.worker.requestsPerSecond / r.node.requestsPerSecond)} | ${latencyRatio(r.worker.p50Ms, r.node.p50Ms)} |`);
  const oneMb = results.coldStarts[0];
  const met = results.goals.filter((g) => g.met).length;
  const summary = `${README_START}
Last run (${results.generatedAt.slice(0, 10)}${results.quick ? ", --quick" : ""}; ${met} of ${results.goals.length} issue-7 goals met — details in
[docs/performance.md](docs/performance.md)). Worker on raw workerd vs Node + onnxruntime-node, same models, same load:

| load | Worker / Node throughput | Worker / Node p50 |
|---|---|---|
${rows.join("\n")}

Cold start, ${oneMb.label} model, first request on a new isolate: ${ratio(oneMb.worker.firstAnswerMs / oneMb.node.firstAnswerMs)} Node's first answer.
Memory for serving it beyond the loaded code: ${ratio(oneMb.worker.servingBytes! / oneMb.worker.modelBytes)} the model's bytes
(onnxruntime-web's own start is most of it for small models).
${README_END}`;
  return readme.slice(0, start) + summary + readme.slice(end + README_END.length);
}

export function printTable(results: BenchResults): void {
  const lines: string[] = [];
  const pad = (text: string, width: number) => text.padStart(width);
  lines.push(`${"scenario".padEnd(34)}${pad("worker rps", 11)}${pad("p50", 8)}${pad("p99", 8)}${pad("node rps", 11)}${pad("p50", 8)}${pad("p99", 8)}${pad("w/n", 7)}`);
  for (const r of results.load) {
    lines.push(
      `${`${r.scenario} (c=${r.connections})`.padEnd(34)}${pad(r.worker.requestsPerSecond.toFixed(0), 11)}${pad(r.worker.p50Ms.toFixed(1), 8)}${pad(r.worker.p99Ms.toFixed(1), 8)}` +
        `${pad(r.node.requestsPerSecond.toFixed(0), 11)}${pad(r.node.p50Ms.toFixed(1), 8)}${pad(r.node.p99Ms.toFixed(1), 8)}${pad(ratio(r.worker.requestsPerSecond / r.node.requestsPerSecond), 7)}` +
        (r.worker.failures + r.node.failures ? `  failures: worker ${r.worker.failures}, node ${r.node.failures}` : ""),
    );
  }
  lines.push(`bare worker ping on the same workerd: ${results.bareWorkerdPing.requestsPerSecond.toFixed(0)} rps (middleware ${middlewareUs(results).toFixed(0)} µs/request)`);
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
  process.stdout.write(`${lines.join("\n")}\n`);
}
