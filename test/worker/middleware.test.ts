/**
 * The Worker's own cheap versions of three middlewares do what the originals did: the security
 * headers are exactly hono/secure-headers' defaults (compared with Hono's secureHeaders() output on
 * the same requests), Server-Timing reads as hono/timing writes it (compared with timing()'s header
 * for the same metrics), and the request log is one line of valid JSON, the same as stringifying
 * its fields, agreeing with the response it describes even for a path that needs escaping.
 */
import { Hono } from "hono";
import { secureHeaders as honoSecureHeaders } from "hono/secure-headers";
import { setMetric, startTime, endTime, timing } from "hono/timing";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AppEnv } from "../../functions/app-env.ts";
import { recordMetric, serverTimingValue, startServerTiming, timed } from "../../functions/http/server-timing.ts";
import { secureHeaders } from "../../functions/security/secure-headers.ts";
import { call } from "./http.ts";

function appWith(middleware: ReturnType<typeof honoSecureHeaders>): Hono {
  return new Hono()
    .use(middleware)
    .get("/ok", (c) => c.json({ ok: true }))
    .get("/powered", (c) => c.text("x", 200, { "X-Powered-By": "someone", "X-Frame-Options": "DENY" }))
    .get("/fails", () => {
      throw new Error("boom");
    })
    .onError((_error, c) => c.text("failed", 500));
}

const entries = (headers: Headers) => [...headers.entries()].sort(([a], [b]) => a.localeCompare(b));

