/**
 * Starts onnxruntime-web when the isolate starts instead of on the first model request.
 *
 * ORT's first initialisation and first session creation in an isolate cost ~250 ms on this
 * project's bench machine (environment set-up, kernel registry, first-touch of wasm code) against
 * ~8 ms for a later 1 MB model; memory likewise (~35 MiB once). Running them at start-up, through
 * the same session path as published models, moves that cost out of the first request: the
 * platform starts isolates ahead of requests when it can and allows 1 s of start-up. A failure here
 * is logged and otherwise ignored: the first model load then reports it as a 503. What it compiles
 * can be lost: another isolate starting in the same process made V8 flush this wasm code on
 * workerd (a memory-pressure notification), and the first request then recompiled ~800 functions,
 * ~45 ms (docs/performance.md, "Cold start and memory").
 */
import { runExclusive } from "../sessions/exclusive.ts";
import { createSession } from "../sessions/create-session.ts";
import { ort } from "./runtime.ts";
import { warmUpModel } from "./warm-up-model.ts";

async function warmUp(): Promise<void> {
  const session = await createSession(warmUpModel());
  try {
    await session.run({ x: new ort.Tensor("float32", new Float32Array(16), [1, 16]) });
  } finally {
    await session.release();
  }
}

export type WarmUpOutcome = { ok: true } | { ok: false; error: string };

export const ortWarmedUp: Promise<WarmUpOutcome> = runExclusive(warmUp).then(
  () => ({ ok: true }),
  (error: unknown) => {
    const message = `onnxruntime-web warm-up failed: ${String(error)}`;
    console.error(JSON.stringify({ level: "error", message }));
    return { ok: false, error: message };
  },
);
