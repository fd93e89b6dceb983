/** Model metadata, readiness and repository listings (v2), plus a listing for humans. */
import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../app-env.ts";
import { answerJson } from "../http/answer.ts";
import { findManifest, withSession } from "../inference/run.ts";
import { isolateState } from "../isolate.ts";
import { readJsonBody } from "../protocol/read-json.ts";
import { parseWith } from "../protocol/parse-with.ts";
import { FEATURE_SCHEMA_KEY } from "../registry/feature-schema.ts";
import type { Manifest } from "../registry/manifest.ts";
import { listAliases, listManifests, listModelNames } from "../registry/store.ts";
import { mayCall, requireAnyAccess } from "../security/auth.ts";

/** A metadata_props value holding a JSON object, or undefined (absent or not an object). */
function jsonObjectAt(metadata: Record<string, string>, key: string): Record<string, unknown> | undefined {
  if (metadata[key] === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(metadata[key]);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // malformed metadata never breaks the metadata endpoint
  }
}

/**
 * What the trainer wrote into the ONNX file, for model cards: the feature schema ("maas.schema")
 * and its description of the network and training ("maas.training": sizes, activation, loss and,
 * from newer trainers, the loss history and confusion matrix), each when present.
 */
function trainerParameters(metadata: Record<string, string>): Partial<Record<"feature_schema" | "training", Record<string, unknown>>> {
  const found = { feature_schema: jsonObjectAt(metadata, FEATURE_SCHEMA_KEY), training: jsonObjectAt(metadata, "maas.training") };
  return Object.fromEntries(Object.entries(found).filter((entry) => entry[1] !== undefined));
}

async function metadata(c: Context<AppEnv>, name: string, version: string | undefined) {
  const manifest = await findManifest(c, name, version);
  const versions = version === undefined ? (await listManifests(c.env.MODELS, name)).map((m) => m.version) : [manifest.version];
  return answerJson({
    name: manifest.name,
    versions,
    platform: "onnxruntime_onnx",
    inputs: manifest.inputs,
    outputs: manifest.outputs,
    // Not part of the v2 spec's required fields; useful to clients and the playground.
    parameters: {
      version: manifest.version,
      sha256: manifest.sha256,
      bytes: manifest.bytes,
      created_at: manifest.createdAt,
      producer: manifest.producer,
      ...(manifest.quantization ? { quantization: manifest.quantization } : {}),
      ...(manifest.compression ? { compression: manifest.compression } : {}),
      // CPU time per batch-1 request in onnxruntime-web, as maas push measured it (older manifests: absent).
      ...(manifest.cpu ? { cpu: { batch1_ms: manifest.cpu.batch1Ms, runtime: manifest.cpu.runtime } } : {}),
      ...(manifest.metrics ? { metrics: manifest.metrics } : {}),
      ...(manifest.labels ? { labels: manifest.labels } : {}),
      // What the trainer wrote into the ONNX file, for model cards (see trainerParameters above).
      ...trainerParameters(manifest.metadata ?? {}),
    },
  });
}

async function ready(c: Context<AppEnv>, name: string, version: string | undefined) {
  const manifest = await findManifest(c, name, version);
  await withSession(c, manifest, async () => undefined); // loads it now, so the first inference is warm
  return answerJson({ name: manifest.name, version: manifest.version, ready: true });
}

function summary(manifest: Manifest) {
  return { version: manifest.version, bytes: manifest.bytes, created_at: manifest.createdAt, quantization: manifest.quantization ?? null };
}

const indexRequestSchema = z.object({ ready: z.boolean().optional() }).passthrough();

export const models = new Hono<AppEnv>()
  .get("/v2/models", async (c) => {
    requireAnyAccess(c);
    const names = (await listModelNames(c.env.MODELS)).filter((name) => mayCall(c, name));
    const entries = await Promise.all(
      names.map(async (name) => {
        const [manifests, aliases] = await Promise.all([listManifests(c.env.MODELS, name), listAliases(c.env.MODELS, name)]);
        return {
          name,
          versions: manifests.map(summary),
          aliases: Object.fromEntries(aliases.map((a) => [a.alias, a.split ? { version: a.version, split: a.split } : a.version])),
        };
      }),
    );
    return answerJson({ models: entries });
  })
  .get("/v2/models/:name", (c) => metadata(c, c.req.param("name"), undefined))
  .get("/v2/models/:name/versions/:version", (c) => metadata(c, c.req.param("name"), c.req.param("version")))
  .get("/v2/models/:name/ready", (c) => ready(c, c.req.param("name"), undefined))
  .get("/v2/models/:name/versions/:version/ready", (c) => ready(c, c.req.param("name"), c.req.param("version")))
  // Triton's repository index: every version, with whether this isolate has it loaded.
  .post("/v2/repository/index", async (c) => {
    const filter = parseWith(indexRequestSchema, (await readJsonBody(c, { allowEmpty: true })) ?? {}, "repository index request");
    requireAnyAccess(c);
    const cache = isolateState(c.env).models;
    const names = (await listModelNames(c.env.MODELS)).filter((name) => mayCall(c, name));
    const rows = (
      await Promise.all(
        names.map(async (name) =>
          (await listManifests(c.env.MODELS, name)).map((m) => ({
            name,
            version: m.version,
            state: cache.has(m) ? "READY" : "UNAVAILABLE",
            reason: cache.has(m) ? "" : "not loaded in this isolate; loads on first request",
          })),
        ),
      )
    ).flat();
    return answerJson(filter.ready ? rows.filter((r) => r.state === "READY") : rows);
  });
