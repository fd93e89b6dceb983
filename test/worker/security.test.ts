/**
 * API keys, access, rate limits, CORS, security headers, limits and the request log — each with
 * its own env (the same Worker module, called with different vars, as a deployment would be).
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, inject, it, vi } from "vitest";
import type { Env } from "../../functions/env.ts";
import worker from "../../functions/index.ts";
import { generateApiKey } from "../../functions/security/api-keys.ts";
import { writeManifest, moveAlias } from "../../functions/registry/store.ts";
import { maxAbsDiff } from "./http.ts";
import { seedRegistry } from "./seed.ts";
import { inOneRateWindow } from "./rate-window.ts";

const testEnv = env as unknown as Env & { TEST_RATE_LIMIT_TIGHT: RateLimit };

async function fetchWith(vars: Partial<Env>, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`http://maas.test${path}`, init), { ...testEnv, ...vars } as Env, ctx);
  await waitOnExecutionContext(ctx);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : undefined };
}

const x = { name: "x", datatype: "FP32", shape: [1, 4], data: [0.1, 0.2, 0.3, 0.4] };
const inferInit = (headers: Record<string, string> = {}, inputs: unknown[] = [x]): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json", ...headers },
  body: JSON.stringify({ inputs }),
});

// Fixed keys with their SHA-256 written out (`printf %s maas_alice-test-key | sha256sum`), so the
// Worker's hashing is checked rather than trusted.
const alice = "maas_alice-test-key";
const root = "maas_root-test-key";
const limited = "maas_limited-test-key";
const plain = "maas_plain-test-key";
const ALICE = { name: "alice", hash: "sha256:2e015170e54c3d1d3b551366e4f8b2d996e8887cd4e1c616d6055ef072779814", models: ["mlp"] };
const ROOT = { name: "root", hash: "sha256:26d98a6328cff3513a94971531b1486079827536e18c3a82637df399b8a4194a", models: "*" };
const LIMITED = { name: "limited", hash: "sha256:8e86548dd449de38ea936dadb2681bdb676efcb724517ddacf3f033baf9787fd", models: "*", tier: "TIGHT" };
const PLAIN = { name: "plain", hash: "sha256:c21ae97cbe12ca46842aebddaef483cdce5a7fd1236a033b922cc622ee210f93", models: "*" };
const keyed: Partial<Env> = { ALLOW_ANONYMOUS: "false", API_KEYS: JSON.stringify([ALICE, ROOT, LIMITED, PLAIN]) };

beforeAll(async () => {
  await seedRegistry(testEnv.MODELS);
});

afterEach(() => vi.restoreAllMocks());

describe("API keys", () => {
  it("without keys and without anonymous access, inference is refused with 401", async () => {
    const res = await fetchWith({ ALLOW_ANONYMOUS: "false", API_KEYS: "" }, "/v2/models/mlp/infer", inferInit());
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/needs an API key/);
    expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    expect((await fetchWith({ ALLOW_ANONYMOUS: "false" }, "/v2/models")).status).toBe(401);
    expect((await fetchWith({ ALLOW_ANONYMOUS: "false" }, "/v2/health/live")).status).toBe(200);
  });

  it("a valid key calls the models it is allowed, and gets 403 on others", async () => {
    const ok = await fetchWith(keyed, "/v2/models/mlp/infer", inferInit({ Authorization: `Bearer ${alice}` }));
    expect(ok.status).toBe(200);
    const forbidden = await fetchWith(keyed, "/v2/models/fixed", { headers: { Authorization: `Bearer ${alice}` } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error).toBe('API key "alice" may not call model "fixed"');
    const v1 = await fetchWith(keyed, "/v1/models/fixed:predict", { ...inferInit({ Authorization: `Bearer ${alice}` }), body: '{"instances":[[1]]}' });
    expect(v1.status).toBe(403);
    expect((await fetchWith(keyed, "/v2/models/fixed", { headers: { Authorization: `Bearer ${root}` } })).status).toBe(200);
  });

  it("listings show only the models a key may call", async () => {
    const res = await fetchWith(keyed, "/v2/models", { headers: { Authorization: `Bearer ${alice}` } });
    expect(res.body.models.map((m: { name: string }) => m.name)).toEqual(["mlp"]);
    const index = await fetchWith(keyed, "/v2/repository/index", { method: "POST", headers: { Authorization: `Bearer ${alice}` } });
    expect(new Set(index.body.map((r: { name: string }) => r.name))).toEqual(new Set(["mlp"]));
  });

  it("an unknown key, a malformed header, and a key from another deployment are 401 — and never echoed", async () => {
    const other = generateApiKey();
    for (const header of [`Bearer ${other}`, `Basic ${btoa("a:b")}`, "Bearer", `Bearer ${alice} extra`]) {
      const res = await fetchWith(keyed, "/v2/models/mlp/infer", inferInit({ Authorization: header }));
      expect(res.status, header).toBe(401);
      expect(res.text).not.toContain(other);
      expect(res.text).not.toContain(alice);
    }
  });

  it("a malformed API_KEYS secret refuses keyed requests instead of letting them through, and logs what is wrong", async () => {
    const secrets: Array<[string, string]> = [
      ["[{oops", "API_KEYS is not valid JSON"],
      [JSON.stringify([ALICE, { ...ROOT, hash: ROOT.hash.toUpperCase() }]), "API_KEYS is malformed at 1.hash: Invalid string"],
      [JSON.stringify([{ ...ALICE, tier: "gold" }]), "API_KEYS is malformed at 0.tier: Invalid string"],
      [JSON.stringify([{ name: "alice", hash: ALICE.hash }]), "API_KEYS is malformed at 0.models"],
      [JSON.stringify(ALICE), "API_KEYS is malformed at the top level"],
      // The same hash twice: which entry's models and tier apply would depend on the order.
      [JSON.stringify([ALICE, ROOT, { ...ROOT, name: "root-again" }]), "API_KEYS is malformed at 2.hash: the same hash as entry 1"],
      // The same name twice: two keys would share one rate-limit bucket and one name in the log.
      [JSON.stringify([ALICE, { ...ROOT, name: "alice" }]), "API_KEYS is malformed at 1.name: the same name as entry 0"],
    ];
    for (const [secret, logged] of secrets) {
      const errors: string[] = [];
      vi.spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
      const res = await fetchWith({ ...keyed, API_KEYS: secret }, "/v2/models/mlp/infer", inferInit({ Authorization: `Bearer ${root}` }));
      expect(res.status, secret).toBe(503);
      expect(res.body, secret).toEqual({ error: "API keys are misconfigured on this deployment" });
      expect(errors.map((e) => JSON.parse(e).message).join("\n"), secret).toContain(`API keys unavailable: ${logged}`);
      expect(errors.join("\n")).not.toContain(ROOT.hash.slice(7));
      vi.restoreAllMocks();
    }
  });

  it("public models answer without a key; the rest still need one", async () => {
    const vars = { ...keyed, PUBLIC_MODELS: "mlp" };
    expect((await fetchWith(vars, "/v2/models/mlp/infer", inferInit())).status).toBe(200);
    expect((await fetchWith(vars, "/v2/models/fixed")).status).toBe(401);
    const listing = await fetchWith(vars, "/v2/models");
    expect(listing.body.models.map((m: { name: string }) => m.name)).toEqual(["mlp"]);
  });
});

describe("a mistyped model name", () => {
  it("is offered only the models the caller may call", async () => {
    // Anonymous callers may call "mlp" and "fixd" (which does not exist), not "fixed".
    const vars = { ...keyed, PUBLIC_MODELS: "mlp,fixd" };
    expect((await fetchWith(vars, "/v2/models/fixd")).body).toEqual({ error: 'model "fixd" not found' });
    const withKey = await fetchWith(vars, "/v2/models/fixd", { headers: { Authorization: `Bearer ${root}` } });
    expect(withKey.body).toEqual({ error: 'model "fixd" not found (did you mean "fixed"?)' });
  });

  it("reuses the isolate's model listing for ALIAS_CACHE_MS, then reads it again", async () => {
    const open = { ALLOW_ANONYMOUS: "true" };
    const asked = () => 'model "zzzmodl" not found';
    expect((await fetchWith({ ...open, ALIAS_CACHE_MS: "0" }, "/v2/models/zzzmodl")).body).toEqual({ error: asked() }); // listed now
    await moveAlias(testEnv.MODELS, "zzzmodel", "latest", { version: "1" });
    // Within the window the listing made before "zzzmodel" existed answers; a fresh one finds it.
    expect((await fetchWith({ ...open, ALIAS_CACHE_MS: "600000" }, "/v2/models/zzzmodl")).body).toEqual({ error: asked() });
    expect((await fetchWith({ ...open, ALIAS_CACHE_MS: "0" }, "/v2/models/zzzmodl")).body).toEqual({ error: `${asked()} (did you mean "zzzmodel"?)` });
  });
});

describe("rate limits", () => {
  // Each test counts a few requests against the tight limit: all of them in one limiter window.
  beforeEach(() => inOneRateWindow());

  it("a key over its tier's limit gets 429 with Retry-After", async () => {
    const vars = { ...keyed, RATE_LIMIT_TIGHT: testEnv.TEST_RATE_LIMIT_TIGHT };
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await fetchWith(vars, "/v2/models/mlp/infer", inferInit({ Authorization: `Bearer ${limited}` }));
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(last!.headers.get("Retry-After")).toBe("60");
    expect(last!.body.error).toMatch(/rate limit/);
    // Other keys have their own budget.
    expect((await fetchWith(vars, "/v2/models/mlp/infer", inferInit({ Authorization: `Bearer ${root}` }))).status).toBe(200);
  });

  it("a key without a tier is limited by RATE_LIMIT_KEY, per key", async () => {
    const vars = { ...keyed, RATE_LIMIT_KEY: testEnv.TEST_RATE_LIMIT_TIGHT };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetchWith(vars, "/v2/models/mlp/infer", inferInit({ Authorization: `Bearer ${plain}` }))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((await fetchWith(vars, "/v2/models/mlp/infer", inferInit({ Authorization: `Bearer ${alice}` }))).status).toBe(200);
  });

  it("a key whose tier has no binding falls back to RATE_LIMIT_KEY; with neither bound there is no limit", async () => {
    const gold = { ...PLAIN, name: "gold-without-binding", tier: "GOLD" };
    const vars = { ...keyed, API_KEYS: JSON.stringify([gold]), RATE_LIMIT_KEY: testEnv.TEST_RATE_LIMIT_TIGHT };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetchWith(vars, "/v2/models/mlp/infer", inferInit({ Authorization: `Bearer ${plain}` }))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const unbound = { ...vars, API_KEYS: JSON.stringify([{ ...gold, name: "gold-unlimited" }]), RATE_LIMIT_KEY: undefined };
    for (let i = 0; i < 5; i++) expect((await fetchWith(unbound, "/v2/models/mlp/infer", inferInit({ Authorization: `Bearer ${plain}` }))).status).toBe(200);
  });

  it("anonymous callers without CF-Connecting-IP (a local server) share one bucket", async () => {
    const vars = { ALLOW_ANONYMOUS: "true", RATE_LIMIT_IP: testEnv.TEST_RATE_LIMIT_TIGHT };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetchWith(vars, "/v2/models/mlp/infer", inferInit())).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    // A caller with an address still has its own.
    expect((await fetchWith(vars, "/v2/models/mlp/infer", inferInit({ "CF-Connecting-IP": "198.51.100.4" }))).status).toBe(200);
  });

  it("anonymous callers are limited per IP", async () => {
    const vars = { ALLOW_ANONYMOUS: "true", RATE_LIMIT_IP: testEnv.TEST_RATE_LIMIT_TIGHT };
    const from = (ip: string) => fetchWith(vars, "/v2/models/mlp/infer", inferInit({ "CF-Connecting-IP": ip }));
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await from("203.0.113.7")).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((await from("203.0.113.8")).status).toBe(200);
  });
});

describe("CORS and security headers", () => {
  it("no CORS headers unless origins are configured", async () => {
    const res = await fetchWith({}, "/v2/health/live", { headers: { Origin: "https://app.example" } });
    expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it("an allow-listed origin is echoed, others are not; preflight works", async () => {
    const vars = { CORS_ORIGINS: "https://app.example, https://admin.example" };
    const allowed = await fetchWith(vars, "/v2/health/live", { headers: { Origin: "https://admin.example" } });
    expect(allowed.headers.get("Access-Control-Allow-Origin")).toBe("https://admin.example");
    const other = await fetchWith(vars, "/v2/health/live", { headers: { Origin: "https://evil.example" } });
    expect(other.headers.get("Access-Control-Allow-Origin")).toBeNull();
    const preflight = await fetchWith(vars, "/v2/models/mlp/infer", {
      method: "OPTIONS",
      headers: { Origin: "https://app.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("Access-Control-Allow-Headers")).toMatch(/Authorization/i);
  });

  it("security headers on success and error responses", async () => {
    for (const [path, init] of [["/v2/health/live", {}], ["/v2/models/nope", {}], ["/v2/models/mlp/infer", { method: "POST", body: "{" }]] as const) {
      const res = await fetchWith({}, path, init);
      expect(res.headers.get("X-Content-Type-Options"), path).toBe("nosniff");
      expect(res.headers.get("X-Frame-Options"), path).toBe("SAMEORIGIN");
      expect(res.headers.get("Strict-Transport-Security"), path).toMatch(/max-age/);
    }
  });
});

describe("request limits", () => {
  it("too many tensor elements or batch rows is 413, checked before allocating", async () => {
    const huge = { name: "x", datatype: "FP32", shape: [100000, 100000], data: [1, 2, 3] };
    const res = await fetchWith({}, "/v2/models/mlp/infer", inferInit({}, [huge]));
    expect(res.status).toBe(413);
    expect(res.body.error).toMatch(/batch of 100000 rows/);
    const wide = { name: "x", datatype: "FP32", shape: [2, 4], data: Array(8).fill(1) };
    expect((await fetchWith({ MAX_TENSOR_ELEMENTS: "4" }, "/v2/models/mlp/infer", inferInit({}, [wide]))).body.error).toMatch(/8 tensor elements, over this server's limit of 4/);
    const v1 = await fetchWith({ MAX_BATCH_ROWS: "2" }, "/v1/models/mlp:predict", { ...inferInit(), body: JSON.stringify({ instances: [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]] }) });
    expect(v1.status).toBe(413);
  });

  it("data nested deeper than the limit is 400", async () => {
    let deep: unknown = [0.5];
    for (let i = 0; i < 40; i++) deep = [deep];
    const res = await fetchWith({}, "/v2/models/mlp/infer", inferInit({}, [{ ...x, data: [deep, 0.2, 0.3, 0.4] }]));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/nested deeper than 32 levels/);
  });

  it("NaN and Infinity are refused unless the model's manifest allows them", async () => {
    const withNaN = { ...x, data: ["NaN", 0.2, "Infinity", 0.4] };
    const refused = await fetchWith({}, "/v2/models/mlp/infer", inferInit({}, [withNaN]));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/does not accept NaN or Infinity/);
    const fixture = inject("published").find((f) => f.name === "mlp" && f.version === "2")!;
    await writeManifest(testEnv.MODELS, { ...fixture.manifest, version: "2-nan", allowNonFinite: true });
    const accepted = await fetchWith({}, "/v2/models/mlp/versions/2-nan/infer", inferInit({}, [withNaN]));
    expect(accepted.status).toBe(200);
    expect(accepted.body.outputs[1].data).toEqual([null, null, null]); // NaN propagates; JSON has no NaN
    const finite = await fetchWith({}, "/v2/models/mlp/versions/2-nan/infer", inferInit());
    const reference = await fetchWith({}, "/v2/models/mlp/versions/2/infer", inferInit());
    expect(maxAbsDiff(reference.body.outputs[1].data, finite.body.outputs[1].data)).toBe(0);
  });
});

describe("faults", () => {
  it("an unreadable registry record is 503 and other models keep answering", async () => {
    await testEnv.MODELS.put("models/broken/aliases/latest.json", "{ not json");
    const res = await fetchWith({}, "/v2/models/broken/infer", inferInit());
    expect(res.status).toBe(503);
    expect(res.body.error).toMatch(/registry unavailable/);
    await testEnv.MODELS.delete("models/broken/aliases/latest.json");
    await moveAlias(testEnv.MODELS, "broken", "latest", { version: "1" });
    expect((await fetchWith({}, "/v2/models/broken/infer", inferInit())).status).toBe(404); // alias fixed, version absent
    expect((await fetchWith({}, "/v2/models/mlp/infer", inferInit())).status).toBe(200);
  });

  it("a storage error while reading the registry is 503", async () => {
    // The real bucket, with its reads failing as R2 does when it is down.
    const failing = new Proxy(testEnv.MODELS, {
      get: (bucket, prop) => (prop === "get" ? () => Promise.reject(new Error("R2 is down")) : Reflect.get(bucket, prop)),
    });
    const res = await fetchWith({ MODELS: failing }, "/v2/models/mlp/infer", inferInit());
    expect(res.status).toBe(503);
    expect(res.body.error).toMatch(/registry unavailable for "mlp": storage error reading .*R2 is down/);
  });

  it("a crash while looking a model up is a logged 500, not a 503", async () => {
    // A deployment without its R2 binding: the lookup throws a TypeError, which is a bug to see, not an outage.
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
    const res = await fetchWith({ MODELS: undefined as unknown as R2Bucket }, "/v2/models/mlp/infer", inferInit());
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: "internal error" });
    expect(errors).toHaveLength(1);
    expect(JSON.parse(errors[0])).toMatchObject({ level: "error", message: expect.stringMatching(/^TypeError/) });
  });
});

describe("request log", () => {
  it("one JSON line per request with model, version, status, timings and key name — never the key", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    await fetchWith(keyed, "/v2/models/mlp/infer", inferInit({ Authorization: `Bearer ${alice}` }));
    await fetchWith(keyed, "/v2/models/mlp/infer", inferInit({ Authorization: "Bearer maas_wrong" }));
    expect(lines).toHaveLength(2);
    const [ok, denied] = lines.map((l) => JSON.parse(l));
    expect(ok).toMatchObject({ method: "POST", path: "/v2/models/mlp/infer", status: 200, model: "mlp", version: "2", key: "alice" });
    expect(ok.timing).toMatch(/infer;dur=/);
    expect(typeof ok.durationMs).toBe("number");
    expect(denied).toMatchObject({ status: 401, key: null });
    expect(lines.join("\n")).not.toContain(alice);
    expect(lines.join("\n")).not.toContain("maas_wrong");
  });

  it("REQUEST_LOG=errors logs only refused or failed requests, =off logs nothing, an unknown value logs all", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const both = async (vars: Partial<Env>) => {
      lines.length = 0;
      expect((await fetchWith({ ...keyed, ...vars }, "/v2/models/mlp/infer", inferInit({ Authorization: `Bearer ${alice}` }))).status).toBe(200);
      expect((await fetchWith({ ...keyed, ...vars }, "/v2/models/mlp/infer", inferInit({ Authorization: "Bearer maas_wrong" }))).status).toBe(401);
      return lines.map((l) => JSON.parse(l).status);
    };
    expect(await both({ REQUEST_LOG: "errors" })).toEqual([401]);
    expect(await both({ REQUEST_LOG: "off" })).toEqual([]);
    expect(await both({ REQUEST_LOG: "verbose" })).toEqual([200, 401]);
    expect(await both({ REQUEST_LOG: " ERRORS " })).toEqual([401]);
  });
});
