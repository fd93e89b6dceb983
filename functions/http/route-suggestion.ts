/**
 * For a path no route serves, the route it was probably meant to be: `/v2/model/iris/infer` →
 * `POST /v2/models/iris/infer`. Read from the app's own route table (route-table.ts, as
 * method-not-allowed.ts does), so it cannot drift from the routes; a literal segment may be a near
 * miss (shared/did-you-mean.ts), a parameter takes whatever the caller wrote there, a trailing
 * slash is dropped, and v1's `/predict` becomes `:predict`.
 */
import type { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { nearMiss } from "../../shared/did-you-mean.ts";
import { handlerRoutes } from "./route-table.ts";

interface Template {
  method: string;
  /** Path segments; a parameter is `:name`. */
  segments: string[];
}

const segmentsOf = (path: string): string[] => path.split("/").slice(1);

/** A last segment that is v1's method, written as a path segment (`/predict`) instead of a suffix (`:predict`). */
const V1_METHOD = /^predict$/i;

function templatesOf(app: Hono<AppEnv>): Template[] {
  return handlerRoutes(app).map(({ method, path }) => ({ method, segments: segmentsOf(path) }));
}

/** The template's path with the caller's values in its parameters, and how many segments were fixed; undefined if it is not near. */
function fill(template: Template, given: string[]): { path: string; fixes: number } | undefined {
  if (template.segments.length !== given.length) return undefined;
  let fixes = 0;
  const parts: string[] = [];
  for (let i = 0; i < given.length; i++) {
    const expected = template.segments[i];
    if (expected.startsWith(":")) {
      if (given[i] === "") return undefined;
      parts.push(given[i]);
    } else if (expected === given[i]) {
      parts.push(expected);
    } else if (nearMiss(given[i], [expected]) === expected) {
      parts.push(expected);
      fixes++;
    } else {
      return undefined;
    }
  }
  return { path: "/" + parts.join("/"), fixes };
}

/** Makes the suggester for an app whose routes are all registered; it reads the route table once, on first use. */
export function routeSuggester(app: Hono<AppEnv>): (method: string, pathname: string) => string {
  let templates: Template[] | undefined;
  return (method, pathname) => {
    templates ??= templatesOf(app);
    let given = segmentsOf(pathname);
    const trailingSlash = given.length > 1 && given[given.length - 1] === "";
    if (trailingSlash) given = given.slice(0, -1);
    // The path as given, and (when it ends in `/predict`) with v1's method as the suffix it should be.
    const readings = [{ segments: given, slips: trailingSlash ? 1 : 0 }];
    if (given.length > 1 && V1_METHOD.test(given[given.length - 1])) {
      readings.push({ segments: [...given.slice(0, -2), `${given[given.length - 2]}:${given[given.length - 1]}`], slips: readings[0].slips + 1 });
    }
    let best: { method: string; path: string; score: number } | undefined;
    for (const template of templates) {
      for (const { segments, slips } of readings) {
        const filled = fill(template, segments);
        if (!filled) continue;
        // Fewest fixes first; between equals, the caller's own method.
        const score = (filled.fixes + slips) * 2 + (template.method === method || (method === "HEAD" && template.method === "GET") ? 0 : 1);
        if (score > 1 && (!best || score < best.score)) best = { method: template.method, path: filled.path, score };
      }
    }
    return best ? ` (did you mean ${best.method} ${best.path}?)` : "";
  };
}
