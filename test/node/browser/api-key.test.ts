/**
 * The playground when keys are on and anonymous access is off: without a key the page says why
 * nothing is listed; with the key typed into the API key field its calls carry
 * `Authorization: Bearer <key>` and the models and predictions work.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileMissing } from "../../fixtures/tools.ts";
import { referencePredictions, serveIris, type ServedIris } from "./served-iris.ts";

const CHROMIUM = "/usr/bin/chromium";
const chromiumMissing = fileMissing(CHROMIUM, "chromium (apt-get install chromium)");

const KEY = "maas_test_key_for_the_playground";
const RECORD = { sepal_length: 5.0, sepal_width: 3.4, petal_length: 1.5, petal_width: 0.2 };

describe.skipIf(chromiumMissing)(`playground with API keys ${chromiumMissing ?? ""}`, () => {
  let served: ServedIris;
  let context: BrowserContext;
  let profile: string;
  let page: Page;
  const authorizations: (string | undefined)[] = [];

  beforeAll(async () => {
    const hash = `sha256:${createHash("sha256").update(KEY).digest("hex")}`;
    served = await serveIris({ allowAnonymous: false, vars: { API_KEYS: JSON.stringify([{ name: "playground", hash, models: "*" }]) } });
    profile = await mkdtemp(join(tmpdir(), "maas-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("request", (request) => {
      if (new URL(request.url()).pathname.startsWith("/v")) authorizations.push(request.headers()["authorization"]);
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await served?.stop();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it("asks for a key, then lists and predicts with it", async () => {
    await page.goto(served.server.url + "/");
    await expect(page.locator("#status.error").textContent()).resolves.toMatch(/^401: .*enter an API key/);
    expect(await page.locator("article.card").count()).toBe(0);

    authorizations.length = 0;
    await page.fill("#api-key", KEY);
    await page.click('#key-form button[type="submit"]');
    const form = page.locator('article.card[data-model="iris"] form[data-kind="record"]');
    await form.waitFor();
    for (const [field, value] of Object.entries(RECORD)) await form.locator(`[name="${field}"]`).fill(String(value));
    await form.locator('button[type="submit"]').click();
    const label = form.locator('[data-role="label"]');
    await label.waitFor();
    const [expected] = (await referencePredictions(served.bytes, served.schema, [RECORD])) as { label: string }[];
    expect(await label.textContent()).toBe(expected.label);
    expect(authorizations.length).toBeGreaterThanOrEqual(3); // listing, metadata, predict
    expect(new Set(authorizations)).toEqual(new Set([`Bearer ${KEY}`]));
  });
});
