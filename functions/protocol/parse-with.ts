/**
 * A request body checked against its zod schema, and zod's first complaint as one readable line
 * (`inputs[0].shape: expected array`) — with a "did you mean" where a key is mistyped: a required
 * key missing beside one a few letters away (`{"input": [...]}`), or a key a strict object does not
 * know that is near one it does (`{"instance": [...]}`).
 */
import * as z from "zod";
import { didYouMean, nearMiss } from "../../shared/did-you-mean.ts";
import { badRequest } from "../errors.ts";

type Path = readonly PropertyKey[];

/** A JSON object (not an array, not null): what a request body or one of its entries must be. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function pathText(path: Path): string {
  return path.reduce<string>((text, part) => (typeof part === "number" ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)), "");
}

function valueAt(input: unknown, path: Path): unknown {
  let value = input;
  for (const part of path) value = (value as Record<PropertyKey, unknown> | undefined)?.[part];
  return value;
}

function unwrapped(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodNullable || current instanceof z.ZodDefault) current = current.unwrap() as z.ZodType;
  return current;
}

/** The keys the schema gives the object at `path`, or undefined where it is not a plain zod object. */
function knownKeysAt(schema: z.ZodType, path: Path): string[] | undefined {
  let current = unwrapped(schema);
  for (const part of path) {
    if (current instanceof z.ZodObject && typeof part === "string") current = unwrapped(current.shape[part] as z.ZodType | undefined);
    else if (current instanceof z.ZodArray && typeof part === "number") current = unwrapped(current.element as z.ZodType);
    else return undefined;
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : undefined;
}

/** The near-miss wording for this issue, or undefined when it is not about a mistyped key. */
function mistypedKey(issue: z.core.$ZodIssue, input: unknown, schema: z.ZodType): string | undefined {
  if (issue.code === "unrecognized_keys") {
    const given = valueAt(input, issue.path);
    const known = knownKeysAt(schema, issue.path);
    if (!isPlainObject(given) || !known) return undefined;
    const absent = known.filter((key) => !(key in given));
    const key = issue.keys.find((k) => nearMiss(k, absent) !== undefined);
    return key === undefined ? undefined : `unknown key ${JSON.stringify(key)}${didYouMean(key, absent)}`;
  }
  const key = issue.path[issue.path.length - 1];
  if (typeof key !== "string" || issue.code !== "invalid_type" && issue.code !== "custom") return undefined;
  const parentPath = issue.path.slice(0, -1);
  const parent = valueAt(input, parentPath);
  if (!isPlainObject(parent) || parent[key] !== undefined) return undefined;
  const known = new Set(knownKeysAt(schema, parentPath));
  const meant = nearMiss(key, Object.keys(parent).filter((k) => !known.has(k)));
  if (meant === undefined) return undefined;
  const where = pathText(parentPath);
  return `${where ? `${where}: ` : ""}missing ${JSON.stringify(key)}, but there is ${JSON.stringify(meant)} (did you mean ${JSON.stringify(key)}?)`;
}

/** zod's first complaint as one line; given the body and the schema, it also names a mistyped key. */
export function describeZodError(error: z.ZodError, input?: unknown, schema?: z.ZodType): string {
  const issue = error.issues[0];
  const mistyped = schema === undefined ? undefined : mistypedKey(issue, input, schema);
  if (mistyped !== undefined) return issue.code === "unrecognized_keys" && issue.path.length > 0 ? `${pathText(issue.path)}: ${mistyped}` : mistyped;
  const path = pathText(issue.path);
  return path ? `${path}: ${issue.message}` : issue.message;
}

export function parseWith<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success) throw badRequest(`invalid ${what}: ${describeZodError(result.error, body, schema)}`);
  return result.data;
}
