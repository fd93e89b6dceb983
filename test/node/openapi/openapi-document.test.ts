/**
 * The OpenAPI document the Worker serves at /openapi.json: valid OpenAPI 3.1 (checked by
 * @seriousme/openapi-schema-validator), listing exactly the Worker's routes, each of which
 * answers on a running Worker; real answers (successes and errors) match its response schemas.
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveIris, type ServedIris } from "../browser/served-iris.ts";
import { responseValidator } from "./response-validator.ts";

type Json = Record<string, any>;
const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

/** Routes whose path segment the document spells out (the route takes "{name}:predict" as one parameter). */
const DOCUMENTED_AS: Record<string, string> = {
  "POST /v1/models/{name}": "/v1/models/{name}:predict",
  "POST /v1/models/{name}/versions/{version}": "/v1/models/{name}/versions/{version}:predict",
  // v1 routes name a label `:version` (one param name per position keeps Hono's RegExpRouter); the document says {label}.
  "POST /v1/models/{name}/labels/{version}": "/v1/models/{name}/labels/{label}:predict",
  "GET /v1/models/{name}/labels/{version}": "/v1/models/{name}/labels/{label}",
  "GET /v1/models/{name}/labels/{version}/metadata": "/v1/models/{name}/labels/{label}/metadata",
};

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
      const path = template.replace("{name}", "iris").replace("{version}", "1").replace("{label}", "prod");
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

  it("real answers, successes and errors, match the documented response schemas", async () => {
    const check = await responseValidator(document);
    // The validator does reject what the document does not allow (so a pass below means something).
    expect(check("GET", "/v2/models", 200, { models: [{ name: 1 }] })).not.toEqual([]);

    const record = { sepal_length: 6.1, sepal_width: 2.8, petal_length: 4.9, petal_width: 1.6 };
    const tensor = (name: string) => ({ inputs: [{ name, datatype: "FP32", shape: [1, 4], data: [6.1, 2.8, 4.9, 1.6] }] });
    const calls: [method: string, path: string, template: string, body: unknown, status: number][] = [
      ["GET", "/v2/health/live", "/v2/health/live", undefined, 200],
      ["GET", "/v2/health/ready", "/v2/health/ready", undefined, 200],
      ["GET", "/v2", "/v2", undefined, 200],
      ["GET", "/v2/models", "/v2/models", undefined, 200],
      ["GET", "/v2/models/iris", "/v2/models/{name}", undefined, 200],
      ["GET", "/v2/models/iris/versions/prod", "/v2/models/{name}/versions/{version}", undefined, 200],
      ["GET", "/v2/models/iris/ready", "/v2/models/{name}/ready", undefined, 200],
      ["GET", "/v2/models/mlp/versions/1/ready", "/v2/models/{name}/versions/{version}/ready", undefined, 200],
      ["POST", "/v2/models/iris/infer", "/v2/models/{name}/infer", { id: "a", ...tensor("input") }, 200],
      ["POST", "/v2/models/mlp/versions/1/infer", "/v2/models/{name}/versions/{version}/infer", tensor("x"), 200],
      ["POST", "/v2/repository/index", "/v2/repository/index", {}, 200],
      ["GET", "/v1/models/iris", "/v1/models/{name}", undefined, 200],
      ["POST", "/v1/models/iris:predict", "/v1/models/{name}:predict", { instances: [record] }, 200],
      ["POST", "/v1/models/mlp:predict", "/v1/models/{name}:predict", { instances: [[6.1, 2.8, 4.9, 1.6]] }, 200],
      ["POST", "/v1/models/mlp:predict", "/v1/models/{name}:predict", { inputs: [[6.1, 2.8, 4.9, 1.6]] }, 200],
      ["POST", "/v1/models/iris/versions/1:predict", "/v1/models/{name}/versions/{version}:predict", { inputs: { sepal_length: [6.1], sepal_width: [2.8], petal_length: [4.9], petal_width: [1.6] } }, 200],
      ["POST", "/v1/models/iris/labels/prod:predict", "/v1/models/{name}/labels/{label}:predict", { instances: [{ sepal_length: 6.1, sepal_width: 2.8, petal_length: 4.9 }], parameters: { missing: "impute" } }, 200],
      ["GET", "/v1/models/iris/versions/1", "/v1/models/{name}/versions/{version}", undefined, 200],
      ["GET", "/v1/models/iris/labels/prod", "/v1/models/{name}/labels/{label}", undefined, 200],
      ["GET", "/v1/models/iris/metadata", "/v1/models/{name}/metadata", undefined, 200],
      ["GET", "/v1/models/iris/versions/1/metadata", "/v1/models/{name}/versions/{version}/metadata", undefined, 200],
      ["GET", "/v1/models/iris/labels/prod/metadata", "/v1/models/{name}/labels/{label}/metadata", undefined, 200],
      ["POST", "/ui/charts", "/ui/charts", { history: [{ epoch: 1, trainLoss: 1 }, { epoch: 3, trainLoss: 0.5 }], confusion: [[1, 0], [0, 1]], labels: ["a", "b"] }, 200],
      ["GET", "/v2/models/nope", "/v2/models/{name}", undefined, 404],
      ["POST", "/v2/models/iris/infer", "/v2/models/{name}/infer", { inputs: [] }, 400],
      ["POST", "/v1/models/iris:predict", "/v1/models/{name}:predict", { instances: [{ sepal_length: "tall" }] }, 400],
      ["POST", "/v1/models/iris:predict", "/v1/models/{name}:predict", { instances: [{ sepal_lenght: 6.1 }] }, 400],
    ];
    for (const [method, path, template, body, status] of calls) {
      const response = await fetch(served.server.url + path, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const answer: unknown = await response.json();
      expect(response.status, `${method} ${path}: ${JSON.stringify(answer).slice(0, 200)}`).toBe(status);
      expect(check(method, template, status, answer)).toEqual([]);
    }

    const metadata = (await (await fetch(`${served.server.url}/v2/models/iris`)).json()) as Json;
    expect(metadata.parameters.feature_schema).toEqual(served.schema);
    expect(metadata.parameters.training.sizes).toEqual([4, 16, 3]);
  });
});
