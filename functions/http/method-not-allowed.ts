/**
 * A known route asked with a method it does not serve answers 405 with `Allow` (RFC 9110 15.5.6),
 * not 404. Registered after every route, from the app's own route table, so the list cannot drift;
 * a right-method request never reaches these handlers (its route answers first).
 */
import type { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { answerJson } from "./answer.ts";
import { handlerRoutes } from "./route-table.ts";

export function answerWrongMethods(app: Hono<AppEnv>): void {
  const methodsByPath = new Map<string, Set<string>>();
  for (const { method, path } of handlerRoutes(app)) {
    let methods = methodsByPath.get(path);
    if (!methods) methodsByPath.set(path, (methods = new Set()));
    methods.add(method);
    if (method === "GET") methods.add("HEAD"); // Hono answers HEAD with the GET route, without the body
  }
  for (const [path, methods] of methodsByPath) {
    const allow = [...methods].sort().join(", ");
    const headers = { Allow: allow };
    app.all(path, (c) => answerJson({ error: `${c.req.method} is not allowed on ${c.req.path}; allowed: ${allow}` }, 405, headers));
  }
}
