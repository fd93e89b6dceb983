/**
 * The alternative the Worker is compared with: a plain Node HTTP server with native
 * onnxruntime-node (default session options, so it uses every core), serving the same model files
 * over the same v2 routes — written the obvious way, as a user would. FP32 inputs only (all the
 * benchmark's models take FP32), as JSON or with the v2 binary tensor data extension.
 *   node scripts/bench/node-server.ts PORT MODELS_JSON   (MODELS_JSON: {"name": "/path/blob.onnx"})
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import * as ort from "onnxruntime-node";

interface V2Input {
  name: string;
  shape: number[];
  datatype: string;
  data?: unknown[];
  parameters?: { binary_data_size?: number };
}

interface V2Request {
  id?: string;
  inputs: V2Input[];
  parameters?: { binary_data_output?: boolean };
}

const [port, modelsJson] = process.argv.slice(2);
const blobPaths = JSON.parse(readFileSync(modelsJson, "utf8")) as Record<string, string>;
const sessions = new Map<string, Promise<ort.InferenceSession>>();

function session(name: string): Promise<ort.InferenceSession> | undefined {
  if (!(name in blobPaths)) return undefined;
  let loading = sessions.get(name);
  if (!loading) {
    loading = ort.InferenceSession.create(readFileSync(blobPaths[name]));
    sessions.set(name, loading);
  }
  return loading;
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function infer(name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const loading = session(name);
  if (!loading) return send(res, 404, JSON.stringify({ error: `model "${name}" not found` }));
  const body = await readBody(req);
  const headerLength = req.headers["inference-header-content-length"];
  const jsonEnd = headerLength === undefined ? body.length : Number(headerLength);
  const request = JSON.parse(body.subarray(0, jsonEnd).toString("utf8")) as V2Request;
  let offset = jsonEnd;
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of request.inputs) {
    if (input.datatype !== "FP32") return send(res, 400, JSON.stringify({ error: "FP32 inputs only" }));
    const size = input.parameters?.binary_data_size;
    const values =
      size === undefined
        ? Float32Array.from((input.data ?? []).flat(Infinity) as number[])
        : new Float32Array(body.buffer.slice(body.byteOffset + offset, body.byteOffset + offset + size));
    offset += size ?? 0;
    feeds[input.name] = new ort.Tensor("float32", values, input.shape);
  }
  const model = await loading;
  const results = await model.run(feeds);
  const binary = request.parameters?.binary_data_output === true;
  const chunks: Buffer[] = [];
  const outputs = model.outputNames.map((output) => {
    const data = results[output].data as Float32Array;
    const entry = { name: output, datatype: "FP32", shape: results[output].dims };
    if (!binary) return { ...entry, data: Array.from(data) };
    chunks.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    return { ...entry, parameters: { binary_data_size: data.byteLength } };
  });
  const header = JSON.stringify({ ...(request.id ? { id: request.id } : {}), model_name: name, model_version: "1", outputs });
  if (!binary) return send(res, 200, header);
  const answer = Buffer.concat([Buffer.from(header), ...chunks]);
  res.writeHead(200, {
    "content-type": "application/octet-stream",
    "content-length": answer.length,
    "inference-header-content-length": Buffer.byteLength(header),
  });
  res.end(answer);
}

const INFER_PATH = /^\/v2\/models\/([^/]+)\/infer$/;

createServer((req, res) => {
  if (req.method === "GET" && req.url === "/v2/health/live") return send(res, 200, '{"live":true}');
  const match = req.method === "POST" ? INFER_PATH.exec(req.url ?? "") : null;
  if (!match) return send(res, 404, JSON.stringify({ error: "no route" }));
  infer(decodeURIComponent(match[1]), req, res).catch((error: Error) => send(res, 500, JSON.stringify({ error: error.message })));
}).listen(Number(port), "127.0.0.1");
