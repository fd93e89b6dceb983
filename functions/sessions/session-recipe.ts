/**
 * How the Worker hands a model to onnxruntime-web: what bytes and which session options, decided
 * from the model itself. Kept apart from the session creation (create-session.ts) so that tools
 * running onnxruntime-web outside the Worker (training/bench/serving-modes.ts) use the same recipe.
 * - Weights are copied once into wasm memory: large initializers are read as external data from
 *   the blob (external-weights.ts) instead of ORT copying the whole file first.
 * - Prepacking for quantized kernels, and for float32 weights where the manifest says so (prepacking.ts).
 * - Plain feed-forward graphs skip the fusion passes they cannot use (optimization-level.ts).
 */
import { externalizeInitializers } from "./external-weights.ts";
import { graphOpTypes } from "./graph-ops.ts";
import { graphOptimizationLevel, type GraphOptimizationLevel } from "./optimization-level.ts";
import { prepackingPays } from "./prepacking.ts";

/** The name under which the blob itself is handed to ORT as the external data file. */
const WEIGHTS_FILE = "model-weights.bin";

export interface SessionRecipe {
  /** What to pass as the model: the graph without its large weights, or the blob as it is. */
  model: Uint8Array;
  options: {
    executionProviders: ["wasm"];
    graphOptimizationLevel: GraphOptimizationLevel;
    extra?: { session: { disable_prepacking: "1" } };
    externalData?: [{ path: string; data: Uint8Array }];
  };
}

function readOpTypes(bytes: Uint8Array): Set<string> | undefined {
  try {
    return graphOpTypes(bytes);
  } catch {
    return undefined; // not readable here: ORT's defaults, and ORT reports what is wrong
  }
}

/** `prepackFp32`: whether the manifest has `prepackedBytes` — the publisher's prepackFp32(bytes). */
export function sessionRecipe(bytes: Uint8Array, prepackFp32 = false): SessionRecipe {
  const graphOnly = externalizeInitializers(bytes, WEIGHTS_FILE);
  const ops = readOpTypes(bytes);
  return {
    model: graphOnly ?? bytes,
    options: {
      executionProviders: ["wasm"],
      graphOptimizationLevel: graphOptimizationLevel(ops),
      ...(prepackingPays(ops, prepackFp32) ? {} : { extra: { session: { disable_prepacking: "1" } } }),
      ...(graphOnly ? { externalData: [{ path: WEIGHTS_FILE, data: bytes }] } : {}),
    },
  };
}
