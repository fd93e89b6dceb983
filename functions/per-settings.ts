/**
 * A middleware whose options come from the Worker's vars: built once per settings (i.e. per
 * isolate and env), not on every request. `build` returns undefined when the feature is off.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.ts";
import { settingsOf, type Settings } from "./settings.ts";

export function perSettings(build: (settings: Settings) => MiddlewareHandler<AppEnv> | undefined): MiddlewareHandler<AppEnv> {
  const built = new WeakMap<Settings, MiddlewareHandler<AppEnv> | undefined>();
  return (c, next) => {
    const settings = settingsOf(c.env);
    if (!built.has(settings)) built.set(settings, build(settings));
    const middleware = built.get(settings);
    return middleware ? middleware(c, next) : next();
  };
}
