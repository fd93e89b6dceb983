/** maas rm NAME VERSION — remove a version (refused while an alias points at it). */
import { UsageError } from "../cli-error.ts";
import { parseCommandArgs } from "../cli/command.ts";
import { withRegistry, TARGET_OPTIONS } from "../registry/open-registry.ts";
import { removeVersion } from "../registry/remove-version.ts";
import { asUserErrors } from "../registry/user-errors.ts";

export const usage = `usage: maas rm NAME VERSION [options]   (refused while an alias points at VERSION)
  --local                 the local store (.maas/, the default)
  --remote                the R2 bucket (MAAS_R2_* settings, see docs/deploy.md)
  --json                  print the result as JSON
  -h, --help              this usage`;

/** What the command accepts (every one is in its usage). */
export const options = { json: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false }, ...TARGET_OPTIONS } as const;

export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, options);
  if (positionals.length !== 2) throw new UsageError(positionals.length < 2 ? "missing NAME or VERSION: maas rm NAME VERSION" : `unexpected argument ${positionals[2]}`);
  const [name, version] = positionals;
  const { blobRemoved } = await asUserErrors(() => withRegistry(values, (opened) => removeVersion(opened.bucket, name, version)));
  if (values.json) return void process.stdout.write(`${JSON.stringify({ name, version, blobRemoved })}\n`);
  process.stdout.write(`removed ${name} version ${version}${blobRemoved ? "" : " (its blob stays: another version has the same bytes)"}\n`);
}
