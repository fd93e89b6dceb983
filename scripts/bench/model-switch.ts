/**
 * Two models of about the same size through a session cache that holds only one of them
 * (MODEL_CACHE_BUDGET_MB just above the larger's memory estimate): A, then B, then A again, on one
 * fresh Worker process. The cache releases the old session before the new model loads
 * (functions/sessions/model-cache.ts), so ORT's wasm memory, which never shrinks, should grow by
 * about one model, not two.
 */
import { inferBody, timedInfer } from "./cold-start.ts";
import type { ServerProcess } from "./server-process.ts";

export interface SwitchModel {
  name: string;
  widths: readonly number[];
  /** The manifest's memoryBytes: what the cache charges. */
  memoryBytes: number;
}

export interface ModelSwitch {
  sequence: string[];
  budgetMib: number;
  idleRssBytes: number;
  /** Peak resident size after each answer, in sequence order. */
  peakRssAfterEach: number[];
  /** Peak minus idle over the whole sequence. */
  growthBytes: number;
  /** The larger model's memory estimate: the growth is compared with it. */
  largerModelBytes: number;
}

export function switchBudgetMib(models: readonly SwitchModel[]): number {
  return Math.ceil(Math.max(...models.map((m) => m.memoryBytes)) / 2 ** 20) + 1;
}

/** `start` gives a fresh Worker whose MODEL_CACHE_BUDGET_MB is switchBudgetMib([a, b]). */
export async function measureModelSwitch(start: () => Promise<ServerProcess>, a: SwitchModel, b: SwitchModel): Promise<ModelSwitch> {
  const sequence = [a, b, a];
  const server = await start();
  try {
    const idleRssBytes = server.memory().rssBytes;
    const peakRssAfterEach: number[] = [];
    for (const model of sequence) {
      await timedInfer(server, model.name, inferBody(model.widths));
      peakRssAfterEach.push(server.memory().peakRssBytes);
    }
    return {
      sequence: sequence.map((m) => m.name),
      budgetMib: switchBudgetMib([a, b]),
      idleRssBytes,
      peakRssAfterEach,
      growthBytes: Math.max(...peakRssAfterEach) - idleRssBytes,
      largerModelBytes: Math.max(a.memoryBytes, b.memoryBytes),
    };
  } finally {
    await server.stop();
  }
}
