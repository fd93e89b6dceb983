/**
 * One inference from resolved model to output tensors — shared by the v2 and v1 handlers.
 * Records `load` and `infer` in Server-Timing.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { badRequest, unavailable } from "../errors.ts";
import { recordMetric, timed } from "../http/server-timing.ts";
import { isolateState } from "../isolate.ts";
import type { Tensor } from "../ort/runtime.ts";
import type { InferInput } from "../protocol/v2-request.ts";
import type { Manifest } from "../registry/manifest.ts";
import { forgetManifest, NotInRegistry, resolveModel, type BackgroundTask } from "../registry/resolve.ts";
import { RegistryReadError } from "../registry/store.ts";
import { withSuggestion } from "../registry/suggest.ts";
import { mayCall } from "../security/auth.ts";
import { runExclusive } from "../sessions/exclusive.ts";
import { loadModel, type LoadedModel } from "../sessions/load-model.ts";
import { buildFeeds } from "./feeds.ts";
import { checkTensorLimits } from "./limits.ts";

/** Header whose value keeps a caller on one side of an alias's traffic split. */
export const STICKY_KEY_HEADER = "X-Maas-Sticky-Key";

export interface InferenceResult {
  manifest: Manifest;
  outputs: Array<{ name: string; tensor: Tensor }>;
}

/** The request's `waitUntil`, where it has an execution context (Hono's getter throws where not). */
function backgroundTask(c: Context<AppEnv>): BackgroundTask | undefined {
  try {
    const ctx = c.executionCtx;
    return (task) => ctx.waitUntil(task);
  } catch {
    return undefined;
  }
}

/** The manifest that answers: `version` is a version id or an alias, unless `only` says which (v1 keeps them apart). */
export async function findManifest(c: Context<AppEnv>, name: string, version: string | undefined, only?: "version" | "alias"): Promise<Manifest> {
  const { settings } = isolateState(c.env);
  let manifest: Manifest;
  try {
    ({ manifest } = await resolveModel(c.env.MODELS, name, version, {
      stickyKey: c.req.header(STICKY_KEY_HEADER),
      aliasCacheMs: settings.aliasCacheMs,
      background: backgroundTask(c),
      only,
    }));
  } catch (error) {
    // A mistyped name: the 404 says what was likely meant (listing the registry, on this path only).
    if (error instanceof NotInRegistry) throw await withSuggestion(error, c.env.MODELS, (model) => mayCall(c, model), settings.aliasCacheMs);
    // R2 failed, or a registry record is unreadable: the registry, not the request, is at fault.
    // Anything else is a bug and goes on to the app's error handler: a logged 500.
    if (error instanceof RegistryReadError) throw unavailable(`model registry unavailable for "${name}": ${error.message}`);
    throw error;
  }
  c.set("servedModel", { name: manifest.name, version: manifest.version });
  return manifest;
}

/** Loads (or reuses) the session and hands it to `use`, releasing it afterwards. */
export async function withSession<T>(c: Context<AppEnv>, manifest: Manifest, use: (model: LoadedModel) => Promise<T>): Promise<T> {
  let lease;
  try {
    lease = await isolateState(c.env).models.acquire(manifest, (m) => loadModel(c.env.MODELS, m));
  } catch (error) {
    forgetManifest(manifest.name, manifest.version);
    throw error;
  }
  recordMetric(c, "load", lease.loadMs, `session ${lease.source}`);
  try {
    return await use(lease.model);
  } finally {
    lease.release();
  }
}

export async function infer(
  c: Context<AppEnv>,
  manifest: Manifest,
  inputs: readonly InferInput[] | ((model: LoadedModel) => Record<string, Tensor>),
  requestedOutputs?: readonly string[],
): Promise<InferenceResult> {
  const { settings } = isolateState(c.env);
  if (typeof inputs !== "function") checkTensorLimits(inputs.map((i) => i.shape), settings);
  return withSession(c, manifest, async (model) => {
    const feeds =
      typeof inputs === "function"
        ? inputs(model)
        : buildFeeds(model.inputs, inputs, { maxDepth: settings.maxJsonDepth, allowNonFinite: manifest.allowNonFinite });
    if (typeof inputs === "function") checkTensorLimits(Object.values(feeds).map((t) => t.dims), settings);
    const names = requestedOutputs ?? model.outputNames;
    for (const name of names) {
      if (!model.outputNames.includes(name)) {
        throw badRequest(`unknown output "${name}"; the model's outputs are ${model.outputNames.map((n) => `"${n}"`).join(", ")}`);
      }
    }
    let results: Record<string, Tensor>;
    try {
      results = await timed(c, "infer", () => runExclusive(() => model.session.run(feeds, [...names])));
    } catch (error) {
      // Inputs passed every check against the model's metadata, so what is left is a
      // combination the graph rejects (e.g. inconsistent dynamic dims between inputs).
      throw badRequest(`the model rejected the inputs: ${String((error as Error).message ?? error).slice(0, 300)}`);
    }
    return { manifest, outputs: names.map((name) => ({ name, tensor: results[name] })) };
  });
}
