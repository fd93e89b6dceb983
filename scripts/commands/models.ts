/**
 * maas models [--local | --remote] [--json] — names, versions (sizes, what compression made them,
 * CPU per batch-1 request as measured by maas push), aliases.
 */
import { UsageError } from "../cli-error.ts";
import { parseCommandArgs } from "../cli/command.ts";
import { describeTarget } from "../registry/alias-ops.ts";
import { withRegistry, TARGET_OPTIONS } from "../registry/open-registry.ts";
import { listRegistry, type ModelListing } from "../registry/registry-listing.ts";
import { asUserErrors, formatBytes } from "../registry/user-errors.ts";
import { describeCompression } from "../../shared/compression-record.ts";

export const usage = `usage: maas models [options]
  --local                 the local store (.maas/, the default)
  --remote                the R2 bucket (MAAS_R2_* settings, see docs/deploy.md)
  --json                  print the listing as JSON
  -h, --help              this usage`;

/** Compression as recorded by maas quantize / prune / distill, else the quantization given at push. */
function howStored(v: ModelListing["versions"][number]): string {
  return v.compression?.length ? describeCompression(v.compression) : (v.quantization ?? "-");
}

/** The CPU time maas push measured (older versions: not measured). */
function cpuPerRequest(v: ModelListing["versions"][number]): string {
  return v.cpu ? `cpu ${v.cpu.batch1Ms < 0.1 ? v.cpu.batch1Ms.toFixed(3) : v.cpu.batch1Ms.toFixed(1)} ms/request (batch 1)` : "cpu not measured";
}

function text(models: ModelListing[], where: string): string {
  if (!models.length) return `no models in ${where}\n`;
  const lines: string[] = [];
  for (const model of models) {
    lines.push(model.name);
    for (const v of model.versions) {
      const holders = model.aliases.filter((a) => a.version === v.version || a.split?.some((s) => s.version === v.version)).map((a) => a.alias);
      lines.push(
        `  version ${v.version.padEnd(8)} ${formatBytes(v.bytes).padStart(10)}  ${howStored(v)}  ${cpuPerRequest(v)}  ${v.createdAt}  sha256 ${v.sha256.slice(0, 12)}` +
          (holders.length ? `  <- ${holders.join(", ")}` : ""),
      );
    }
    for (const a of model.aliases) lines.push(`  alias   ${a.alias} -> ${describeTarget(a)}${a.history.length ? `  (before: ${a.history.join(", ")})` : ""}`);
  }
  return `${lines.join("\n")}\n`;
}

/** What the command accepts (every one is in its usage). */
export const options = { json: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false }, ...TARGET_OPTIONS } as const;

export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, options);
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const { models, where } = await asUserErrors(() => withRegistry(values, async (opened) => ({ models: await listRegistry(opened.bucket), where: opened.description })));
  process.stdout.write(values.json ? `${JSON.stringify({ models })}\n` : text(models, where));
}
