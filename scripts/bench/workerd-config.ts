/** Writes the capnp config that runs the built bundle on raw workerd (no wrangler, no miniflare). */
import { readdirSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { featuresFloorWorker } from "./features-floor.ts";

/** A Worker bundle built by wrangler (scripts/bench/bundle.ts), run beside ours in the same process. */
export interface PeerBundle {
  /** Service name; workerd's inspector titles its target "workerd: worker <name>". */
  name: string;
  bundleDir: string;
  port: number;
  /** Text bindings of that Worker. */
  vars?: Record<string, string>;
}

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
   * Also run the features' floor (features-floor.ts) on this port: the bare worker plus what our
   * Worker adds to every response, written directly — what those features cost on this runtime.
   */
  featuresFloorPort?: number;
  /**
   * Also run these Workers (the peers, scripts/bench/peer-worker/ and peer-features-worker/) in the
   * same process and with the same store: the same runtime as ours.
   */
  peers?: PeerBundle[];
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

/** One worker of the process: its service, socket and definition. */
interface Service {
  name: string;
  port: number;
  modules: string[];
  bindings: string[];
}

export function writeWorkerdConfig(options: WorkerdConfigOptions): string {
  // capnp `embed` paths are relative to the config file.
  const embed = (file: string) => `embed ${JSON.stringify(relative(dirname(resolve(options.path)), resolve(file)))}`;
  const wasmOf = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".wasm"));
  const wasmModules = (dir: string) => wasmOf(dir).map((file) => `(name = ${JSON.stringify(file)}, wasm = ${embed(resolve(dir, file))})`);
  const bundleModules = (dir: string) => [`(name = "bench-entry.js", esModule = ${embed(ENTRY)})`, `(name = "index.js", esModule = ${embed(resolve(dir, "index.js"))})`, ...wasmModules(dir)];
  const textBindings = (vars: Record<string, string>) => Object.entries(vars).map(([name, value]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(value)})`);
  const inline = (name: string, source: string) => [`(name = ${JSON.stringify(name)}, esModule = ${JSON.stringify(source)})`];
  const files = `(name = "FILES", service = "files")`;

  const services: Service[] = [
    {
      name: "main",
      port: options.port,
      modules: options.codeOnly ? [...inline("code-only.js", codeOnlyWorker(wasmOf(options.bundleDir))), ...wasmModules(options.bundleDir)] : bundleModules(options.bundleDir),
      bindings: [files, ...textBindings(options.vars)],
    },
    ...(options.barePort ? [{ name: "bare", port: options.barePort, modules: inline("bare.js", BARE_WORKER), bindings: [] }] : []),
    ...(options.featuresFloorPort ? [{ name: "floor", port: options.featuresFloorPort, modules: inline("floor.js", featuresFloorWorker()), bindings: [] }] : []),
    ...(options.peers ?? []).map((peer) => ({ name: peer.name, port: peer.port, modules: bundleModules(peer.bundleDir), bindings: [files, ...textBindings(peer.vars ?? {})] })),
  ];
  const list = (items: string[], indent: string) => items.map((item) => `${indent}${item}`).join(",\n");
  const text = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
${list([...services.map((s) => `(name = "${s.name}", worker = .${s.name}Worker)`), `(name = "files", disk = (path = ${JSON.stringify(resolve(options.registryDir))}, writable = false))`], "    ")}
  ],
  sockets = [
${list(services.map((s) => `(name = "${s.name}", address = "127.0.0.1:${s.port}", http = (), service = "${s.name}")`), "    ")}
  ],
);
${services
  .map(
    (s) => `const ${s.name}Worker :Workerd.Worker = (
  modules = [
${list(s.modules, "    ")}
  ],
  compatibilityDate = ${JSON.stringify(options.compatibilityDate)},
  bindings = [
${list(s.bindings, "    ")}
  ],
);
`,
  )
  .join("")}`;
  writeFileSync(options.path, text);
  return options.path;
}

export function compatibilityDateOf(wranglerToml: string): string {
  const match = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(wranglerToml);
  if (!match) throw new Error("wrangler.toml has no compatibility_date");
  return match[1];
}
