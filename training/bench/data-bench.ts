/**
 * `npm run bench:data` — the trainer's data path at size, with ratios from this one run (no timed
 * assertions): generates N rows × 20 numeric + 2 categorical columns and a binary target (DuckDB
 * writes them; two levels per category, so the encoded rows are 24 float32 columns: ~0.9 GiB at
 * 10M rows) into a temporary folder, deleted after.
 *  1. Reading + encoding a 1M-row CSV vs pandas read_csv + numpy encoding (python3 with pandas;
 *     skipped, and said so, when missing). Parquet vs CSV read speed.
 *  2. Training throughput on the file's rows (in memory, and from the disk cache) vs the same
 *     network on an in-memory matrix (train() as `npm run bench:train` drives it): best of three
 *     rounds, the three paths in a rotated order each round; whole-run rate and median-batch rate.
 *  3. `maas train --epochs 1` on 10M rows (~2 GB of CSV): peak RSS, with and without --max-memory 512MB.
 * Options: --rows N (default 1,000,000), --big-rows N (default 10,000,000; 0 skips part 3).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { encodeFile, type FileEncodeOptions } from "../data/file/encode-file.ts";
import { partChunks, trainingBatches } from "../data/training-rows.ts";
import { train, type TrainOptions } from "../train.ts";

const { values } = parseArgs({ options: { rows: { type: "string", default: "1000000" }, "big-rows": { type: "string", default: "10000000" } } });
const ROWS = Number(values.rows);
const BIG_ROWS = Number(values["big-rows"]);
const root = join(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "maas-bench-data-"));
const say = (line: string) => process.stdout.write(`${line}\n`);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

async function generate(rows: number, csv: string, parquet?: string): Promise<void> {
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  const numbers = Array.from({ length: 20 }, (_, i) => `round(random() * 100 - 50, 4) AS x${i}`).join(", ");
  const score = Array.from({ length: 5 }, (_, i) => `x${i}`).join(" + ");
  await connection.run("SELECT setseed(0.42)");
  await connection.run(
    `CREATE TEMP VIEW generated AS SELECT *, (${score} + CASE c1 WHEN 'a' THEN 20 ELSE -5 END > 0)::INT AS y FROM (` +
      `SELECT ${numbers}, ['a','b'][1 + (i % 2)::INT] AS c1, 'k' || (i % 3 = 0)::INT::VARCHAR AS c2 FROM range(${rows}) t(i))`,
  );
  await connection.run(`COPY (SELECT * FROM generated) TO '${csv}' (HEADER)`);
  if (parquet) await connection.run(`COPY (SELECT * FROM read_csv('${csv}')) TO '${parquet}' (FORMAT parquet)`);
  connection.closeSync();
  db.closeSync();
}

const encodeOptions: FileEncodeOptions = { request: { targets: ["y"] }, fractions: { validation: 0.15, test: 0.2 }, seed: 1, standardize: true, selection: { seed: 1 }, strict: false };

async function timedEncode(path: string, memoryBudget?: number) {
  const started = performance.now();
  const data = await encodeFile(path, { ...encodeOptions, memoryBudget });
  return { data, seconds: (performance.now() - started) / 1000 };
}

function pandas(csv: string): { seconds: number; python: string } | string {
  for (const python of ["python3", "/usr/bin/python3"]) {
    try {
      const out = execFileSync(python, [join(import.meta.dirname, "pandas-read.py"), csv, "y"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      return { ...JSON.parse(out), python };
    } catch {
      // next interpreter
    }
  }
  return "pandas is not installed for python3 (Debian: apt-get install python3-pandas); ratio skipped";
}

function peakRss(args: string[]): { seconds: number; rssBytes: number; status: number | null; stderr: string } {
  const rssFile = join(dir, "rss.txt");
  const started = performance.now();
  const run = spawnSync("/usr/bin/time", ["-f", "%M", "-o", rssFile, process.execPath, join(root, "scripts/cli.ts"), "train", ...args], { encoding: "utf8" });
  const seconds = (performance.now() - started) / 1000;
  return { seconds, rssBytes: Number(readFileSync(rssFile, "utf8").trim().split("\n").at(-1)) * 1024, status: run.status, stderr: run.stderr.trim().split("\n").at(-1) ?? "" };
}

try {
  const csv = join(dir, "data.csv");
  const parquet = join(dir, "data.parquet");
  say(`generating ${ROWS.toLocaleString("en")} rows × 20 numeric + 2 categorical columns + target …`);
  await generate(ROWS, csv, parquet);
  say(`CSV ${mb(statSync(csv).size)}, Parquet ${mb(statSync(parquet).size)}`);

  // 1. Read + encode.
  const fromCsv = await timedEncode(csv);
  const fromParquet = await timedEncode(parquet);
  await fromParquet.data.store.close();
  say(`\n1. read + encode (schema pass, statistics, encoded float32 rows, split)`);
  say(`   maas CSV:     ${fromCsv.seconds.toFixed(2)} s (${Math.round(ROWS / fromCsv.seconds / 1000)}k rows/s, ${(statSync(csv).size / 2 ** 20 / fromCsv.seconds).toFixed(0)} MB/s)`);
  say(`   maas Parquet: ${fromParquet.seconds.toFixed(2)} s → Parquet reads ${(fromCsv.seconds / fromParquet.seconds).toFixed(2)}x faster than CSV (goal ≥ 2x)`);
  const peer = pandas(csv);
  if (typeof peer === "string") say(`   ${peer}`);
  else say(`   pandas read_csv + numpy encoding (${peer.python}): ${peer.seconds.toFixed(2)} s → maas is ${(peer.seconds / fromCsv.seconds).toFixed(2)}x pandas' speed (goal ≥ 1.0x)`);

  // 2. Training throughput: the same network and rows, from the file's store vs an in-memory matrix.
  const data = fromCsv.data;
  const settings: Omit<TrainOptions, "x" | "y" | "source"> = {
    hidden: [256, 128],
    activation: "relu",
    loss: "softmax-ce",
    optimizer: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    learningRate: 1e-3,
    epochs: 1,
    batchSize: 128,
    seed: 1,
  };
  const batches = trainingBatches(data, "softmax-ce");
  // The same training rows, preprocessed once into plain matrices (what train() took before).
  const xs = new Float32Array(data.sizes[0] * batches.xCols);
  const ys = new Float32Array(data.sizes[0] * batches.yCols);
  let at = 0;
  for await (const chunk of partChunks(data, 0, "softmax-ce", true).chunks()) {
    xs.set(chunk.x, at * batches.xCols);
    ys.set(chunk.y, at * batches.yCols);
    at += chunk.count;
  }
  const matrices = { x: { data: xs, rows: at, cols: batches.xCols }, y: { data: ys, rows: at, cols: batches.yCols } };
  // Three rounds, the paths in a rotated order each round (none always first), best of three per
  // path: on a shared machine one run can be slowed by others, and the best run is the least
  // disturbed. Each run also gives the rate of its median batch (batch size / the median time
  // between two batches' ends), which other processes' load disturbs far less than the whole run.
  const fromDisk = await timedEncode(csv, 64 << 20);
  const run = async (source: Pick<TrainOptions, "x" | "y" | "source">) => {
    const ends: number[] = [];
    const result = await train({ ...settings, ...source, onBatch: () => ends.push(performance.now()) });
    const gaps = ends.slice(1).map((end, i) => end - ends[i]).sort((a, b) => a - b);
    return { whole: result.samplesPerSecond, median: (settings.batchSize / gaps[Math.floor(gaps.length / 2)]) * 1000 };
  };
  const paths: Record<string, () => Promise<{ whole: number; median: number }>> = {
    matrix: () => run(matrices),
    memory: () => run({ source: trainingBatches(data, "softmax-ce") }),
    disk: () => run({ source: trainingBatches(fromDisk.data, "softmax-ce") }),
  };
  const names = Object.keys(paths);
  const runs = new Map(names.map((name) => [name, [] as { whole: number; median: number }[]]));
  for (let round = 0; round < 3; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      runs.get(name)!.push(await paths[name]());
    }
  }
  await data.store.close();
  await fromDisk.data.store.close();
  const best = (name: string, key: "whole" | "median") => Math.max(...runs.get(name)!.map((r) => r[key]));
  const all = (name: string) => runs.get(name)!.map((r) => `${(r.whole / 1000).toFixed(0)}k`).join(" ");
  const line = (name: string, label: string, goal: string) => {
    const [whole, median] = [best(name, "whole"), best(name, "median")];
    const ratios = name === "matrix" ? "" : ` = ${((whole / best("matrix", "whole")) * 100).toFixed(1)}% / ${((median / best("matrix", "median")) * 100).toFixed(1)}% of in-memory${goal}`;
    say(`   ${label.padEnd(32)} ${whole.toFixed(0)} samples/s (runs: ${all(name)}); median batch ${median.toFixed(0)}/s${ratios}`);
  };
  say(`\n2. training throughput, MLP ${[batches.xCols, 256, 128, 2].join("-")}, batch 128, 1 epoch over ${data.sizes[0].toLocaleString("en")} rows (best of 3 runs, rotated order)`);
  line("matrix", "in-memory matrix (train(x, y)):", "");
  line("memory", "file rows in memory:", " (goal ≥ 90%)");
  line("disk", "file rows from the disk cache:", "");
  rmSync(csv);
  rmSync(parquet);

  // 3. Peak memory at 10M rows.
  if (BIG_ROWS > 0) {
    const big = join(dir, "big.csv");
    say(`\n3. maas train --epochs 1 on ${BIG_ROWS.toLocaleString("en")} rows (generating …)`);
    await generate(BIG_ROWS, big);
    say(`   CSV ${mb(statSync(big).size)}; encoded rows ${mb(BIG_ROWS * 24 * 4)} (24 float32 columns)`);
    const common = [big, "--target", "y", "--epochs", "1", "--batch-size", "1024", "--json", "--force"];
    for (const extra of [[], ["--max-memory", "512MB"]]) {
      const run = peakRss([...common, "--out", join(dir, "out"), ...extra]);
      const label = extra.length ? "--max-memory 512MB" : "in memory";
      const goal = extra.length ? 700 : 1536;
      say(`   ${label.padEnd(19)} ${run.status === 0 ? "ok" : `exit ${run.status}: ${run.stderr}`}, ${run.seconds.toFixed(0)} s, peak RSS ${mb(run.rssBytes)} (goal ≤ ${goal} MB)`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
