/** Writes the capnp config that runs the built bundle on raw workerd (no wrangler, no miniflare). */
import { readdirSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";

export interface WorkerdConfigOptions {
  /** Directory with wrangler's build output: index.js and the ORT wasm. */
  bundleDir: string;
  /** The directory store (disk-registry.ts) served as the MODELS bucket. */
  registryDir: string;
  port: number;
  /**
   * Also run a bare worker (returns the ping's body, nothing else) on this port: the floor of
   * workerd itself. Only then: a second worker in the process costs the Worker its warm start —
   * creating the other isolate sends V8 a memory-pressure notification, which flushes the wasm
   * code onnxruntime-web compiled while the Worker started (traced: the first inference then
   * recompiles ~800 functions, ~45 ms).
   */
  barePort?: number;
  /**
   * Also run the peer Worker (scripts/bench/peer-worker/, built into this directory) on
   * `peer.port`, in the same process and with the same store: the same runtime as ours.
   */
  peer?: { bundleDir: string; port: number };
  /** Worker vars (text bindings). */
  vars: Record<string, string>;
  compatibilityDate: string;
  /** Where to write the config file. */
  path: string;
  /**
   * Run a stand-in main worker that only imports the bundle's wasm module (so workerd compiles it
   * as usual) and answers every request: the memory baseline of "the code is loaded, nothing ran".
   */
  codeOnly?: boolean;
}

const ENTRY = resolve(import.meta.dirname, "workerd-entry.js");
const BARE_WORKER = `export default { fetch() { return new Response('{"live":true}', { headers: { "content-type": "application/json" } }); } };`;

function codeOnlyWorker(wasmFiles: string[]): string {
  const imports = wasmFiles.map((file, i) => `import wasm${i} from ${JSON.stringify(`./${file}`)};`).join(" ");
  const loaded = wasmFiles.map((_, i) => `wasm${i} instanceof WebAssembly.Module`).join(" && ") || "true";
  return `${imports} export default { fetch() { return new Response(JSON.stringify({ live: ${loaded} }), { headers: { "content-type": "application/json" } }); } };`;
}

export function writeWorkerdConfig(options: WorkerdConfigOptions): string {
  // capnp `embed` paths are relative to the config file.
  const embed = (file: string) => `embed ${JSON.stringify(relative(dirname(resolve(options.path)), resolve(file)))}`;
  const wasmOf = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".wasm"));
  const wasmModules = (dir: string) => wasmOf(dir).map((file) => `(name = ${JSON.stringify(file)}, wasm = ${embed(resolve(dir, file))})`);
  const bundleModules = (dir: string) => [`(name = "bench-entry.js", esModule = ${embed(ENTRY)})`, `(name = "index.js", esModule = ${embed(resolve(dir, "index.js"))})`, ...wasmModules(dir)];
  const modules = options.codeOnly
    ? [`(name = "code-only.js", esModule = ${JSON.stringify(codeOnlyWorker(wasmOf(options.bundleDir)))})`, ...wasmModules(options.bundleDir)]
    : bundleModules(options.bundleDir);
  const bindings = [
    `(name = "FILES", service = "files")`,
    ...Object.entries(options.vars).map(([name, value]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(value)})`),
  ];
  const peer = options.peer;
  const text = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "files", disk = (path = ${JSON.stringify(resolve(options.registryDir))}, writable = false)),${options.barePort ? `
    (name = "bare", worker = .bare),` : ""}${peer ? `
    (name = "peer", worker = .peer),` : ""}
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:${options.port}", http = (), service = "main"),${options.barePort ? `
    (name = "bare", address = "127.0.0.1:${options.barePort}", http = (), service = "bare"),` : ""}${peer ? `
    (name = "peer", address = "127.0.0.1:${peer.port}", http = (), service = "peer"),` : ""}
  ],
);
${options.barePort ? `const bare :Workerd.Worker = (
  modules = [(name = "bare.js", esModule = ${JSON.stringify(BARE_WORKER)})],
  compatibilityDate = ${JSON.stringify(options.compatibilityDate)},
);
` : ""}${peer ? `const peer :Workerd.Worker = (
  modules = [
    ${bundleModules(peer.bundleDir).join(",\n    ")}
  ],
  compatibilityDate = ${JSON.stringify(options.compatibilityDate)},
  bindings = [(name = "FILES", service = "files")],
);
` : ""}const worker :Workerd.Worker = (
  modules = [
    ${modules.join(",\n    ")}
  ],
  compatibilityDate = ${JSON.stringify(options.compatibilityDate)},
  bindings = [
    ${bindings.join(",\n    ")}
  ],
);
`;
  writeFileSync(options.path, text);
  return options.path;
}

export function compatibilityDateOf(wranglerToml: string): string {
  const match = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(wranglerToml);
  if (!match) throw new Error("wrangler.toml has no compatibility_date");
  return match[1];
}
