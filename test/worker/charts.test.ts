/**
 * POST /ui/charts, whose SVG the playground inserts as HTML: hostile labels come back escaped
 * (only the chart's own tags in the output), requests past its limits are a 400 naming the field,
 * and it is rate-limited like the API (per IP without a key, per key with one).
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../functions/env.ts";
import worker from "../../functions/index.ts";
import { inOneRateWindow } from "./rate-window.ts";

const testEnv = env as unknown as Env & { TEST_RATE_LIMIT_TIGHT: RateLimit };

async function charts(body: unknown, vars: Partial<Env> = {}, headers: Record<string, string> = {}) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request("http://maas.test/ui/charts", { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) }),
    { ...testEnv, ...vars } as Env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: response.status, body: (await response.json()) as any };
}

const HOSTILE = ['<script>alert("x")</script>', `"onload="alert(1)`, "a&b", "]]><img src=x onerror=alert(1)>", "'><svg/onload=alert(1)>"];
const SVG_TAGS = /^<\/?(svg|g|text|rect|line|path|polyline|polygon|circle|title|tspan)[\s/>]/;

describe("POST /ui/charts", () => {
  it("escapes hostile class labels: the SVG holds only its own tags, the labels as text", async () => {
    const n = HOSTILE.length;
    const confusion = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 5 : 1)));
    const { status, body } = await charts({ confusion, labels: HOSTILE, history: [{ epoch: 1, trainLoss: 1 }, { epoch: 2, trainLoss: 0.5 }] });
    expect(status).toBe(200);
    for (const svg of [body.confusion, body.loss] as string[]) {
      const tags = svg.match(/<[^>]*>?/g) ?? [];
      for (const tag of tags) {
        expect(tag, tag).toMatch(SVG_TAGS);
        expect(tag, tag).not.toMatch(/\son\w+\s*=/i); // no event handler smuggled into an attribute
      }
      expect(svg).not.toMatch(/<script|<img/i);
    }
    // Each label is there (row labels keep their first 14 characters), escaped, and reads back as itself.
    const texts = [...(body.confusion as string).matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
      m[1].replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code))).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&"),
    );
    for (const label of HOSTILE) expect(texts, label).toContain(label.slice(0, 14));
  });

  it("refuses requests past its limits with a 400 naming the field", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ history: Array.from({ length: 10_001 }, () => ({ trainLoss: 1 })) }, /history/],
      [{ history: [{ epoch: 100_001, trainLoss: 1 }] }, /history\[0\]\.epoch/],
      [{ labels: Array.from({ length: 65 }, (_, i) => `c${i}`) }, /labels/],
      [{ labels: ["x".repeat(201)] }, /labels\[0\]/],
      [{ confusion: Array.from({ length: 65 }, () => [1]) }, /confusion/],
      [{ confusion: [[1, -1]] }, /confusion\[0\]\[1\]/],
      [{ history: [{ trainLoss: "1" }] }, /history\[0\]\.trainLoss/],
    ];
    for (const [request, field] of cases) {
      const { status, body } = await charts(request);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(Object.keys(body)).toEqual(["error"]);
      expect(body.error).toMatch(/^invalid charts request: /);
      expect(body.error).toMatch(field);
    }
  });

  it("is rate-limited like the API: per IP without a key, per key with one", async () => {
    await inOneRateWindow();
    const request = { history: [{ trainLoss: 1 }, { trainLoss: 0.5 }] };
    const byIp = { RATE_LIMIT_IP: testEnv.TEST_RATE_LIMIT_TIGHT };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await charts(request, byIp, { "CF-Connecting-IP": "192.0.2.50" })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((await charts(request, byIp, { "CF-Connecting-IP": "192.0.2.51" })).status).toBe(200);

    // printf %s maas_charts-test-key | sha256sum
    const keys = { API_KEYS: JSON.stringify([{ name: "charts", hash: "sha256:c4159d6f225cca192ef62cb37f374245e57e090368cb4bc362bf1e15f737920e", models: "*" }]), RATE_LIMIT_KEY: testEnv.TEST_RATE_LIMIT_TIGHT };
    const keyed: number[] = [];
    for (let i = 0; i < 4; i++) keyed.push((await charts(request, keys, { Authorization: "Bearer maas_charts-test-key" })).status);
    expect(keyed).toEqual([200, 200, 200, 429]);
    expect((await charts(request, keys, { Authorization: "Bearer maas_wrong" })).status).toBe(401);
  });
});
