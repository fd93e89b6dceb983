/**
 * The one onnxruntime-web loader for the Worker.
 *
 * Workers forbid compiling WebAssembly from bytes at run time, so ORT's wasm is imported as a
 * precompiled module (wrangler's CompiledWasm rule). ORT's loader only accepts bytes
 * (`env.wasm.wasmBinary`) and then calls `WebAssembly.instantiate(bytes, imports)`. We hand it a
 * tiny placeholder buffer and wrap `WebAssembly.instantiate` so that the call carrying exactly
 * that placeholder instantiates the imported module instead; every other call passes through.
 */
import * as ort from "onnxruntime-web/wasm";
// A relative path: wrangler's module collector resolves wasm imports from the importing file.
import ortWasmModule from "../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm";

// Recognised by content, not identity: ORT's glue may copy the buffer before instantiating.
const PLACEHOLDER_TEXT = "edge-maas:precompiled-ort-wasm";
const placeholder = new TextEncoder().encode(PLACEHOLDER_TEXT);

function isPlaceholder(source: unknown): boolean {
  const bytes =
    source instanceof ArrayBuffer ? new Uint8Array(source) : ArrayBuffer.isView(source) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : undefined;
  return bytes !== undefined && bytes.byteLength === placeholder.byteLength && new TextDecoder().decode(bytes) === PLACEHOLDER_TEXT;
}
const instantiate = WebAssembly.instantiate.bind(WebAssembly) as (
  source: BufferSource | WebAssembly.Module,
  imports?: WebAssembly.Imports,
) => Promise<unknown>;

(WebAssembly as { instantiate: unknown }).instantiate = async (
  source: BufferSource | WebAssembly.Module,
  imports?: WebAssembly.Imports,
) => {
  if (isPlaceholder(source)) {
    const instance = (await instantiate(ortWasmModule, imports)) as WebAssembly.Instance;
    return { instance, module: ortWasmModule };
  }
  return instantiate(source, imports);
};

ort.env.wasm.wasmBinary = placeholder;
ort.env.wasm.numThreads = 1; // no threads (no SharedArrayBuffer workers in a Worker isolate)
ort.env.wasm.proxy = false; // no web worker proxy either
ort.env.logLevel = "error";

export { ort };
export type InferenceSession = ort.InferenceSession;
export type Tensor = ort.Tensor;
