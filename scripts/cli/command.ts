/**
 * The one convention every `maas` command follows. A command module exports its full usage text,
 * the parseArgs options its parser accepts (the help test checks that the usage lists each one) and
 * `main`. The dispatcher (scripts/cli.ts) answers `--help`/`-h` from `usage` before `main` runs, so
 * every command and subcommand has it; parse errors become one line plus the usage hint, exit 2.
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { didYouMean } from "../../shared/did-you-mean.ts";
import { UsageError } from "../cli-error.ts";

export interface CommandModule {
  /** Every form and every option of the command, as `maas CMD --help` prints it. */
  usage: string;
  /** What the command's parser accepts. */
  options: ParseArgsOptionsConfig;
  main(args: string[]): Promise<void>;
}

/** `--help` and `-h` anywhere before a `--` terminator. */
export function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

/** parseArgs in strict mode with positionals: unknown options throw ERR_PARSE_ARGS_UNKNOWN_OPTION. */
export function parseCommandArgs<T extends ParseArgsOptionsConfig>(args: string[], options: T) {
  return parseArgs({ args, options, allowPositionals: true, strict: true });
}

/**
 * Node's parse errors, in one line: "Unknown option '--x'. To specify a positional…" → "unknown
 * option '--x'", with the option it was likely meant to be when `options` has one near it.
 */
export function parseErrorLine(error: Error, options: ParseArgsOptionsConfig = {}): string | undefined {
  const code = (error as { code?: string }).code;
  if (!code?.startsWith("ERR_PARSE_ARGS_")) return undefined;
  const first = error.message.split(/\.\s/)[0].replace(/\.$/, "");
  const line = first.charAt(0).toLowerCase() + first.slice(1);
  const unknown = code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? /'(--[^'=]+)/.exec(line)?.[1] : undefined;
  return unknown === undefined ? line : line + didYouMean(unknown, Object.keys(options).map((name) => `--${name}`));
}

/** The one input file of a command such as `maas quantize IN ...`: a usage error when it is missing
 * (naming the command's form) or followed by more arguments. */
export function oneInput(positionals: readonly string[], form: string): string {
  const [input, ...extra] = positionals;
  if (!input) throw new UsageError(`missing IN: ${form}`);
  if (extra.length) throw new UsageError(`unexpected argument ${extra[0]}`);
  return input;
}
