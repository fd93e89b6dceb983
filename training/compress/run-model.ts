/**
 * Running a model in onnxruntime-node (the reference engine) or onnxruntime-web (the Worker's engine,
 * here its wasm build inside Node) on plain feeds, so results from both can be compared.
 */
import * as ortNode from "onnxruntime-node";

export type Engine = "node" | "web";

/** A tensor independent of which ORT package made it. */
export interface PlainTensor {
  type: string;
  dims: number[];
  data: Float32Array | Int32Array | BigInt64Array | Uint8Array | Float64Array;
}

export type Feeds = Record<string, PlainTensor>;
export type Outputs = Record<string, PlainTensor>;

type OrtModule = typeof ortNode;

let webModule: Promise<OrtModule> | undefined;
function loadWeb(): Promise<OrtModule> {
  webModule ??= import("onnxruntime-web").then((m) => {
    const ort = m as unknown as OrtModule & { env: { wasm: { numThreads: number } } };
    ort.env.wasm.numThreads = 1; // the Worker runs single-threaded
    return ort;
  });
  return webModule;
}

async function engineModule(engine: Engine): Promise<OrtModule> {
  return engine === "node" ? ortNode : loadWeb();
}

/** An open session; `run` takes and returns plain tensors. */
export interface ModelRunner {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Feeds): Promise<Outputs>;
  release(): Promise<void>;
}

/**
 * onnxruntime-node ≥ 1.2x fuses a weight-only DequantizeLinear → MatMul/Gemm into an 8-bit
 * MatMulNBits and, by default (session.qdq_matmulnbits_accuracy_level = 4), quantizes the
 * activations to int8 inside it — more error than the file's weight-only meaning (measured 3x on the
 * Iris model). Level 0 keeps fp32 activations, which is also what onnxruntime-web computes.
 */
const NODE_SESSION_OPTIONS = { extra: { session: { qdq_matmulnbits_accuracy_level: "0" } } };

/** `options` go to the session on top of the engine's defaults (e.g. graphOptimizationLevel "disabled"). */
export async function openModel(engine: Engine, bytes: Uint8Array, options: ortNode.InferenceSession.SessionOptions = {}): Promise<ModelRunner> {
  const ort = await engineModule(engine);
  const session = await ort.InferenceSession.create(bytes, { ...(engine === "node" ? NODE_SESSION_OPTIONS : {}), ...options });
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds: Feeds): Promise<Outputs> {
      const ortFeeds: Record<string, ortNode.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) {
        ortFeeds[name] = new ort.Tensor(t.type as "float32", t.data as Float32Array, t.dims);
      }
      const results = await session.run(ortFeeds);
      const out: Outputs = {};
      for (const [name, t] of Object.entries(results)) {
        out[name] = { type: t.type, dims: [...t.dims], data: t.data as PlainTensor["data"] };
      }
      return out;
    },
    release: () => session.release(),
  };
}

export async function runOnce(engine: Engine, bytes: Uint8Array, feeds: Feeds, options: ortNode.InferenceSession.SessionOptions = {}): Promise<Outputs> {
  const runner = await openModel(engine, bytes, options);
  try {
    return await runner.run(feeds);
  } finally {
    await runner.release();
  }
}
