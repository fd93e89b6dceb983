/**
 * The playground in a real browser (Debian's chromium via playwright-core) against the Worker on
 * loopback: the page loads without console errors, lists the published models with their aliases,
 * shows the model card, sends a raw record from the form and shows the label onnxruntime-node
 * gives for the same record on the same file. Saves test-results/playground.png.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileMissing } from "../../fixtures/tools.ts";
import { referencePredictions, serveIris, type ServedIris } from "./served-iris.ts";

const CHROMIUM = "/usr/bin/chromium";
const RESULTS = resolve(import.meta.dirname, "../../../test-results");
const chromiumMissing = fileMissing(CHROMIUM, "chromium (apt-get install chromium)");

/** A flower between versicolor and virginica: the label is the model's call, not an obvious one. */
const RECORD = { sepal_length: 6.1, sepal_width: 2.8, petal_length: 4.9, petal_width: 1.6 };

describe.skipIf(chromiumMissing)(`playground page ${chromiumMissing ?? ""}`, () => {
  let served: ServedIris;
  let context: BrowserContext;
  let profile: string;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    served = await serveIris();
    profile = await mkdtemp(join(tmpdir(), "maas-chromium-"));
    // A fresh profile each run; launchPersistentContext is how a user-data-dir is given.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(`page error: ${error.message}`));
    page.on("requestfailed", (request) => consoleErrors.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
    // Keep the test on loopback: anything else the page asked for would be a bug.
    await context.route((url) => url.hostname !== "127.0.0.1", (route) => {
      consoleErrors.push(`off-host request: ${route.request().url()}`);
      return route.abort();
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await served?.stop();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it("lists the models, shows the card, predicts the right label from the form", async () => {
    await page.goto(served.server.url + "/");
    const irisCard = page.locator('article.card[data-model="iris"]');
    await irisCard.waitFor();

    const irisEntry = page.locator('nav a.model-entry[data-model="iris"]');
    await expect(irisEntry.textContent()).resolves.toContain("prod → 1");
    await expect(page.locator('nav a.model-entry[data-model="mlp"]').textContent()).resolves.toContain("v1");
    // The card shows what the trainer recorded: labels, metrics and the feature schema.
    const card = (await irisCard.textContent())!;
    for (const text of ["setosa", "versicolor", "virginica", "accuracy", "sepal_length", "petal_width"]) expect(card).toContain(text);
    await page.locator('article.card[data-model="mlp"] form[data-kind="tensor"]').waitFor();

    const form = irisCard.locator('form[data-kind="record"]');
    for (const [field, value] of Object.entries(RECORD)) await form.locator(`[name="${field}"]`).fill(String(value));
    await form.locator('button[type="submit"]').click();
    const label = form.locator('[data-role="result"] [data-role="label"]');
    await label.waitFor();

    const [expected] = (await referencePredictions(served.bytes, served.schema, [RECORD])) as { label: string }[];
    expect(await label.textContent()).toBe(expected.label);
    expect(await form.locator('[data-role="latency"]').textContent()).toMatch(/round trip \d+\.\d ms/);

    // The tensor form of a model the trainer did not make, sent as prefilled (zeros of the declared shapes).
    const tensorForm = page.locator('article.card[data-model="mlp"] form[data-kind="tensor"]');
    await tensorForm.locator('button[type="submit"]').click();
    const outputs = tensorForm.locator('[data-role="result"]:not(.error)');
    await outputs.locator("pre").first().waitFor();
    expect(await outputs.textContent()).toContain("probs [1, 3] FP32");

    await mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, "playground.png"), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it("shows the API's error when a record is refused, without breaking the page", async () => {
    const form = page.locator('article.card[data-model="iris"] form[data-kind="record"]');
    // A number field cannot hold text; an out-of-schema value reaches the API through the mlp tensor form instead.
    const tensorForm = page.locator('article.card[data-model="mlp"] form[data-kind="tensor"]');
    await tensorForm.locator("textarea").fill('{"inputs":[{"name":"x","datatype":"FP32","shape":[1,3],"data":[1,2,3]}]}');
    await tensorForm.locator('button[type="submit"]').click();
    const result = tensorForm.locator('[data-role="result"].error');
    await result.waitFor();
    expect(await result.textContent()).toMatch(/^400: /);
    expect(await form.isVisible()).toBe(true);
  });

  it("draws the trainer's own loss curves and confusion matrix with the trainer's chart code", async () => {
    const charts = page.locator('article.card[data-model="iris"] .charts');
    await charts.locator("svg").nth(1).waitFor();
    const [loss, confusion] = await charts.locator("svg").evaluateAll((nodes) => nodes.map((n) => n.outerHTML));
    expect(loss).toContain("Loss per epoch");
    expect(loss).toContain("validation loss");
    // The model file keeps every k-th epoch of a long run: the x axis still ends at the last epoch trained.
    const lastEpoch = served.report.history.at(-1)!.epoch;
    expect(loss).toContain(`>${lastEpoch}</text>`);
    expect(confusion).toContain("Confusion matrix");
    // The cells, row by row, are the last texts of the chart: the held-out counts of the trainer's report.
    const texts = [...confusion.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    const expected = served.report.metrics.confusion!.flat();
    expect(texts.slice(-expected.length).map(Number)).toEqual(expected);
    await charts.screenshot({ path: join(RESULTS, "playground-charts.png") });
  });
});
