/**
 * maas serve [--port 8787] [--require-key] [--rate-limits] — the Worker on 127.0.0.1, serving the
 * local store. Anonymous calls are allowed and rate limits are off unless these flags ask otherwise.
 */
import { readFileSync } from "node:fs";
import { parseApiKeys } from "../../functions/security/api-keys.ts";
import { CliError, UsageError } from "../cli-error.ts";
import { parseCommandArgs } from "../cli/command.ts";
import { localStateDir } from "../registry/paths.ts";
import { claimablePort, PortInUseError, startLocalServer, type LocalServer } from "../registry/local-server.ts";

/** A --port value: 1-65535, or 0 for any free port (the server then says which it took). */
export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new CliError(`--port must be 0-65535, 0 for any free port (got "${text}")`);
  return port;
}

/** Starts the server with CLI errors, and stops it on Ctrl-C / SIGTERM. */
export async function serveUntilStopped(start: () => Promise<LocalServer>): Promise<LocalServer> {
  let server: LocalServer;
  try {
    server = await start();
  } catch (error) {
    if (error instanceof PortInUseError) throw new CliError(error.message);
    throw error;
  }
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void server.stop().then(() => process.exit(0));
    });
  }
  return server;
}

export const usage = `usage: maas serve [options]   (the Worker on 127.0.0.1, serving the local store)
  --port 8787             the port to listen on (0: any free port)
  --require-key           refuse anonymous calls (by default this local server allows them)
  --keys keys.json        the API keys to accept: a file made by maas keys create --file
  --rate-limits           apply the Worker's rate limits (off locally by default)
  -h, --help              this usage`;

/** What the command accepts (every one is in its usage). */
export const options = {
  port: { type: "string", default: "8787" },
  "require-key": { type: "boolean", default: false },
  "rate-limits": { type: "boolean", default: false },
  /** A keys file made by `maas keys create --file` (the API_KEYS secret's content). */
  keys: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;

export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, options);
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const port = parsePort(values.port);
  const stateDir = localStateDir();
  let apiKeys: string | undefined;
  if (values.keys) {
    try {
      apiKeys = readFileSync(values.keys, "utf8");
      parseApiKeys(apiKeys);
    } catch (error) {
      throw new CliError(`--keys ${values.keys}: ${(error as Error).message.replace("API_KEYS", "the keys file")}`);
    }
  }
  try {
    await claimablePort(port);
  } catch (error) {
    if (error instanceof PortInUseError) throw new CliError(error.message);
    throw error;
  }
  process.stderr.write(`starting the Worker on the local store ${stateDir}...\n`);
  const server = await serveUntilStopped(() => startLocalServer({
      port,
      stateDir,
      output: "inherit",
      allowAnonymous: !values["require-key"],
      rateLimits: values["rate-limits"],
      ...(apiKeys ? { vars: { API_KEYS: apiKeys } } : {}),
    }),);
  process.stdout.write(`serving ${stateDir} at ${server.url} (Ctrl-C stops)\n`);
  process.stdout.write(
    values["require-key"]
      ? `API keys required${apiKeys ? ` (keys from ${values.keys})` : " (no --keys file given: every model call gets 401)"}\n`
      : "anonymous access is ON for this local server (no API key needed); --require-key turns it off\n",
  );
}
