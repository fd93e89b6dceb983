/**
 * POST /v2/models/{name}[/versions/{v}]/infer — the Open Inference Protocol v2 inference call, in
 * JSON or with the binary tensor data extension (functions/protocol/binary-tensors.ts) both ways.
 */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { answer } from "../http/answer.ts";
import { outputJson } from "../inference/outputs.ts";
import { findManifest, infer } from "../inference/run.ts";
import {
  binaryBody,
  encodeBinaryTensor,
  INFERENCE_HEADER_CONTENT_LENGTH,
  parseBinaryInferRequest,
  wantsBinaryOutput,
  type ParsedInferRequest,
} from "../protocol/binary-tensors.ts";
import { readJsonBody } from "../protocol/read-json.ts";
import { parseInferRequest } from "../protocol/v2-request.ts";

async function readInferRequest(c: Context<AppEnv>): Promise<ParsedInferRequest> {
  const headerLength = c.req.header(INFERENCE_HEADER_CONTENT_LENGTH);
  if (headerLength !== undefined) return parseBinaryInferRequest(new Uint8Array(await c.req.arrayBuffer()), headerLength);
  return parseInferRequest(await readJsonBody(c));
}

async function handleInfer(c: Context<AppEnv>, name: string, version: string | undefined) {
  const request = await readInferRequest(c);
  const manifest = await findManifest(c, name, version);
  const result = await infer(c, manifest, request.inputs, request.outputs?.map((o) => o.name));
  const id = request.id === undefined ? "" : `"id":${JSON.stringify(request.id)},`;
  const head = `{${id}"model_name":${JSON.stringify(manifest.name)},"model_version":${JSON.stringify(manifest.version)},"outputs":[`;

  const binary: Uint8Array[] = [];
  const entries = result.outputs.map(({ name, tensor }) => {
    if (!wantsBinaryOutput(request, name)) return outputJson(name, tensor);
    const bytes = encodeBinaryTensor(tensor.data as ArrayBufferView | string[]);
    binary.push(bytes);
    return outputJson(name, tensor, bytes.byteLength);
  });
  const header = `${head}${entries.join(",")}]}`;
  if (binary.length === 0) return answer(header, 200, "application/json");
  const { body, headerLength } = binaryBody(header, binary);
  return answer(body, 200, "application/octet-stream", { [INFERENCE_HEADER_CONTENT_LENGTH]: String(headerLength) });
}

export const inference = new Hono<AppEnv>()
  .post("/v2/models/:name/infer", (c) => handleInfer(c, c.req.param("name"), undefined))
  .post("/v2/models/:name/versions/:version/infer", (c) => handleInfer(c, c.req.param("name"), c.req.param("version")));
