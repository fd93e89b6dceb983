/** Calling the Worker under test (its default export, inside workerd) as a client would. */
import { exports } from "cloudflare:workers";

export const call = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`http://maas.test${path}`, init));

export const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  call(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

/** The status and parsed JSON body; every response of this API is JSON. */
export async function json(response: Response): Promise<{ status: number; body: any; headers: Headers }> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`response ${response.status} is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: response.status, body, headers: response.headers };
}

export function maxAbsDiff(expected: readonly unknown[], actual: readonly unknown[]): number {
  if (expected.length !== actual.length) return Infinity;
  return Math.max(0, ...expected.map((v, i) => Math.abs((v as number) - (actual[i] as number))));
}

/** JSON.parse that keeps integers beyond 2^53 as their exact source digits. */
export function parseExact(text: string) {
  return JSON.parse(text, (_key, value, context?: { source?: string }) =>
    typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value) ? context?.source : value,
  );
}
