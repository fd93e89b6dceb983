/**
 * State that lives as long as the isolate: the session cache. Created on the first request
 * because Worker bindings and vars only arrive with a request.
 */
import type { Env } from "./env.ts";
// Side effect: onnxruntime-web starts with the isolate, not with its first model request.
import "./ort/warm-up.ts";
import { ModelCache } from "./sessions/model-cache.ts";
import { settingsOf, type Settings } from "./settings.ts";

let models: ModelCache | undefined;

export function isolateState(env: Env): { settings: Settings; models: ModelCache } {
  const settings = settingsOf(env);
  models ??= new ModelCache(settings.modelCacheBudgetBytes);
  return { settings, models };
}
