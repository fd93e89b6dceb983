/**
 * State that lives as long as the isolate: settings and the session cache. Created on the first
 * request because Worker bindings and vars only arrive with a request.
 */
import type { Env } from "./env.ts";
import { readSettings, type Settings } from "./settings.ts";
import { ModelCache } from "./sessions/model-cache.ts";

interface IsolateState {
  settings: Settings;
  models: ModelCache;
}

let state: IsolateState | undefined;

export function isolateState(env: Env): IsolateState {
  if (!state) {
    const settings = readSettings(env);
    state = { settings, models: new ModelCache(settings.modelCacheBudgetBytes) };
  }
  return state;
}
