/**
 * maas start (`npm start`) — the whole path on one machine: when the local store has no published
 * default model, train it on the bundled data, quantize it to int8-dynamic and publish it; then serve the
 * local store on http://127.0.0.1:8787 and print a request that answers. A second start reuses
 * what is published.
 */
import cliProgress from "cli-progress";
import { join } from "node:path";
import { DEFAULT_ALIAS } from "../../functions/registry/layout.ts";
import type { Manifest } from "../../functions/registry/manifest.ts";
import { readAlias, readManifest, type RegistryBucket } from "../../functions/registry/store.ts";
import { blobKey } from "../../functions/registry/layout.ts";
import { CliError, UsageError } from "../cli-error.ts";
import { parseCommandArgs } from "../cli/command.ts";
import { buildDefaultModel, DEFAULT_MODEL_NAME, DEFAULT_MODEL_QUANTIZATION, sampleRecord, StepError } from "../registry/default-model.ts";
import { openLocalBucket } from "../registry/local-bucket.ts";
import { localStateDir } from "../registry/paths.ts";
import { publishModel } from "../registry/publish.ts";
import { startLocalServer } from "../registry/local-server.ts";
import { formatBytes } from "../registry/user-errors.ts";
import { parsePort, serveUntilStopped } from "./serve.ts";

const say = (line: string) => process.stderr.write(`${line}\n`);

/** The published default model when its alias, manifest and blob are all there. */
async function publishedDefault(bucket: RegistryBucket): Promise<Manifest | undefined> {
  const alias = await readAlias(bucket, DEFAULT_MODEL_NAME, DEFAULT_ALIAS);
  if (!alias) return undefined;
  const manifest = await readManifest(bucket, DEFAULT_MODEL_NAME, alias.version);
  if (!manifest || !(await bucket.head(blobKey(DEFAULT_MODEL_NAME, manifest.sha256)))) return undefined;
  return manifest;
}

function epochProgress(): { update: (epoch: number, epochs: number, loss: number) => void; stop: () => void } {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: "  training [{bar}] epoch {value}/{total} | loss {loss}", stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update: (epoch, epochs, loss) => {
        if (!started) bar.start(epochs, 0, { loss: "-" });
        started = true;
        bar.update(epoch, { loss: loss.toFixed(4) });
      },
      stop: () => started && bar.stop(),
    };
  }
  return {
    update: (epoch, epochs, loss) => {
      if (epoch === 1 || epoch % 25 === 0 || epoch === epochs) say(`  training: epoch ${epoch}/${epochs}, loss ${loss.toFixed(4)}`);
    },
    stop: () => {},
  };
}


async function ensurePublished(stateDir: string): Promise<Manifest> {
  say(`[1/4] local store ${stateDir}`);
  const opened = await openLocalBucket(stateDir);
  try {
    const existing = await publishedDefault(opened.bucket);
    if (existing) {
      say(`  ${DEFAULT_MODEL_NAME} version ${existing.version} is published (${existing.quantization ?? "fp32"}, ${formatBytes(existing.bytes)}): reusing it`);
      return existing;
    }
    say(`[2/4] no ${DEFAULT_MODEL_NAME} model yet: training the default MLP (30-256-128-2) on the bundled Breast Cancer Wisconsin data`);
    const progress = epochProgress();
    // Beside the store it is published into: two stores (two test runs, say) never share files.
    const outDir = join(stateDir, "models", DEFAULT_MODEL_NAME);
    let built;
    try {
      built = await buildDefaultModel(outDir, progress.update);
    } finally {
      progress.stop();
    }
    const ratio = built.quantized.byteLength / built.fp32.byteLength;
    say(`  trained in ${built.seconds.training.toFixed(1)} s, quantized to ${DEFAULT_MODEL_QUANTIZATION} in ${built.seconds.quantization.toFixed(1)} s: ${formatBytes(built.fp32.byteLength)} -> ${formatBytes(built.quantized.byteLength)} (${ratio.toFixed(2)}x)`);
    say(`  accuracy on ${built.accuracy.rows} held-out rows: fp32 ${built.accuracy.fp32.toFixed(3)}, ${DEFAULT_MODEL_QUANTIZATION} ${built.accuracy.quantized.toFixed(3)} (files in ${outDir})`);
    say(`[3/4] publishing ${DEFAULT_MODEL_NAME} (${DEFAULT_MODEL_QUANTIZATION}) to the local store`);
    const result = await publishModel(opened.bucket, { bytes: built.quantized, name: DEFAULT_MODEL_NAME }); // the file records its quantization
    say(`  published ${DEFAULT_MODEL_NAME} version ${result.manifest.version}, alias ${DEFAULT_ALIAS}`);
    return result.manifest;
  } catch (error) {
    if (error instanceof StepError) throw new CliError(`${error.message} — nothing was published`);
    throw error;
  } finally {
    await opened.close();
  }
}

export const usage = `usage: maas start [options]   (npm start: train, quantize and publish the default model if
                                the local store has none, then serve it and print a request that answers)
  --port 8787             the port to listen on (0: any free port)
  -h, --help              this usage`;

/** What the command accepts (every one is in its usage). */
export const options = { port: { type: "string", default: "8787" }, help: { type: "boolean", short: "h", default: false } } as const;

export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, options);
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const port = parsePort(values.port);
  const stateDir = localStateDir();
  const started = performance.now();
  const manifest = await ensurePublished(stateDir);

  say(`[4/4] starting the Worker (wrangler dev) on http://127.0.0.1:${port}`);
  const server = await serveUntilStopped(() => startLocalServer({ port, stateDir }));
  const body = JSON.stringify({ instances: [await sampleRecord()] });
  const url = `${server.url}/v1/models/${DEFAULT_MODEL_NAME}:predict`;
  const response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body });
  const answer = await response.text();
  if (!response.ok) {
    await server.stop();
    throw new CliError(`the Worker is up but the sample request failed with ${response.status}: ${answer.slice(0, 200)}`);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `\nready in ${seconds} s: ${DEFAULT_MODEL_NAME} version ${manifest.version} at ${server.url} (Ctrl-C stops)\n` +
      `anonymous access is ON for this local server (no API key needed); deployments refuse it unless ALLOW_ANONYMOUS=true\n\n` +
      `curl -s ${url} -H 'Content-Type: application/json' -d '${body}'\n\n` +
      `answer: ${answer}\n`,
  );
}
