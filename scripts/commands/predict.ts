/**
 * maas predict --url URL --model NAME (--input JSON | --data FILE) [--version V | --alias A] — a
 * client for any deployment. What is sent where: scripts/cli/predict-request.ts.
 */
import { readFile } from "node:fs/promises";
import { CliError, UsageError } from "../cli-error.ts";
import { parseCommandArgs } from "../cli/command.ts";
import { csvRecords, fileKind, jsonlRecords, payloadOf, v1PredictUrl, v2ModelUrl, withoutColumns, type Payload, type Target } from "../cli/predict-request.ts";

export const usage = `usage: maas predict --url URL --model NAME (--input JSON | --data FILE) [options]
  --url URL               the deployment (e.g. http://127.0.0.1:8787)
  --model NAME            the model
  --input JSON            one record {"feature": value, ...}, an array of records, rows [[...], ...]
                          (single-input models), a v1 body {"instances": [...]} or {"inputs": ...},
                          or a v2 body {"inputs": [{"name", "datatype", "shape", "data"}]}
  --data FILE             the same from a file: .csv or .jsonl (records, one per row or line) or .json
  --ignore COL[,COL]      leave these columns out of every record (e.g. a CSV's target column)
  --version V             this version (v1: /versions/V:predict; v2: /versions/V)
  --alias A               the version alias A points at (v1: /labels/A:predict; v2: /versions/A)
  --key KEY               API key (Authorization: Bearer KEY)
  --sticky-key K          X-Maas-Sticky-Key: keeps this caller on one side of an alias's traffic split
  --timeout-ms 30000      give up after this long
  --json                  print the answer as one line of JSON (default: indented)
  -h, --help              this usage

Records and v1 bodies go to v1 :predict, where the Worker checks them against the model's feature
schema (models made by maas train); v2 bodies and rows go to v2 /infer.`;

function shapeOf(rows: unknown[]): number[] {
  const shape: number[] = [];
  let level: unknown = rows;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  return shape;
}

let timeoutMs = 30_000;

async function call(url: string, init: RequestInit): Promise<{ status: number; body: any }> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    if ((error as Error).name === "TimeoutError") throw new CliError(`${url} did not answer within ${timeoutMs} ms`);
    throw new CliError(`cannot reach ${url}: ${String((error as Error).cause ?? (error as Error).message)}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CliError(`${url} answered ${response.status} with a non-JSON body: ${text.slice(0, 120).replace(/\s+/g, " ")}`);
  }
  if (!response.ok) throw new CliError(`${response.status}: ${(body as { error?: string }).error ?? text.slice(0, 200)}`);
  return { status: response.status, body };
}

/** What the command accepts (every one is in its usage). */
export const options = {
  url: { type: "string" },
  model: { type: "string" },
  version: { type: "string" },
  alias: { type: "string" },
  ignore: { type: "string" },
  input: { type: "string" },
  data: { type: "string" },
  key: { type: "string" },
  "sticky-key": { type: "string" },
  "timeout-ms": { type: "string", default: "30000" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

async function readPayload(input: string | undefined, data: string | undefined): Promise<Payload> {
  if (input !== undefined) return payloadOf(parseJson(input, "--input"));
  const path = data!;
  const kind = fileKind(path);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (kind === "json") return payloadOf(parseJson(text, path));
  const records = kind === "csv" ? csvRecords(text, path) : jsonlRecords(text, path);
  if (!records.length) throw new CliError(`${path} has no records`);
  return { protocol: "v1", body: { instances: records } };
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${source} is not JSON: ${(error as Error).message}`);
  }
}

export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, options);
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const missing = (["url", "model"] as const).filter((o) => !values[o]);
  if (missing.length) throw new UsageError(`${missing.map((o) => `--${o}`).join(" and ")} ${missing.length > 1 ? "are" : "is"} required`);
  if ((values.input === undefined) === (values.data === undefined)) throw new UsageError("give exactly one of --input JSON and --data FILE");
  if (values.version !== undefined && values.alias !== undefined) throw new UsageError("give --version or --alias, not both");
  timeoutMs = Number(values["timeout-ms"]);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new CliError(`--timeout-ms must be a positive integer (got "${values["timeout-ms"]}")`);
  let base: URL;
  try {
    base = new URL(values.url!);
  } catch {
    throw new CliError(`--url "${values.url}" is not a URL`);
  }
  const ignore = values.ignore?.split(",").map((c) => c.trim()).filter(Boolean) ?? [];
  const payload = withoutColumns(await readPayload(values.input, values.data), ignore);

  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (values.key) headers.Authorization = `Bearer ${values.key}`;
  if (values["sticky-key"]) headers["X-Maas-Sticky-Key"] = values["sticky-key"];
  const target: Target = { root: base.href.replace(/\/+$/, ""), model: values.model!, version: values.version, alias: values.alias };

  let result: { body: unknown };
  if (payload.protocol === "v1") {
    result = await call(v1PredictUrl(target), { method: "POST", headers, body: JSON.stringify(payload.body) });
  } else {
    let request = payload.protocol === "v2" ? payload.body : undefined;
    if (payload.protocol === "rows") {
      const metadata = await call(v2ModelUrl(target), { headers });
      const inputs = (metadata.body as { inputs: Array<{ name: string; datatype: string }> }).inputs;
      if (inputs.length !== 1) throw new CliError(`${values.model} has ${inputs.length} inputs: send a v2 request {"inputs":[...]}`);
      request = { inputs: [{ name: inputs[0].name, datatype: inputs[0].datatype, shape: shapeOf(payload.rows), data: payload.rows.flat(Infinity) }] };
    }
    result = await call(`${v2ModelUrl(target)}/infer`, { method: "POST", headers, body: JSON.stringify(request) });
  }
  process.stdout.write(`${JSON.stringify(result.body, null, values.json ? undefined : 2)}\n`);
}
