/**
 * onnxruntime-web's own start, as our Worker does it and nothing else: the warm-up of
 * functions/ort/warm-up.ts (ORT's initialisation, a tiny session created and run through the same
 * session path) when the isolate starts, and a ping. Its start-up against the code-only isolate's is
 * what starting ORT costs on this workerd; our Worker's start-up against its start-up is what the
 * rest of our code costs.
 */
import "../../../functions/ort/warm-up.ts";

export default {
  fetch: (): Response => new Response('{"live":true}', { headers: { "content-type": "application/json" } }),
};
