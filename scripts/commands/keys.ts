/**
 * `maas keys create --name NAME [--models a,b] [--tier TIER] [--file keys.json] [--json]`
 *
 * Prints a new API key once (it is not stored anywhere) and its entry for the Worker secret
 * API_KEYS, which holds only hashes. With --file, the entry is added to that JSON array, ready for
 * `npx wrangler secret put API_KEYS < keys.json`.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { apiKeyEntrySchema, generateApiKey, hashApiKey, parseApiKeys, type ApiKeyEntry } from "../../functions/security/api-keys.ts";
import { CliError, UsageError } from "../cli-error.ts";
import { parseCommandArgs } from "../cli/command.ts";
import { didYouMean } from "../../shared/did-you-mean.ts";

export const usage = `usage: maas keys create --name NAME [options]   (prints a new API key once, and its entry for API_KEYS)
  --name NAME             who the key is for (errors and logs name the key by it)
  --models a,b            the models it may call, or '*' for all (default '*')
  --tier TIER             its rate-limit tier (HIGH uses RATE_LIMIT_HIGH)
  --file keys.json        add the entry to this JSON array, ready for: npx wrangler secret put API_KEYS < keys.json
  --json                  print the key and its entry as JSON
  -h, --help              this usage`;

function readKeysFile(path: string): ApiKeyEntry[] {
  if (!existsSync(path)) return [];
  try {
    return parseApiKeys(readFileSync(path, "utf8"));
  } catch (error) {
    throw new CliError(`${path}: ${(error as Error).message.replace("API_KEYS", "the keys file")}`);
  }
}

/** What the command accepts (every one is in its usage). */
export const options = {
  name: { type: "string" },
  models: { type: "string", default: "*" },
  tier: { type: "string" },
  file: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

export async function main(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  if (action !== "create") throw new UsageError(action ? `unknown subcommand "${action}"${didYouMean(action, ["create"])}: maas keys create --name NAME` : "missing subcommand: maas keys create --name NAME");
  const { values, positionals } = parseCommandArgs(rest, options);
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
  if (!values.name) throw new UsageError("--name NAME is required");
  const models = values.models === "*" ? "*" : values.models.split(",").map((m) => m.trim()).filter(Boolean);
  if (models !== "*" && models.length === 0) throw new CliError("--models needs at least one model name, or '*'");

  const key = generateApiKey();
  const parsed = apiKeyEntrySchema.safeParse({ name: values.name, hash: await hashApiKey(key), models, ...(values.tier ? { tier: values.tier } : {}) });
  if (!parsed.success) throw new CliError(`invalid ${parsed.error.issues[0].path.join(".")}: ${parsed.error.issues[0].message}`);
  const entry = parsed.data;

  if (values.file) {
    const entries = readKeysFile(values.file);
    if (entries.some((e) => e.name === entry.name)) throw new CliError(`${values.file} already has a key named "${entry.name}"`);
    const temporary = `${values.file}.tmp-${process.pid}`;
    writeFileSync(temporary, `${JSON.stringify([...entries, entry], null, 2)}\n`);
    renameSync(temporary, values.file); // never leave a half-written keys file
  }

  if (values.json) {
    process.stdout.write(`${JSON.stringify({ key, entry, file: values.file ?? null })}\n`);
    return;
  }
  process.stdout.write(
    [
      `API key for "${entry.name}" (shown once; store it now):`,
      "",
      `  ${key}`,
      "",
      "Its entry for the Worker secret API_KEYS (a JSON array of such entries):",
      "",
      `  ${JSON.stringify(entry)}`,
      "",
      values.file
        ? `Added to ${values.file}. Deploy with: npx wrangler secret put API_KEYS < ${values.file}`
        : "Add it to your keys file and deploy with: npx wrangler secret put API_KEYS < keys.json",
      "",
    ].join("\n"),
  );
}
