/**
 * Running the Worker locally on the local store: `wrangler dev` on 127.0.0.1 with
 * `--persist-to` the directory `maas push --local` writes. Used by `maas serve`, `npm start` and
 * the tests; the Worker's end-to-end tests and benchmarks can start it the same way:
 *
 *   const server = await startLocalServer({ port: 0 });   // 0: a free port
 *   await fetch(`${server.url}/v2/models/iris/infer`, ...);
 *   await server.stop();
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { localWranglerConfig } from "./local-config.ts";
import { localStateDir, REPO_ROOT } from "./paths.ts";

export interface LocalServerOptions {
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Default: localStateDir() (.maas/state, or MAAS_STATE_DIR). */
  stateDir?: string;
  /** Extra Worker variables (override wrangler.toml). */
  vars?: Record<string, string>;
  /** Requests without an API key may call every model (default true: the server is on loopback only). */
  allowAnonymous?: boolean;
  /** Keep wrangler.toml's rate limits (default false: a local server answers every request; see local-config.ts). */
  rateLimits?: boolean;
  /** Where wrangler's own output goes: "inherit" shows request logs, "pipe" keeps the tail for errors. */
  output?: "inherit" | "pipe";
  /** How long to wait for the Worker to answer (default 90 s: the first bundle takes a while). */
  readyTimeoutMs?: number;
}

export interface LocalServer {
  url: string;
  port: number;
  pid: number;
  /** Stops wrangler and its workerd (the whole process group it leads). */
  stop(): Promise<void>;
  /** Last output of wrangler (pipe mode). */
  outputTail(): string;
}

export class PortInUseError extends Error {
  override name = "PortInUseError";
}

export const HOST = "127.0.0.1";
const READY_PATH = "/v2/health/ready";

/** Resolves the port if it can be listened on (0 → a free one), else throws PortInUseError. */
export function claimablePort(port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new PortInUseError(`port ${port} on ${HOST} is in use (choose another with --port)`) : error),
    );
    probe.listen(port, HOST, () => {
      const free = (probe.address() as { port: number }).port;
      probe.close(() => resolvePort(free));
    });
  });
}

/**
 * A free port is only free until someone binds it: between claimablePort() and wrangler's bind,
 * another process (another test run's workerd, say) can take it. Ports chosen here are then chosen
 * again, this many times in all.
 */
const PORT_RACE_ATTEMPTS = 3;

export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const asked = options.port ?? 8787;
  for (let attempt = 1; ; attempt++) {
    const port = await claimablePort(asked);
    // wrangler dev also opens a devtools inspector socket, by default on 9229 or the next free port
    // it finds; two servers starting at once (or beside a developer's own `wrangler dev`) can pick
    // the same one and fail with "Address already in use". A port of our own choosing avoids that.
    const inspectorPort = await claimablePort(0);
    try {
      return await startWrangler(options, port, inspectorPort);
    } catch (error) {
      // Again: a port asked for by number that is really in use fails claimablePort() above, clearly.
      if (!(error instanceof PortTakenError) || attempt === PORT_RACE_ATTEMPTS) throw error;
    }
  }
}

/** wrangler could not bind one of its ports. */
class PortTakenError extends Error {
  override name = "PortTakenError";
}

async function startWrangler(options: LocalServerOptions, port: number, inspectorPort: number): Promise<LocalServer> {
  const vars: Record<string, string> = {
    // Alias moves are seen by the next request.
    ALIAS_CACHE_MS: "0",
    ALLOW_ANONYMOUS: String(options.allowAnonymous ?? true),
    ...options.vars,
  };
  const args = [
    resolve(REPO_ROOT, "node_modules/wrangler/bin/wrangler.js"),
    "dev",
    "--config", localWranglerConfig(options.rateLimits ?? false),
    "--ip", HOST,
    "--port", String(port),
    "--inspector-port", String(inspectorPort),
    "--persist-to", options.stateDir ?? localStateDir(),
    "--show-interactive-dev-session=false",
    ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  ];
  const pipe = options.output !== "inherit";
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    // Its own process group: stop() ends wrangler and the workerd it spawns together.
    detached: true,
    stdio: ["ignore", pipe ? "pipe" : "inherit", pipe ? "pipe" : "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_LOG: process.env.WRANGLER_LOG ?? "log" },
  });
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((done) => child.once("exit", () => done()));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      return; // already gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {}
    }, 5000);
    await exited;
    clearTimeout(timer);
  };

  const url = `http://${HOST}:${port}`;
  // performance.now(): a monotonic clock, so a wall-clock step (NTP, a resumed VM) cannot cut the wait short.
  const deadline = performance.now() + (options.readyTimeoutMs ?? 90_000);
  while (true) {
    if (child.exitCode !== null) {
      const message = `wrangler dev exited with code ${child.exitCode}: ${tail.trim().split("\n").slice(-5).join(" | ")}`;
      throw /Address already in use/.test(tail) ? new PortTakenError(message) : new Error(message);
    }
    try {
      const response = await fetch(url + READY_PATH);
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer ${url}${READY_PATH} in time: ${tail.trim().split("\n").slice(-5).join(" | ")}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, port, pid: child.pid!, stop, outputTail: () => tail };
}
