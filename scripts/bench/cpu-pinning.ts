/**
 * Cores for the load runs: workerd on the last core, the load generator (this process) on the
 * others, so the two never take turns on one core in the middle of a round, which can make one
 * side's round an outlier (the likely cause; not traced). Checked on a noisy 2-core VM, 6
 * alternating rounds each of the Worker vs the minimal peer (small MLP, batch 1): throughput ratios
 * 0.33-0.67 pinned, 0.33-1.53 left to the scheduler (one round with the peer at half speed). The
 * host's noise stays either way. Linux only (taskset, from util-linux); elsewhere, or on one core,
 * nothing is pinned.
 */
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";

export interface CpuPinning {
  /** taskset's CPU list for the servers under load, e.g. "1". */
  serverCpus: string;
  /** taskset's CPU list for the load generator, e.g. "0". */
  generatorCpus: string;
  /** Every core: what the generator gets back after the load runs. */
  allCpus: string;
}

function hasTaskset(): boolean {
  try {
    execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function loadRunPinning(): CpuPinning | undefined {
  const cores = availableParallelism();
  if (process.platform !== "linux" || cores < 2 || !hasTaskset()) return undefined;
  const last = cores - 1;
  return { serverCpus: String(last), generatorCpus: last === 1 ? "0" : `0-${last - 1}`, allCpus: `0-${last}` };
}

/** `command args` run on `cpus` (taskset execs the command: the child's pid is the server's). */
export function onCpus(cpus: string | undefined, command: string, args: string[]): [string, string[]] {
  return cpus === undefined ? [command, args] : ["taskset", ["-c", cpus, command, ...args]];
}

/** Moves every thread of this process onto `cpus`. */
export function pinThisProcess(cpus: string): void {
  execFileSync("taskset", ["-a", "-c", "-p", cpus, String(process.pid)], { stdio: "ignore" });
}
