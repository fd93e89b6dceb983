/** maas models [--local | --remote] [--json] — names, versions (sizes), aliases. */
import { parseArgs } from "node:util";
import { CliError } from "../cli-error.ts";
import { describeTarget } from "../registry/alias-ops.ts";
import { withRegistry, TARGET_OPTIONS } from "../registry/open-registry.ts";
import { listRegistry, type ModelListing } from "../registry/registry-listing.ts";
import { asUserErrors, formatBytes } from "../registry/user-errors.ts";

function text(models: ModelListing[], where: string): string {
  if (!models.length) return `no models in ${where}\n`;
  const lines: string[] = [];
  for (const model of models) {
    lines.push(model.name);
    for (const v of model.versions) {
      const holders = model.aliases.filter((a) => a.version === v.version || a.split?.some((s) => s.version === v.version)).map((a) => a.alias);
      lines.push(
        `  version ${v.version.padEnd(8)} ${formatBytes(v.bytes).padStart(10)}  ${v.quantization ?? "-"}  ${v.createdAt}  sha256 ${v.sha256.slice(0, 12)}` +
          (holders.length ? `  <- ${holders.join(", ")}` : ""),
      );
    }
    for (const a of model.aliases) lines.push(`  alias   ${a.alias} -> ${describeTarget(a)}${a.history.length ? `  (before: ${a.history.join(", ")})` : ""}`);
  }
  return `${lines.join("\n")}\n`;
}

export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false }, ...TARGET_OPTIONS },
  });
  if (values.help) return void process.stdout.write("usage: maas models [--local | --remote] [--json]\n");
  if (positionals.length) throw new CliError(`unexpected argument ${positionals[0]}`);
  const { models, where } = await asUserErrors(() => withRegistry(values, async (opened) => ({ models: await listRegistry(opened.bucket), where: opened.description })));
  process.stdout.write(values.json ? `${JSON.stringify({ models })}\n` : text(models, where));
}
