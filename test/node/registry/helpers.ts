/** Running the real `maas` CLI as a child process, temporary stores, and onnxruntime-node references. */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as ort from "onnxruntime-node";

export const REPO = resolve(import.meta.dirname, "../../..");
const CLI = join(REPO, "scripts/cli.ts");

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c));
    child.stderr.on("data", (c: Buffer) => (stderr += c));
    child.once("error", fail);
    child.once("close", (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

/** Runs the CLI and fails the test with its stderr when it does not exit 0. */
export async function runOk(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const run = await runCli(args, env);
  if (run.code !== 0) throw new Error(`maas ${args.join(" ")} exited ${run.code}: ${run.stderr}`);
  return run;
}

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export async function writeModel(dir: string, file: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, file);
  await writeFile(path, bytes);
  return path;
}

/** onnxruntime-node's `probs` for the mlp fixture on float rows [n, 4]. */
export async function referenceProbs(bytes: Uint8Array, rows: number[][]): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const x = new ort.Tensor("float32", Float32Array.from(rows.flat()), [rows.length, 4]);
    const out = await session.run({ x });
    return Array.from(out.probs.data as Float32Array);
  } finally {
    await session.release();
  }
}

export const ROWS = [
  [0.5, -1.25, 2, 0.75],
  [-3, 0.1, 0.2, 1.5],
];

export function v2Request(rows: number[][]) {
  return { inputs: [{ name: "x", datatype: "FP32", shape: [rows.length, 4], data: rows.flat() }] };
}

export interface V2Answer {
  model_version: string;
  probs: number[];
}

export async function inferV2(url: string, model: string, headers: Record<string, string> = {}, rows = ROWS): Promise<V2Answer> {
  const response = await fetch(`${url}/v2/models/${model}/infer`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ ...v2Request(rows), outputs: [{ name: "probs" }] }),
  });
  const body = (await response.json()) as { model_version: string; outputs: Array<{ name: string; data: number[] }>; error?: string };
  if (!response.ok) throw new Error(`infer answered ${response.status}: ${body.error}`);
  return { model_version: body.model_version, probs: body.outputs.find((o) => o.name === "probs")!.data };
}

export function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Infinity;
  return Math.max(0, ...a.map((v, i) => Math.abs(v - b[i])));
}
