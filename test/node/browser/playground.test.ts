/**
 * The playground in a real browser (Debian's chromium via playwright-core) against the Worker on
 * loopback: the page loads without console errors, lists the published models with their aliases,
 * shows one model's card at a time (picked in the sidebar, kept in the URL hash), picks a version
 * or alias on the card, sends a raw record from the form and shows the label onnxruntime-node gives
 * for the same record on the same file, shows the API's 400 for a record the feature schema
 * refuses, shows what maas push measured (CPU per request) and the compression record, and is usable at 375 px. Saves test-results/playground.png.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishModel } from "../../../scripts/registry/publish.ts";
import { parseTrainArgs } from "../../../scripts/commands/train.ts";
import { DEFAULT_DATASET } from "../../../training/data/default-dataset.ts";
import { readRecords } from "../../../training/data/read-records.ts";
import { trainFromRecords } from "../../../training/pipeline.ts";
import { fileMissing } from "../../fixtures/tools.ts";
import { referencePredictions, serveIris, type ServedIris } from "./served-iris.ts";
import { COMPRESSION_KEY, type CompressionStep } from "../../../shared/compression-record.ts";
import { decodeModel, encodeModel } from "../../../training/onnx/model-io.ts";
import { mlpModel } from "../../fixtures/models.ts";

/** A record as maas prune then maas quantize leave it in the file. */
const COMPRESSION: CompressionStep[] = [
  { kind: "prune", sparsity: 0.5, scope: "layer", sourceSha256: "c".repeat(64), layers: [{ weight: "W1", sparsity: 0.5 }] },
  { kind: "quantize", mode: "int8-dynamic", sourceSha256: "d".repeat(64), layers: [{ weight: "W1", scheme: "per-channel" }] },
];

/** The mlp fixture carrying that record, as maas push publishes it: with its CPU time measured. */
async function publishCarded(bucket: Parameters<typeof publishModel>[0]): Promise<void> {
  const proto = decodeModel(mlpModel(9));
  proto.metadataProps = [...(proto.metadataProps ?? []), { key: COMPRESSION_KEY, value: JSON.stringify(COMPRESSION) }];
  await publishModel(bucket, { bytes: encodeModel(proto), name: "tiny-compressed", measureCpu: { onError: (message) => { throw new Error(message); } } });
}

