/**
 * The OpenAPI document the Worker serves at /openapi.json: valid OpenAPI 3.1 (checked by
 * @seriousme/openapi-schema-validator), listing exactly the Worker's routes, each of which
 * answers on a running Worker; the responses it describes carry the documented required fields.
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveIris, type ServedIris } from "../browser/served-iris.ts";

type Json = Record<string, any>;
const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

/** Routes whose path segment the document spells out (the route takes "{name}:predict" as one parameter). */
const DOCUMENTED_AS: Record<string, string> = { "POST /v1/models/{target}": "/v1/models/{name}:predict" };

async function workerRoutes(): Promise<string[]> {
  const script = resolve(import.meta.dirname, "list-routes.ts");
  const { stdout } = await promisify(execFile)(process.execPath, [script], { cwd: resolve(import.meta.dirname, "../../..") });
  return (JSON.parse(stdout) as { method: string; path: string }[]).map(({ method, path }) => {
    const key = `${method} ${path.replace(/:(\w+)/g, "{$1}")}`;
    return DOCUMENTED_AS[key] ? `${method} ${DOCUMENTED_AS[key]}` : key;
  });
}

function documentedOperations(document: Json): string[] {
  return Object.entries(document.paths as Json).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => HTTP_METHODS.includes(m))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
}

function schemaAt(document: Json, schema: Json): Json {
  return schema.$ref ? document.components.schemas[String(schema.$ref).split("/").pop()!] : schema;
}

describe("the served OpenAPI document", () => {
  let served: ServedIris;
  let document: Json;

  beforeAll(async () => {
    served = await serveIris();
    const response = await fetch(`${served.server.url}/openapi.json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as Json;
  }, 180_000);

  afterAll(async () => {
    await served?.stop();
  });

  it("validates against the OpenAPI specification", async () => {
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(document.servers).toEqual([{ url: served.server.url }]);
  });

  it("lists exactly the Worker's routes", async () => {
    const routes = await workerRoutes();
    expect(routes.length).toBeGreaterThan(10);
    expect(documentedOperations(document).sort()).toEqual([...new Set(routes)].sort());
  });

  it("every documented operation is answered by a route on the running Worker", async () => {
    for (const operation of documentedOperations(document)) {
      const [method, template] = operation.split(" ");
      const path = template.replace("{name}", "iris").replace("{version}", "1");
      const response = await fetch(served.server.url + path, {
        method,
        headers: { "content-type": "application/json" },
        body: method === "POST" ? "{}" : undefined,
      });
      const text = await response.text();
      expect(text, operation).not.toContain("no route for");
      expect(response.status, `${operation}: ${text.slice(0, 200)}`).toBeLessThan(500);
    }
  });

  it("the listing and metadata answers carry the documented required fields", async () => {
    const checks: [string, string][] = [
      ["/v2/models", "/v2/models"],
      ["/v2/models/iris", "/v2/models/{name}"],
      ["/v2/models/iris/versions/1", "/v2/models/{name}/versions/{version}"],
    ];
    for (const [path, template] of checks) {
      const body = (await (await fetch(served.server.url + path)).json()) as Json;
      const schema = schemaAt(document, document.paths[template].get.responses["200"].content["application/json"].schema);
      for (const key of schema.required) expect(body, `${path} lacks ${key}`).toHaveProperty(key);
      if (schema.properties.parameters) for (const key of schema.properties.parameters.required) expect(body.parameters).toHaveProperty(key);
    }
    const metadata = (await (await fetch(`${served.server.url}/v2/models/iris`)).json()) as Json;
    expect(metadata.parameters.feature_schema).toEqual(served.schema);
    expect(metadata.parameters.training.sizes).toEqual([4, 16, 3]);
  });
});
