/** maas rm NAME VERSION — remove a version (refused while an alias points at it). */
import { parseArgs } from "node:util";
import { CliError } from "../cli-error.ts";
import { withRegistry, TARGET_OPTIONS } from "../registry/open-registry.ts";
import { removeVersion } from "../registry/remove-version.ts";
import { asUserErrors } from "../registry/user-errors.ts";

export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { help: { type: "boolean", short: "h", default: false }, ...TARGET_OPTIONS },
  });
  if (values.help) return void process.stdout.write("usage: maas rm NAME VERSION [--local | --remote]\n");
  if (positionals.length !== 2) throw new CliError("usage: maas rm NAME VERSION");
  const [name, version] = positionals;
  const { blobRemoved } = await asUserErrors(() => withRegistry(values, (opened) => removeVersion(opened.bucket, name, version)));
  process.stdout.write(`removed ${name} version ${version}${blobRemoved ? "" : " (its blob stays: another version has the same bytes)"}\n`);
}
