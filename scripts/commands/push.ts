/**
 * maas push FILE --name NAME [--version V] [--alias A ...] [--quantization Q] [--local | --remote] [--json]
 *
 * Publishes blob → manifest → aliases (scripts/registry/publish.ts). MAAS_PUSH_PAUSE_AT=after-blob
 * or after-manifest makes the push stop there and wait, so a test can kill it mid-publish.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { CliError } from "../cli-error.ts";
import { overBudgetWarning } from "../registry/budget-check.ts";
import { withRegistry, TARGET_OPTIONS } from "../registry/open-registry.ts";
import { checkName, publishModel, type PublishStep } from "../registry/publish.ts";
import { asUserErrors, formatBytes } from "../registry/user-errors.ts";

const USAGE = "usage: maas push FILE --name NAME [--version V] [--alias A ...] [--quantization Q] [--local | --remote] [--json]";
const PAUSE_STEPS: readonly string[] = ["after-blob", "after-manifest"];

async function pauseIfAsked(step: PublishStep): Promise<void> {
  if (process.env.MAAS_PUSH_PAUSE_AT !== step) return;
  process.stderr.write(`maas push: paused ${step} (MAAS_PUSH_PAUSE_AT)\n`);
  await new Promise(() => setInterval(() => {}, 60_000)); // until killed
}

export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      name: { type: "string" },
      version: { type: "string" },
      alias: { type: "string", multiple: true },
      quantization: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      ...TARGET_OPTIONS,
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  if (positionals.length !== 1) throw new CliError(positionals.length ? `expected one FILE, got ${positionals.length}` : USAGE);
  if (!values.name) throw new CliError("--name NAME is required");
  const pauseAt = process.env.MAAS_PUSH_PAUSE_AT;
  if (pauseAt && !PAUSE_STEPS.includes(pauseAt)) throw new CliError(`MAAS_PUSH_PAUSE_AT must be ${PAUSE_STEPS.join(" or ")}`);
  const file = positionals[0];
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (bytes.byteLength === 0) throw new CliError(`${file} is empty`);

  // Names are checked before the store is opened (which starts workerd for the local store).
  await asUserErrors(async () => {
    checkName("model name", values.name!);
    if (values.version !== undefined) checkName("version", values.version);
    for (const alias of values.alias ?? []) checkName("alias", alias);
  });
  const started = performance.now();
  let where = "";
  const result = await asUserErrors(() =>
    withRegistry(values, async (opened) => {
      where = opened.description;
      return publishModel(opened.bucket, {
        bytes,
        name: values.name!,
        version: values.version,
        aliases: values.alias,
        quantization: values.quantization,
        onStep: pauseIfAsked,
      });
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const { manifest } = result;
  const warning = overBudgetWarning(manifest);
  if (warning) process.stderr.write(`maas push: ${warning}\n`);
  if (values.json) {
    const summary = {
      name: manifest.name,
      version: manifest.version,
      sha256: manifest.sha256,
      bytes: manifest.bytes,
      blobUploaded: result.blobUploaded,
      manifestWritten: result.manifestWritten,
      aliases: result.aliasesMoved.map((a) => a.alias),
      memoryBytes: manifest.memoryBytes,
      overBudget: warning !== undefined,
      seconds,
    };
    return void process.stdout.write(`${JSON.stringify(summary)}\n`);
  }
  const blob = result.blobUploaded ? "blob uploaded" : "identical blob already stored";
  const version = result.manifestWritten ? "" : " (already published; nothing new)";
  const moved = result.aliasesMoved.length ? `; ${result.aliasesMoved.map((a) => a.alias).join(", ")} -> ${manifest.version}` : "";
  process.stdout.write(
    `published ${manifest.name} version ${manifest.version}${version}: ${formatBytes(manifest.bytes)}, sha256 ${manifest.sha256.slice(0, 12)}, ${blob}${moved} (${seconds.toFixed(1)} s, ${where})\n`,
  );
}
