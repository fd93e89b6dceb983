/**
 * The one way the Worker creates an onnxruntime-web session from model bytes (used for published
 * models and for the isolate's start-up warm-up, so that the warm-up exercises the same path).
 * Weights are copied once into wasm memory: large initializers are read as external data from the
 * blob (see external-weights.ts), fp32 models skip prepacking (see prepacking.ts), and plain
 * feed-forward graphs skip the fusion passes they cannot use (see optimization-level.ts).
 */
import { ort, type InferenceSession } from "../ort/runtime.ts";
import { externalizeInitializers } from "./external-weights.ts";
import { graphOpTypes } from "./graph-ops.ts";
import { graphOptimizationLevel } from "./optimization-level.ts";
import { prepackingPays } from "./prepacking.ts";

/** The name under which the blob itself is handed to ORT as the external data file. */
const WEIGHTS_FILE = "model-weights.bin";

function readOpTypes(bytes: Uint8Array): Set<string> | undefined {
  try {
    return graphOpTypes(bytes);
  } catch {
    return undefined; // not readable here: ORT's defaults, and ORT reports what is wrong
  }
}

export function createSession(bytes: Uint8Array): Promise<InferenceSession> {
  const graphOnly = externalizeInitializers(bytes, WEIGHTS_FILE);
  const ops = readOpTypes(bytes);
  return ort.InferenceSession.create(graphOnly ?? bytes, {
    executionProviders: ["wasm"],
    graphOptimizationLevel: graphOptimizationLevel(ops),
    ...(prepackingPays(ops) ? {} : { extra: { session: { disable_prepacking: "1" } } }),
    ...(graphOnly ? { externalData: [{ path: WEIGHTS_FILE, data: bytes }] } : {}),
  });
}
