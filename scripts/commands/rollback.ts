/** maas rollback NAME [--alias latest] — move the alias back to where it pointed before. */
import { DEFAULT_ALIAS } from "../../functions/registry/layout.ts";
import { UsageError } from "../cli-error.ts";
import { parseCommandArgs } from "../cli/command.ts";
import { describeTarget, rollbackAlias } from "../registry/alias-ops.ts";
import { withRegistry, TARGET_OPTIONS } from "../registry/open-registry.ts";
import { asUserErrors } from "../registry/user-errors.ts";

export const usage = `usage: maas rollback NAME [options]
  --alias latest          the alias to move back to where it pointed before (default latest)
  --local                 the local store (.maas/, the default)
  --remote                the R2 bucket (MAAS_R2_* settings, see docs/deploy.md)
  --json                  print the alias target as JSON
  -h, --help              this usage`;

/** What the command accepts (every one is in its usage). */
export const options = {
  alias: { type: "string", default: DEFAULT_ALIAS },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
  ...TARGET_OPTIONS,
} as const;

export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, options);
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument ${positionals[1]}` : "missing NAME: maas rollback NAME [--alias latest]");
  const name = positionals[0];
  const { from, to } = await asUserErrors(() => withRegistry(values, (opened) => rollbackAlias(opened.bucket, name, values.alias)));
  process.stdout.write(values.json ? `${JSON.stringify(to)}\n` : `${name}/${values.alias}: ${describeTarget(from)} -> ${describeTarget(to)}\n`);
}
