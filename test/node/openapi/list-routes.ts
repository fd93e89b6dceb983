/**
 * Prints the Worker's routes as JSON lines ({method, path}) — run as a child process by the
 * OpenAPI coverage test. functions/index.ts imports onnxruntime-web's .wasm (wrangler compiles
 * it); under plain Node that import is replaced by an empty module, since only the route table
 * is read here.
 */
import { registerHooks } from "node:module";

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier.endsWith(".wasm")) return { url: "data:text/javascript,export default {}", shortCircuit: true };
    return nextResolve(specifier, context);
  },
});

const { default: app } = (await import("../../../functions/index.ts")) as { default: { routes: { method: string; path: string }[] } };
// Middleware is registered as ALL or on wildcard paths; handlers are the rest.
const routes = app.routes.filter((r) => r.method !== "ALL" && !r.path.endsWith("*")).map((r) => ({ method: r.method, path: r.path }));
process.stdout.write(JSON.stringify(routes));
