/**
 * `maas` — the command-line entry. Each command lives in its own module exporting
 * `main(args: string[]): Promise<void>`; this file only dispatches and turns errors into one line.
 */
import { CliError } from "./cli-error.ts";

type CommandModule = { main(args: string[]): Promise<void> };

const commands: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  start: { summary: "train, quantize and publish the default model if needed, then serve it", load: () => import("./commands/start.ts") },
  train: { summary: "train an MLP on a CSV/JSON/JSONL file and export ONNX", load: () => import("../training/cli/train.ts") },
  quantize: { summary: "quantize an ONNX model (int8, int8-dynamic, int4, fp16)", load: () => import("../training/compress/cli/quantize.ts") },
  prune: { summary: "magnitude-prune an ONNX model's weights", load: () => import("../training/compress/cli/prune.ts") },
  distill: { summary: "train a smaller student from a teacher ONNX classifier", load: () => import("../training/compress/cli/distill.ts") },
  push: { summary: "publish an ONNX model to the R2 registry", load: () => import("./commands/push.ts") },
  models: { summary: "list published models, versions and aliases", load: () => import("./commands/models.ts") },
  alias: { summary: "alias set NAME ALIAS VERSION", load: () => import("./commands/alias.ts") },
  rollback: { summary: "move an alias back to where it pointed before", load: () => import("./commands/rollback.ts") },
  rm: { summary: "remove a published version", load: () => import("./commands/rm.ts") },
  serve: { summary: "serve the local registry with the Worker", load: () => import("./commands/serve.ts") },
  predict: { summary: "send a prediction request to a deployment", load: () => import("./commands/predict.ts") },
  keys: { summary: "create API keys", load: () => import("./commands/keys.ts") },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: maas <command> [options]\n\ncommands:\n${lines.join("\n")}\n`;
}

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`maas: unknown command "${name}" (see maas --help)\n`);
    return 1;
  }
  try {
    const mod = await command.load();
    await mod.main(args);
    return 0;
  } catch (error) {
    if (error instanceof CliError || (error as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      process.stderr.write(`maas ${name}: ${(error as Error).message}\n`);
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
