/**
 * maas alias set NAME ALIAS VERSION            point ALIAS at VERSION
 * maas alias set NAME ALIAS V1=W1,V2=W2[,...]  weighted split, e.g. latest 3=90,4=10 (or --split 3=90,4=10)
 */
import { parseArgs } from "node:util";
import { CliError } from "../cli-error.ts";
import { describeTarget, parseSplit, setAlias } from "../registry/alias-ops.ts";
import { withRegistry, TARGET_OPTIONS } from "../registry/open-registry.ts";
import { asUserErrors } from "../registry/user-errors.ts";

const USAGE = `usage: maas alias set NAME ALIAS VERSION [--local | --remote] [--json]
       maas alias set NAME ALIAS V1=W1,V2=W2   (or --split V1=W1,V2=W2): a weighted traffic split,
         e.g. "maas alias set iris latest 3=90,4=10" sends 90% of requests without a version to 3,
         10% to 4; a request with the header X-Maas-Sticky-Key stays on one side for that key`;

export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      split: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      ...TARGET_OPTIONS,
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const [sub, name, alias, target, ...extra] = positionals;
  if (sub !== "set") throw new CliError(sub ? `unknown subcommand "${sub}" (maas alias set NAME ALIAS VERSION)` : "usage: maas alias set NAME ALIAS VERSION|V1=W1,V2=W2");
  if (!name || !alias) throw new CliError("usage: maas alias set NAME ALIAS VERSION|V1=W1,V2=W2");
  if (extra.length) throw new CliError(`unexpected argument ${extra[0]}`);
  if (values.split !== undefined && target !== undefined) throw new CliError("give the VERSION or --split, not both");
  const spec = values.split ?? target;
  if (spec === undefined) throw new CliError("missing VERSION (or --split V1=W1,V2=W2)");

  const record = await asUserErrors(() =>
    withRegistry(values, (opened) => setAlias(opened.bucket, name, alias, spec.includes("=") || values.split !== undefined ? parseSplit(spec) : spec)),
  );
  process.stdout.write(values.json ? `${JSON.stringify(record)}\n` : `${name}/${alias} -> ${describeTarget(record)}\n`);
}
