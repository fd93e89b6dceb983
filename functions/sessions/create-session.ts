/**
 * The one way the Worker creates an onnxruntime-web session from model bytes (used for published
 * models and for the isolate's start-up warm-up, so that the warm-up exercises the same path).
 * What is handed to ORT, and with which options, is session-recipe.ts.
 */
import { ort, type InferenceSession } from "../ort/runtime.ts";
import { sessionRecipe } from "./session-recipe.ts";

/** `prepackFp32`: whether the manifest has `prepackedBytes` (prepacking.ts). */
export function createSession(bytes: Uint8Array, prepackFp32 = false): Promise<InferenceSession> {
  const { model, options } = sessionRecipe(bytes, prepackFp32);
  return ort.InferenceSession.create(model, options);
}
