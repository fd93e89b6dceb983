/** maas rollback NAME [--alias latest] — move the alias back to where it pointed before. */
import { parseArgs } from "node:util";
import { DEFAULT_ALIAS } from "../../functions/registry/layout.ts";
import { CliError } from "../cli-error.ts";
import { describeTarget, rollbackAlias } from "../registry/alias-ops.ts";
import { withRegistry, TARGET_OPTIONS } from "../registry/open-registry.ts";
import { asUserErrors } from "../registry/user-errors.ts";

export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      alias: { type: "string", default: DEFAULT_ALIAS },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      ...TARGET_OPTIONS,
    },
  });
  if (values.help) return void process.stdout.write("usage: maas rollback NAME [--alias latest] [--local | --remote] [--json]\n");
  if (positionals.length !== 1) throw new CliError("usage: maas rollback NAME [--alias latest]");
  const name = positionals[0];
  const { from, to } = await asUserErrors(() => withRegistry(values, (opened) => rollbackAlias(opened.bucket, name, values.alias)));
  process.stdout.write(values.json ? `${JSON.stringify(to)}\n` : `${name}/${values.alias}: ${describeTarget(from)} -> ${describeTarget(to)}\n`);
}
