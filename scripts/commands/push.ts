/**
 * maas push FILE --name NAME [--version V] [--alias A ...] [--quantization Q] [--prepack] [--local | --remote] [--json]
 *
 * What maas quantize / prune / distill did is read from the file's metadata (maas.compression) and
 * recorded in the manifest (`compression`, and `quantization` from the last quantize step).
 * Publishes blob → manifest → aliases (scripts/registry/publish.ts). A new version's batch-1 CPU
 * time in onnxruntime-web is measured and recorded (scripts/registry/measure-cpu.ts); push warns
 * when it is over the Workers free plan's 10 ms. MAAS_PUSH_PAUSE_AT=after-blob
 * or after-manifest makes the push stop there and wait, so a test can kill it mid-publish.
 */
import { readFile } from "node:fs/promises";
import { CliError, UsageError } from "../cli-error.ts";
import { parseCommandArgs } from "../cli/command.ts";
import { isolateFit, isolateFitLine, overBudgetWarning } from "../registry/budget-check.ts";
import type { Fp32Prepacking } from "../../functions/sessions/prepacking.ts";
import { withRegistry, TARGET_OPTIONS } from "../registry/open-registry.ts";
import { checkName, publishModel, type PublishStep } from "../registry/publish.ts";
import { asUserErrors, formatBytes } from "../registry/user-errors.ts";
import { describeCompression } from "../../shared/compression-record.ts";
import { InvalidModelError } from "../registry/inspect-model.ts";
import { cpuLimitWarning } from "../registry/measure-cpu.ts";

export const usage = `usage: maas push FILE --name NAME [options]
  --name NAME             the model's name
  --version V             default: the version that already holds these bytes, else the next integer
  --alias A               move alias A to this version (repeatable; default: latest)
  --quantization Q        how the weights are stored, when the file does not say: files made by
                          maas quantize / prune / distill record what was done, and that is used
  --prepack               let the Worker prepack float32 MatMul/Gemm weights of any size (by default
                          only up to 16 MiB of them), for a second copy of those weights in the
                          isolate, counted in the memory estimate; applies to a new version. What it
                          saves depends on the machine (a 100 MB model: 0.63x the CPU per request on
                          one, none on another): push a version each way and compare the CPU times
                          push prints
  --local                 the local store (.maas/, the default)
  --remote                the R2 bucket (MAAS_R2_* settings, see docs/deploy.md)
  --json                  print the result as JSON
  -h, --help              this usage`;
const PAUSE_STEPS: readonly string[] = ["after-blob", "after-manifest"];

async function pauseIfAsked(step: PublishStep): Promise<void> {
  if (process.env.MAAS_PUSH_PAUSE_AT !== step) return;
  process.stderr.write(`maas push: paused ${step} (MAAS_PUSH_PAUSE_AT)\n`);
  await new Promise(() => setInterval(() => {}, 60_000)); // until killed
}

/** What the command accepts (every one is in its usage). */
export const options = {
  name: { type: "string" },
  version: { type: "string" },
  alias: { type: "string", multiple: true },
  quantization: { type: "string" },
  prepack: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
  ...TARGET_OPTIONS,
} as const;

export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, options);
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `expected one FILE, got ${positionals.length}` : "missing FILE: maas push FILE --name NAME");
  if (!values.name) throw new UsageError("--name NAME is required");
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
  const prepacking: Fp32Prepacking = values.prepack ? "always" : "auto";
  const started = performance.now();
  let where = "";
  let cpuError: string | undefined;
  const result = await asUserErrors(() =>
    withRegistry(values, async (opened) => {
      // onnxruntime loads it first: a model that cannot be served is refused before the store is written.
      where = opened.description;
      try {
        return await publishModel(opened.bucket, {
          bytes,
          name: values.name!,
          version: values.version,
          aliases: values.alias,
          quantization: values.quantization,
          measureCpu: { onError: (message) => (cpuError = message) },
          fp32Prepacking: prepacking,
          onStep: pauseIfAsked,
        });
      } catch (error) {
        if (error instanceof InvalidModelError) throw new InvalidModelError(`${file} cannot be published: ${error.message}`);
        throw error;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const { manifest } = result;
  const warning = overBudgetWarning(manifest);
  const cpuWarning = cpuLimitWarning(manifest);
  const cpuNote = cpuError === undefined ? undefined : `note: the CPU time per request could not be measured in onnxruntime-web: ${cpuError}`;
  const warnings = [warning, cpuWarning, cpuNote].filter((w): w is string => w !== undefined);
  for (const line of warnings) process.stderr.write(`maas push: ${line}\n`);
  if (values.json) {
    const fit = isolateFit(manifest, prepacking);
    const summary = {
      name: manifest.name,
      version: manifest.version,
      sha256: manifest.sha256,
      bytes: manifest.bytes,
      blobUploaded: result.blobUploaded,
      manifestWritten: result.manifestWritten,
      aliases: result.aliasesMoved.map((a) => a.alias),
      memoryBytes: manifest.memoryBytes,
      prepackedBytes: manifest.prepackedBytes ?? null,
      quantization: manifest.quantization ?? null,
      compression: manifest.compression ?? [],
      overBudget: warning !== undefined,
      cpuMsBatch1: manifest.cpu?.batch1Ms ?? null,
      overFreePlanCpu: cpuWarning !== undefined,
      isolatePeakBytes: fit.peakBytes,
      largestFittingFileBytes: fit.largestFileBytes,
      warnings,
      seconds,
    };
    return void process.stdout.write(`${JSON.stringify(summary)}\n`);
  }
  const blob = result.blobUploaded ? "blob uploaded" : "identical blob already stored";
  const version = result.manifestWritten ? "" : " (already published; nothing new)";
  const compression = manifest.compression?.length ? `, ${describeCompression(manifest.compression)}` : manifest.quantization ? `, ${manifest.quantization}` : "";
  const cpu = manifest.cpu ? `, ~${manifest.cpu.batch1Ms.toFixed(2)} ms CPU per batch-1 request` : "";
  const moved = result.aliasesMoved.length ? `; ${result.aliasesMoved.map((a) => a.alias).join(", ")} -> ${manifest.version}` : "";
  process.stdout.write(
    `published ${manifest.name} version ${manifest.version}${version}: ${formatBytes(manifest.bytes)}${compression}${cpu}, sha256 ${manifest.sha256.slice(0, 12)}, ${blob}${moved} (${seconds.toFixed(1)} s, ${where})\n` +
      `  ${isolateFitLine(manifest, prepacking)}\n`,
  );
}
