/**
 * Checks real answers of the Worker against the response schemas of its OpenAPI document, with a
 * JSON Schema 2020-12 validator (Ajv, the engine @seriousme/openapi-schema-validator runs on).
 */
import type { ErrorObject } from "ajv";

type Json = Record<string, any>;

interface Ajv {
  addSchema(schema: Json): unknown;
  validate(schema: Json, data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** Ajv (2020-12) with its formats (date-time…); loaded lazily so that a missing package fails with a clear message. */
async function createAjv(): Promise<Ajv> {
  try {
    const Ajv2020 = (await import("ajv/dist/2020.js")).default as unknown as new (options: Json) => Ajv;
    const addFormats = (await import("ajv-formats")).default as unknown as (ajv: Ajv) => void;
    // strict off: OpenAPI documents hold keys (paths, components…) that are not JSON Schema keywords.
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    return ajv;
  } catch (error) {
    throw new Error(`the response-schema test needs the npm packages "ajv" (^8.20) and "ajv-formats" (^3.0): ${(error as Error).message}`);
  }
}

export type ResponseCheck = (method: string, template: string, status: number, body: unknown) => string[];

export async function responseValidator(document: Json): Promise<ResponseCheck> {
  const ajv = await createAjv();
  ajv.addSchema({ ...document, $id: "openapi.json" });
  return (method, template, status, body) => {
    const responses = document.paths[template]?.[method.toLowerCase()]?.responses;
    if (!responses?.[String(status)]) return [`${method} ${template} documents no ${status} answer`];
    const pointer = ["paths", template, method.toLowerCase(), "responses", String(status), "content", "application/json", "schema"]
      .map((part) => part.replace(/~/g, "~0").replace(/\//g, "~1"))
      .join("/");
    if (ajv.validate({ $ref: `openapi.json#/${pointer}` }, body)) return [];
    return (ajv.errors ?? []).map((e) => `${method} ${template} ${status}: ${e.instancePath || "(body)"} ${e.message}`);
  };
}