/** Feature names as long as real ones get (the wine data's od280/od315_of_diluted_wines, and longer). */
const LONG_NAMES = ["od280_od315_of_diluted_wines_absorbance_ratio", "proanthocyanins_concentration_in_milligrams_per_litre", "x"];
function longNameRecords(): Record<string, unknown>[] {
  return Array.from({ length: 40 }, (_, i) => ({ [LONG_NAMES[0]]: i % 7, [LONG_NAMES[1]]: (i * 3) % 5, [LONG_NAMES[2]]: i % 2, label: i % 2 ? "yes" : "no" }));
}

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

  let candidate: Uint8Array;

  beforeAll(async () => {
    // A second iris version behind the alias "candidate" (latest and prod stay on 1), and a model whose feature names are long.
    const quick = async (records: Record<string, unknown>[], args: string[]) => (await trainFromRecords(records, parseTrainArgs(args).options)).bytes;
    served = await serveIris({
      publishMore: async (bucket) => {
        candidate = await quick(await readRecords(DEFAULT_DATASET.path), ["--epochs", "8", "--seed", "2"]);
        await publishModel(bucket, { bytes: candidate, name: "iris", aliases: ["candidate"] });
        await publishModel(bucket, { bytes: await quick(longNameRecords(), ["x.csv", "--target", "label", "--epochs", "3"]), name: "long-names" });
        await publishCarded(bucket);
      },
    });
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
    await expect(irisEntry.textContent()).resolves.toContain("candidate → 2");
    await expect(page.locator('nav a.model-entry[data-model="mlp"]').textContent()).resolves.toContain("v1");
    // One card at a time: the first model's, marked in the sidebar.
    expect(await page.locator("article.card").count()).toBe(1);
    expect(await irisEntry.getAttribute("aria-current")).toBe("page");
    // The card shows what the trainer recorded: labels, metrics and the feature schema.
    const card = (await irisCard.textContent())!;
    for (const text of ["setosa", "versicolor", "virginica", "accuracy", "sepal_length", "petal_width"]) expect(card).toContain(text);

    const form = irisCard.locator('form[data-kind="record"]');
    for (const [field, value] of Object.entries(RECORD)) await form.locator(`[name="${field}"]`).fill(String(value));
    await form.locator('button[type="submit"]').click();
    const label = form.locator('[data-role="result"] [data-role="label"]');
    await label.waitFor();

    const [expected] = (await referencePredictions(served.bytes, served.schema, [RECORD])) as { label: string }[];
    expect(await label.textContent()).toBe(expected.label);
    expect(await form.locator('[data-role="latency"]').textContent()).toMatch(/round trip \d+\.\d ms/);

    // Another model, picked in the sidebar: its card replaces iris's, and the hash names it.
    await page.locator('nav a.model-entry[data-model="mlp"]').click();
    await page.locator('article.card[data-model="mlp"]').waitFor();
    expect(await page.locator("article.card").count()).toBe(1);
    expect(new URL(page.url()).hash).toBe("#model=mlp");
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

  it("shows the CPU time per request maas push measured and the compression record; a version without them says so", async () => {
    await page.goto(served.server.url + "/#model=tiny-compressed");
    const carded = page.locator('article.card[data-model="tiny-compressed"]');
    await carded.waitFor();
    const text = (await carded.locator(".facts").textContent())!;
    expect(text).toContain("compressionpruned 50% (layer), then int8-dynamic");
    expect(text).toMatch(/CPU~\d+\.\d+ ms per request \(batch 1\)/);
    await page.goto(served.server.url + "/#model=mlp");
    const mlp = page.locator('article.card[data-model="mlp"]');
    await mlp.waitFor();
    const plain = (await mlp.locator(".facts").textContent())!;
    expect(plain).toContain("CPUnot measured");
    expect(plain).not.toContain("compression");
    expect(consoleErrors).toEqual([]);
  });

  it("shows the API's error when a tensor request is refused, without breaking the page", async () => {
    const tensorForm = page.locator('article.card[data-model="mlp"] form[data-kind="tensor"]');
    await tensorForm.locator("textarea").fill('{"inputs":[{"name":"x","datatype":"FP32","shape":[1,3],"data":[1,2,3]}]}');
    await tensorForm.locator('button[type="submit"]').click();
    const result = tensorForm.locator('[data-role="result"].error');
    await result.waitFor();
    expect(await result.textContent()).toMatch(/^400: /);
    expect(await tensorForm.locator("textarea").isVisible()).toBe(true);
    expect(await page.locator("nav a.model-entry").count()).toBe(4); // iris, long-names, mlp, tiny-compressed
  });

  it("picks a version or an alias on the card, keeps it in the hash, and predicts with that version", async () => {
    await page.goto(served.server.url + "/#model=iris");
    const picker = page.locator('article.card[data-model="iris"] [data-role="version-picker"]');
    await picker.waitFor();
    const options = await picker.locator("option").evaluateAll((nodes) => nodes.map((n) => [n.getAttribute("value"), n.textContent]));
    expect(options.map(([value]) => value)).toEqual(["", "candidate", "prod", "1", "2"]);
    expect(await page.locator('article.card[data-model="iris"]').getAttribute("data-version")).toBe("1");

    await picker.selectOption("candidate");
    await page.locator('article.card[data-model="iris"][data-version="2"]').waitFor();
    expect(new URL(page.url()).hash).toBe("#model=iris&version=candidate");
    expect(await page.locator('article.card [data-role="meta"]').textContent()).toMatch(/^version 2 · /);
    const form = page.locator('article.card[data-model="iris"] form[data-kind="record"]');
    for (const [field, value] of Object.entries(RECORD)) await form.locator(`[name="${field}"]`).fill(String(value));
    await form.locator('button[type="submit"]').click();
    await form.locator('[data-role="result"] [data-role="label"]').waitFor();
    const [expected] = (await referencePredictions(candidate, served.schema, [RECORD])) as Array<{ label: string; probabilities: Record<string, number> }>;
    expect(await form.locator('[data-role="label"]').textContent()).toBe(expected.label);
    expect(await form.locator('[data-role="result"]').textContent()).toContain("version 2");

    // Reloading the hash shows the same card; a version id works like an alias.
    await page.reload();
    await page.locator('article.card[data-model="iris"][data-version="2"]').waitFor();
    expect(await page.locator('[data-role="version-picker"]').inputValue()).toBe("candidate");
    await page.locator('[data-role="version-picker"]').selectOption("1");
    await page.locator('article.card[data-model="iris"][data-version="1"]').waitFor();
    expect(new URL(page.url()).hash).toBe("#model=iris&version=1");
  });

  it("shows the feature schema's 400 when a record misses a feature", async () => {
    await page.goto(served.server.url + "/#model=iris");
    const form = page.locator('article.card[data-model="iris"] form[data-kind="record"]');
    for (const [field, value] of Object.entries(RECORD)) await form.locator(`[name="${field}"]`).fill(field === "petal_width" ? "" : String(value));
    await form.locator('button[type="submit"]').click();
    const error = form.locator('[data-role="result"].error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/^400: .*petal_width/);
  });

  it("is usable 375 px wide: no sideways scrolling, long feature names wrap inside their fields", async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(served.server.url + "/#model=long-names");
    const card = page.locator('article.card[data-model="long-names"]');
    await card.locator("form").waitFor();
    expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(375);
    const boxes = await card.locator(".fields label").evaluateAll((labels) =>
      labels.map((l) => {
        const { left, right, top, bottom } = l.getBoundingClientRect();
        return { scroll: l.scrollWidth, client: l.clientWidth, rect: { left, right, top, bottom } };
      }));
    expect(boxes).toHaveLength(3);
    for (const box of boxes) {
      expect(box.scroll).toBeLessThanOrEqual(box.client + 1); // the text wraps instead of running out
      expect(box.rect.right).toBeLessThanOrEqual(375);
    }
    for (let i = 1; i < boxes.length; i++) {
      const [a, b] = [boxes[i - 1].rect, boxes[i].rect];
      const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
      expect(overlap, `labels ${i - 1} and ${i} overlap`).toBe(false);
    }
    await mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, "playground-375.png"), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("draws the trainer's own loss curves and confusion matrix with the trainer's chart code", async () => {
    await page.goto(served.server.url + "/#model=iris");
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
