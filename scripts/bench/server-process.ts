/** A server child process for the benchmark: start, wait until it answers, read its memory, stop. */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";

export interface ServerProcess {
  pid: number;
  baseUrl: string;
  /** Resident memory now and its peak since start (or since resetPeak), in bytes, from /proc. */
  memory(): { rssBytes: number; peakRssBytes: number };
  stop(): Promise<void>;
  /** Last lines the process wrote to stderr (for error messages). */
  stderrTail(): string;
}

function statusField(pid: number, field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no ${field} for process ${pid}`);
  return Number(match[1]) * 1024;
}

async function waitUntilAnswering(url: string, child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<void> {
  const deadline = performance.now() + timeoutMs; // monotonic, unlike Date.now()
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${stderr()}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`server did not answer ${url} within ${timeoutMs} ms: ${stderr()}`);
}

export async function startServer(command: string, args: string[], port: number, readyPath: string, env: NodeJS.ProcessEnv = process.env): Promise<ServerProcess> {
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"], env });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilAnswering(baseUrl + readyPath, child, 30_000, () => stderr);
  const pid = child.pid!;
  return {
    pid,
    baseUrl,
    memory: () => ({ rssBytes: statusField(pid, "VmRSS"), peakRssBytes: statusField(pid, "VmHWM") }),
    stderrTail: () => stderr,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.exitCode === null && child.kill("SIGKILL"), 3000).unref();
      }),
  };
}
