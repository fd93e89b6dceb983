/**
 * maas predict --url URL --model NAME (--input JSON | --data FILE) [--version V] [--key KEY] [--sticky-key K] [--timeout-ms N] [--json]
 *
 * A client for any deployment, speaking the Open Inference Protocol v2. The JSON may be
 *   - a v2 request: {"inputs":[{"name":"x","datatype":"FP32","shape":[1,4],"data":[...]}]}
 *   - rows for a model with one input: [[5.1,3.5,1.4,0.2], ...] (name and datatype from the model's metadata)
 *   - raw records for a model made by `maas train`: [{"sepal_length":5.1,...}, ...] (sent to v1 :predict,
 *     where the Worker applies the model's feature schema)
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { CliError } from "../cli-error.ts";

const USAGE =
  "usage: maas predict --url URL --model NAME (--input JSON | --data FILE) [--version V] [--key KEY] [--sticky-key K] [--timeout-ms 30000] [--json]";

type Json = unknown;

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

export async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      model: { type: "string" },
      version: { type: "string" },
      input: { type: "string" },
      data: { type: "string" },
      key: { type: "string" },
      "sticky-key": { type: "string" },
      "timeout-ms": { type: "string", default: "30000" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  if (positionals.length) throw new CliError(`unexpected argument ${positionals[0]}`);
  if (!values.url || !values.model) throw new CliError(USAGE);
  if ((values.input === undefined) === (values.data === undefined)) throw new CliError("give exactly one of --input JSON and --data FILE");
  timeoutMs = Number(values["timeout-ms"]);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new CliError(`--timeout-ms must be a positive integer (got "${values["timeout-ms"]}")`);
  let base: URL;
  try {
    base = new URL(values.url);
  } catch {
    throw new CliError(`--url "${values.url}" is not a URL`);
  }
  let text = values.input;
  if (values.data !== undefined) {
    try {
      text = await readFile(values.data, "utf8");
    } catch (error) {
      throw new CliError(`cannot read ${values.data}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  let payload: Json;
  try {
    payload = JSON.parse(text!);
  } catch (error) {
    throw new CliError(`the input is not JSON: ${(error as Error).message}`);
  }

  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (values.key) headers.Authorization = `Bearer ${values.key}`;
  if (values["sticky-key"]) headers["X-Maas-Sticky-Key"] = values["sticky-key"];
  const root = base.href.replace(/\/+$/, "");
  const model = encodeURIComponent(values.model);
  const versionPath = values.version ? `/versions/${encodeURIComponent(values.version)}` : "";

  let result: { body: any };
  if (Array.isArray(payload) && payload.length && payload.every((r) => r !== null && typeof r === "object" && !Array.isArray(r))) {
    if (values.version) throw new CliError("records go to v1 :predict, which serves the latest alias only; drop --version or send a v2 request");
    result = await call(`${root}/v1/models/${model}:predict`, { method: "POST", headers, body: JSON.stringify({ instances: payload }) });
  } else {
    let request: Json = payload;
    if (Array.isArray(payload)) {
      const metadata = await call(`${root}/v2/models/${model}${versionPath}`, { headers });
      const inputs = metadata.body.inputs as Array<{ name: string; datatype: string }>;
      if (inputs.length !== 1) throw new CliError(`${values.model} has ${inputs.length} inputs: send a v2 request {"inputs":[...]}`);
      const shape = shapeOf(payload);
      request = { inputs: [{ name: inputs[0].name, datatype: inputs[0].datatype, shape, data: payload.flat(Infinity) }] };
    } else if (payload === null || typeof payload !== "object" || !Array.isArray((payload as { inputs?: unknown }).inputs)) {
      throw new CliError('the input must be a v2 request {"inputs":[...]}, an array of rows, or an array of records');
    }
    result = await call(`${root}/v2/models/${model}${versionPath}/infer`, { method: "POST", headers, body: JSON.stringify(request) });
  }
  process.stdout.write(`${JSON.stringify(result.body, null, values.json ? undefined : 2)}\n`);
}
