/**
 * onnxruntime-web's wasm runs one session call at a time ("Session already started" otherwise),
 * and an isolate serves many requests concurrently: every call into ORT goes through this queue.
 */
let tail: Promise<unknown> = Promise.resolve();

export function runExclusive<T>(task: () => Promise<T>): Promise<T> {
  const result = tail.then(task, task);
  tail = result.catch(() => undefined);
  return result;
}
