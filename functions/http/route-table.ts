/** The app's handlers, read from Hono's own route table: what method-not-allowed.ts and route-suggestion.ts work from. */
import type { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";

/** Each method and path a handler serves, once. Middleware is registered for ALL methods or on wildcard paths; handlers are the rest. */
export function handlerRoutes(app: Hono<AppEnv>): Array<{ method: string; path: string }> {
  const seen = new Set<string>();
  const routes: Array<{ method: string; path: string }> = [];
  for (const { method, path } of app.routes) {
    if (method === "ALL" || path.includes("*") || seen.has(`${method} ${path}`)) continue;
    seen.add(`${method} ${path}`);
    routes.push({ method, path });
  }
  return routes;
}
