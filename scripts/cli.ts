/**
 * `maas` — the command-line entry. Every command's front end lives in scripts/commands/ and follows
 * one convention (scripts/cli/command.ts); this file only dispatches, answers `--help`, and turns
 * errors into one line: exit 1 for a problem with the inputs, 2 for a wrong command line.
 */
import { OutputExistsError } from "../training/util/output-dir.ts";
import { TrainingInputError } from "../training/data/errors.ts";
import { CliError, UsageError } from "./cli-error.ts";
import { didYouMean } from "../shared/did-you-mean.ts";
import { asksForHelp, parseErrorLine, type CommandModule } from "./cli/command.ts";

export const commands: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  start: { summary: "train, quantize and publish the default model if needed, then serve it", load: () => import("./commands/start.ts") },
  train: { summary: "train an MLP on a CSV/JSON/JSONL file and export ONNX", load: () => import("./commands/train.ts") },
  quantize: { summary: "quantize an ONNX model (int8, int8-dynamic, int4, fp16)", load: () => import("./commands/quantize.ts") },
  "upgrade-opset": { summary: "rewrite an ONNX model for a newer opset, checked against the source", load: () => import("./commands/upgrade-opset.ts") },
  prune: { summary: "magnitude-prune an ONNX model's weights", load: () => import("./commands/prune.ts") },
  distill: { summary: "train a smaller student from a teacher ONNX classifier", load: () => import("./commands/distill.ts") },
  push: { summary: "publish an ONNX model to the R2 registry", load: () => import("./commands/push.ts") },
  models: { summary: "list published models, versions and aliases", load: () => import("./commands/models.ts") },
  alias: { summary: "alias set NAME ALIAS VERSION", load: () => import("./commands/alias.ts") },
  rollback: { summary: "move an alias back to where it pointed before", load: () => import("./commands/rollback.ts") },
  rm: { summary: "remove a published version", load: () => import("./commands/rm.ts") },
  serve: { summary: "serve the local registry with the Worker", load: () => import("./commands/serve.ts") },
  predict: { summary: "send a prediction request to a deployment", load: () => import("./commands/predict.ts") },
  keys: { summary: "keys create: make an API key", load: () => import("./commands/keys.ts") },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: maas <command> [options]\n\ncommands:\n${lines.join("\n")}\n\nmaas <command> --help (or maas help <command>) prints a command's usage.\n`;
}

/** Errors of the training library that are the user's to fix. */
function isInputError(error: unknown): error is Error {
  return error instanceof CliError || error instanceof TrainingInputError || error instanceof OutputExistsError;
}

export async function runCli(argv: string[]): Promise<number> {
  let [name, ...args] = argv;
  if (name === "help" && args.length) [name, args] = [args[0], ["--help"]];
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`maas: unknown command "${name}"${didYouMean(name, Object.keys(commands))} (see maas --help)\n`);
    return 2;
  }
  const hint = `(see maas ${name} --help)`;
  let mod: CommandModule | undefined;
  try {
    mod = await command.load();
    if (asksForHelp(args)) {
      process.stdout.write(`${mod.usage.trimEnd()}\n`);
      return 0;
    }
    await mod.main(args);
    return 0;
  } catch (error) {
    const parseError = error instanceof Error ? parseErrorLine(error, mod?.options) : undefined;
    if (parseError !== undefined || error instanceof UsageError) {
      process.stderr.write(`maas ${name}: ${(parseError ?? (error as Error).message).split("\n")[0]} ${hint}\n`);
      return 2;
    }
    if (isInputError(error)) {
      process.stderr.write(`maas ${name}: ${error.message.split("\n")[0]}\n`);
      return 1;
    }
    if ((error as { code?: string }).code === "ERR_MODULE_NOT_FOUND" && String(error).includes(name)) {
      process.stderr.write(`maas: command "${name}" is not available in this build\n`);
      return 1;
    }
    throw error;
  }
}

if (import.meta.main) {
  process.exitCode = await runCli(process.argv.slice(2));
}