describe("secure headers", () => {
  it("sets exactly the headers Hono's secureHeaders() sets, with the same values, on success, error and overridden responses", async () => {
    const theirs = appWith(honoSecureHeaders());
    const ours = appWith(secureHeaders());
    const plain = new Hono().get("/ok", (c) => c.json({ ok: true }));
    for (const path of ["/ok", "/powered", "/fails", "/missing"]) {
      const [expected, actual] = await Promise.all([theirs.request(path), ours.request(path)]);
      expect(actual.status, path).toBe(expected.status);
      expect(entries(actual.headers), path).toEqual(entries(expected.headers));
    }
    // And they are many: the comparison above is not of two empty sets.
    const added = entries((await theirs.request("/ok")).headers).length - entries((await plain.request("/ok")).headers).length;
    expect(added).toBeGreaterThanOrEqual(10);
  });

  it("the Worker's responses carry every one of them, with a request id: answers from a template (functions/http/answer.ts) and the others alike", async () => {
    const expected = (await appWith(honoSecureHeaders()).request("/ok")).headers;
    const plain = new Set((await new Hono().get("/ok", (c) => c.json({ ok: true })).request("/ok")).headers.keys());
    const secure = [...expected].filter(([name]) => !plain.has(name));
    expect(secure.length).toBeGreaterThanOrEqual(10);
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    // Each request is made in turn: none is left running into the next test when one fails.
    const cases: [string, () => Promise<Response>, number, string][] = [
      ["health (a template answer)", () => call("/v2/health/live"), 200, "application/json"],
      ["an unknown route (notFound)", () => call("/v2/nowhere"), 404, "application/json"],
      ["an unknown model (an HttpError through onError)", () => call("/v2/models/no-such-model"), 404, "application/json"],
      ["a malformed body (an HttpError through onError)", () => call("/v2/models/no-such-model/infer", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{" }), 400, "application/json"],
      ["a wrong method (405 with Allow)", () => call("/v2/health/live", { method: "DELETE" }), 405, "application/json"],
      ["the playground page (Hono's c.html)", () => call("/"), 200, "text/html; charset=UTF-8"],
      ["HEAD of a template answer", () => call("/v2/health/live", { method: "HEAD" }), 200, "application/json"],
    ];
    const ids = new Set<string>();
    for (const [what, request, status, contentType] of cases) {
      const response = await request();
      await response.arrayBuffer();
      expect(response.status, what).toBe(status);
      expect(response.headers.get("Content-Type"), what).toBe(contentType);
      for (const [name, value] of secure) expect(response.headers.get(name), `${what}: ${name}`).toBe(value);
      expect(response.headers.get("X-Request-Id"), what).toMatch(uuid);
      ids.add(response.headers.get("X-Request-Id")!);
      expect(response.headers.get("Server-Timing"), what).toMatch(/total;dur=[\d.]+;desc="Total Response Time"$/);
    }
    expect(ids.size).toBe(cases.length); // one id per request
    // A caller's own valid id is kept (Hono's requestId()), on a template answer too.
    expect((await call("/v2/health/live", { headers: { "X-Request-Id": "trace-42" } })).headers.get("X-Request-Id")).toBe("trace-42");
    expect((await call("/v2/nowhere", { headers: { "X-Request-Id": "trace-43" } })).headers.get("X-Request-Id")).toBe("trace-43");
    expect((await call("/", { headers: { "X-Request-Id": "trace-44" } })).headers.get("X-Request-Id")).toBe("trace-44");
    // One Hono would not keep (a space; too long) is replaced.
    expect((await call("/v2/health/live", { headers: { "X-Request-Id": "trace 45" } })).headers.get("X-Request-Id")).toMatch(uuid);
    expect((await call("/v2/health/live", { headers: { "X-Request-Id": "x".repeat(256) } })).headers.get("X-Request-Id")).toMatch(uuid);
    // The 405 keeps its Allow header next to the template's.
    expect((await call("/v2/health/live", { method: "DELETE" })).headers.get("Allow")).toBe("GET, HEAD");
  });
});

describe("Server-Timing", () => {
  it("has the entries, order and form of hono/timing's header for the same metrics", async () => {
    const theirs = new Hono().use(timing({ total: true, autoEnd: true })).get("/", async (c) => {
      setMetric(c, "load", 3.25, "session warm");
      startTime(c, "infer");
      await Promise.resolve();
      endTime(c, "infer");
      return c.text("ok");
    });
    const ours = new Hono<AppEnv>()
      .use(async (c, next) => {
        const serverTiming = startServerTiming(c);
        await next();
        c.res.headers.append("Server-Timing", serverTimingValue(serverTiming));
      })
      .get("/", async (c) => {
        recordMetric(c, "load", 3.25, "session warm");
        await timed(c, "infer", () => Promise.resolve());
        return c.text("ok");
      });
    // Durations differ run to run; everything else must be the same.
    const shape = (header: string | null) => (header ?? "").replace(/dur=\d+\.\d/g, "dur=N");
    const [expected, actual] = await Promise.all([theirs.request("/"), ours.request("/")]);
    expect(shape(expected.headers.get("Server-Timing"))).toBe('load;dur=N;desc="session warm",infer;dur=N,total;dur=N;desc="Total Response Time"');
    expect(shape(actual.headers.get("Server-Timing"))).toBe(shape(expected.headers.get("Server-Timing")));
    expect(actual.headers.get("Server-Timing")).toMatch(/^load;dur=3\.3;desc="session warm",/); // 3.25 to one decimal, as toFixed(1) rounds it
  });
});

describe("request log line", () => {
  afterEach(() => vi.restoreAllMocks());

  it("is the JSON of its fields, in order, agreeing with the response — a path with a quote, a backslash and non-ASCII included", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const response = await call("/no%22where%5C%C3%BC");
    await response.arrayBuffer();
    expect(lines).toHaveLength(1);
    const line = lines[0];
    expect(line.startsWith('{"at":')).toBe(true); // vitest.config.ts filters the log by this prefix
    const fields = JSON.parse(line);
    expect(line).toBe(JSON.stringify(fields));
    expect(Object.keys(fields)).toEqual(["at", "requestId", "method", "path", "status", "model", "version", "key", "durationMs", "timing"]);
    expect(fields).toMatchObject({
      requestId: response.headers.get("X-Request-Id"),
      method: "GET",
      path: '/no"where\\ü',
      status: 404,
      model: null,
      version: null,
      key: null,
      timing: response.headers.get("Server-Timing"),
    });
    expect(new Date(fields.at).toISOString()).toBe(fields.at);
    expect(Number.isInteger(fields.durationMs) && fields.durationMs >= 0).toBe(true);
  });
});
