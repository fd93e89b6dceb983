/** POST /v2/models/{name}[/versions/{v}]/infer — the Open Inference Protocol v2 inference call. */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { outputJson } from "../inference/outputs.ts";
import { findManifest, infer } from "../inference/run.ts";
import { readJsonBody } from "../protocol/read-json.ts";
import { inferRequestSchema, parseWith } from "../protocol/v2-request.ts";

async function handleInfer(c: Context<AppEnv>, name: string, version: string | undefined) {
  const request = parseWith(inferRequestSchema, await readJsonBody(c), "inference request");
  const manifest = await findManifest(c, name, version);
  const result = await infer(c, manifest, request.inputs, request.outputs?.map((o) => o.name));
  const id = request.id === undefined ? "" : `"id":${JSON.stringify(request.id)},`;
  const body =
    `{${id}"model_name":${JSON.stringify(manifest.name)},"model_version":${JSON.stringify(manifest.version)},` +
    `"outputs":[${result.outputs.map((o) => outputJson(o.name, o.tensor)).join(",")}]}`;
  return c.body(body, 200, { "Content-Type": "application/json" });
}

export const inference = new Hono<AppEnv>()
  .post("/v2/models/:name/infer", (c) => handleInfer(c, c.req.param("name"), undefined))
  .post("/v2/models/:name/versions/:version/infer", (c) => handleInfer(c, c.req.param("name"), c.req.param("version")));
