/**
 * maas alias set NAME ALIAS VERSION            point ALIAS at VERSION
 * maas alias set NAME ALIAS V1=W1,V2=W2[,...]  weighted split, e.g. latest 3=90,4=10 (or --split 3=90,4=10)
 */
import { UsageError } from "../cli-error.ts";
import { parseCommandArgs } from "../cli/command.ts";
import { describeTarget, parseSplit, setAlias } from "../registry/alias-ops.ts";
import { withRegistry, TARGET_OPTIONS } from "../registry/open-registry.ts";
import { asUserErrors } from "../registry/user-errors.ts";
import { didYouMean } from "../../shared/did-you-mean.ts";

export const usage = `usage: maas alias set NAME ALIAS VERSION [options]
       maas alias set NAME ALIAS V1=W1,V2=W2   a weighted traffic split, e.g.
         "maas alias set iris latest 3=90,4=10" sends 90% of requests without a version to 3,
         10% to 4; a request with the header X-Maas-Sticky-Key stays on one side for that key
  --split V1=W1,V2=W2     the split, instead of the VERSION argument
  --local                 the local store (.maas/, the default)
  --remote                the R2 bucket (MAAS_R2_* settings, see docs/deploy.md)
  --json                  print the alias record as JSON
  -h, --help              this usage`;

/** What the command accepts (every one is in its usage). */
export const options = {
  split: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
  ...TARGET_OPTIONS,
} as const;

export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, options);
  const [sub, name, alias, target, ...extra] = positionals;
  if (sub !== "set") throw new UsageError(sub ? `unknown subcommand "${sub}"${didYouMean(sub, ["set"])}: maas alias set NAME ALIAS VERSION` : "missing subcommand: maas alias set NAME ALIAS VERSION|V1=W1,V2=W2");
  if (!name || !alias) throw new UsageError("missing NAME or ALIAS: maas alias set NAME ALIAS VERSION|V1=W1,V2=W2");
  if (extra.length) throw new UsageError(`unexpected argument ${extra[0]}`);
  if (values.split !== undefined && target !== undefined) throw new UsageError("give the VERSION or --split, not both");
  const spec = values.split ?? target;
  if (spec === undefined) throw new UsageError("missing VERSION (or --split V1=W1,V2=W2)");

  const record = await asUserErrors(() =>
    withRegistry(values, (opened) => setAlias(opened.bucket, name, alias, spec.includes("=") || values.split !== undefined ? parseSplit(spec) : spec)),
  );
  process.stdout.write(values.json ? `${JSON.stringify(record)}\n` : `${name}/${alias} -> ${describeTarget(record)}\n`);
}
