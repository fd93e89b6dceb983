/**
 * Live sessions per isolate, keyed by blob sha256 and how the session is made (two versions with
 * the same bytes share one, unless one of them prepacks its float32 weights: `maas push --prepack`).
 * Concurrent first requests share one load; a failed load is never cached; when the models'
 * memory (each manifest's memoryBytes estimate) would exceed the budget, the least recently used
 * sessions are released — before a new model loads, not after: onnxruntime-web's wasm memory never
 * shrinks, so the new session should reuse the space of the ones it replaces rather than grow the
 * heap past the budget.
 */
import { unavailable } from "../errors.ts";
import { memoryCharge, type Manifest } from "../registry/manifest.ts";
import { runExclusive } from "./exclusive.ts";
import type { LoadedModel } from "./load-model.ts";

/** Sessions are shared by blob and by how they are made (load-model.ts: the manifest's prepackedBytes). */
function sessionKey(manifest: Manifest): string {
  return manifest.prepackedBytes === undefined ? manifest.sha256 : `${manifest.sha256}+prepacked`;
}

function releaseSession(model: LoadedModel | undefined): void {
  if (model) void runExclusive(() => model.session.release()).catch(() => undefined);
}

interface Entry {
  /** What this model is charged against the budget. */
  chargedBytes: number;
  loading: Promise<LoadedModel>;
  model?: LoadedModel;
  inUse: number;
  evicted: boolean;
}

export interface Lease {
  model: LoadedModel;
  /** warm: the session was live; loaded: this request loaded it; joined: it waited for another's load. */
  source: "warm" | "loaded" | "joined";
  /** Milliseconds this request spent waiting for the load (0 when warm). */
  loadMs: number;
  release(): void;
}

export class ModelCache {
  readonly budgetBytes: number;
  // Map iteration order is insertion order: re-inserting on use keeps it least-recent-first.
  readonly #entries = new Map<string, Entry>();

  constructor(budgetBytes: number) {
    this.budgetBytes = budgetBytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Whether the manifest's session is live in this isolate. */
  has(manifest: Manifest): boolean {
    return this.#entries.get(sessionKey(manifest))?.model !== undefined;
  }

  /** A session for the manifest's blob; `load` runs only when no load is cached or in flight. */
  async acquire(manifest: Manifest, load: (manifest: Manifest) => Promise<LoadedModel>): Promise<Lease> {
    const charge = memoryCharge(manifest);
    if (charge > this.budgetBytes) {
      const held = charge === manifest.bytes ? "" : `, ~${charge} bytes once onnxruntime-web holds it`;
      throw unavailable(
        `model "${manifest.name}" version "${manifest.version}" (${manifest.bytes} bytes${held}) is larger than this server's model memory budget (${this.budgetBytes} bytes, MODEL_CACHE_BUDGET_MB)`,
      );
    }
    const started = Date.now();
    const key = sessionKey(manifest);
    let entry = this.#entries.get(key);
    const source: Lease["source"] = !entry ? "loaded" : entry.model ? "warm" : "joined";
    if (entry) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    } else {
      this.#evictOverBudget(charge);
      entry = { chargedBytes: charge, loading: load(manifest), inUse: 0, evicted: false };
      this.#entries.set(key, entry);
      const created = entry;
      created.loading.then(
        (model) => {
          created.model = model;
          this.#evictOverBudget();
        },
        () => {
          if (this.#entries.get(key) === created) this.#entries.delete(key);
        },
      );
    }
    entry.inUse++;
    let model: LoadedModel;
    try {
      model = await entry.loading;
    } catch (error) {
      entry.inUse--;
      throw error;
    }
    const held = entry;
    let released = false;
    return {
      model,
      source,
      loadMs: source === "warm" ? 0 : Date.now() - started,
      release: () => {
        if (released) return;
        released = true;
        held.inUse--;
        if (held.evicted && held.inUse === 0) releaseSession(held.model);
      },
    };
  }

  /** Releases least recently used live sessions until the cached bytes plus `incoming` fit the budget. */
  #evictOverBudget(incoming = 0): void {
    let total = incoming;
    for (const entry of this.#entries.values()) total += entry.chargedBytes;
    for (const [sha, entry] of this.#entries) {
      if (total <= this.budgetBytes) break;
      if (!entry.model) continue; // still loading
      this.#entries.delete(sha);
      total -= entry.chargedBytes;
      entry.evicted = true;
      if (entry.inUse === 0) releaseSession(entry.model);
    }
  }
}
