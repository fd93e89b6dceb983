/**
 * Authentication (`Authorization: Bearer <key>`) and per-model access. Without keys a deployment
 * refuses inference unless ALLOW_ANONYMOUS is "true" or the model is listed in PUBLIC_MODELS.
 * Messages name the key (its `name`), never the key itself.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { HttpError } from "../errors.ts";
import { settingsOf } from "../settings.ts";
import { findApiKey, keyAllowsModel } from "./api-keys.ts";

const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="edge-maas"' };

export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("Authorization");
  if (header === undefined) {
    c.set("principal", { kind: "anonymous" });
    return next();
  }
  const match = /^Bearer +([A-Za-z0-9_\-.~+/=]{1,512})$/.exec(header.trim());
  if (!match) throw new HttpError(401, "the Authorization header must be 'Bearer <API key>'", CHALLENGE);
  const settings = settingsOf(c.env);
  if (settings.apiKeysError) {
    console.error(JSON.stringify({ level: "error", message: `API keys unavailable: ${settings.apiKeysError}` }));
    throw new HttpError(503, "API keys are misconfigured on this deployment");
  }
  const key = await findApiKey(settings.apiKeys, match[1]);
  if (!key) throw new HttpError(401, "invalid API key", CHALLENGE);
  c.set("principal", { kind: "key", key });
  return next();
};

/** Whether the caller may use the model (without throwing): for filtering listings. */
export function mayCall(c: Context<AppEnv>, model: string): boolean {
  const principal = c.get("principal");
  if (principal.kind === "key") return keyAllowsModel(principal.key, model);
  const settings = settingsOf(c.env);
  return settings.allowAnonymous || settings.publicModels.has(model);
}

export function requireModelAccess(c: Context<AppEnv>, model: string): void {
  if (mayCall(c, model)) return;
  const principal = c.get("principal");
  if (principal.kind === "key") throw new HttpError(403, `API key "${principal.key.name}" may not call model "${model}"`);
  throw new HttpError(401, `model "${model}" needs an API key (Authorization: Bearer <key>)`, CHALLENGE);
}

/** Listings need a key, or anonymous access switched on, or at least one public model. */
export function requireAnyAccess(c: Context<AppEnv>): void {
  const settings = settingsOf(c.env);
  if (c.get("principal").kind === "key" || settings.allowAnonymous || settings.publicModels.size > 0) return;
  throw new HttpError(401, "an API key is needed (Authorization: Bearer <key>)", CHALLENGE);
}

/** Route middleware: checks access to the `:name` model (v1's `name:predict` carries a method, which model names cannot). */
export const modelAccess: MiddlewareHandler<AppEnv> = async (c, next) => {
  const name = c.req.param("name")?.replace(/:[^:]*$/, "");
  if (name !== undefined) requireModelAccess(c, name);
  return next();
};
