import type { Context } from "hono";
import { badRequest } from "../errors.ts";

/** The request body as JSON, or a 400 saying why not. An allowed empty body is `undefined`. */
export async function readJsonBody(c: Context, options: { allowEmpty?: boolean } = {}): Promise<unknown> {
  const text = await c.req.text();
  if (!text.trim()) {
    if (options.allowEmpty) return undefined;
    throw badRequest("request body is empty; expected JSON");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("request body is not valid JSON");
  }
}
