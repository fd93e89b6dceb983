/**
 * What the Worker's isolate itself holds, read through workerd's inspector (the DevTools protocol):
 * its JavaScript heap, its ArrayBuffers' backing stores, and its WebAssembly memories (found with
 * Runtime.queryObjects — onnxruntime-web's heap is in neither heap figure). The process's resident
 * size (cold-start.ts) also holds V8's compiled code for onnxruntime-web's 14 MB wasm and workerd's
 * own buffers; this is the isolate's share of it. A separate process from the timed cold start: an
 * attached inspector may slow V8 down.
 */
import { inferBody, timedInfer } from "./cold-start.ts";
import type { ServerProcess } from "./server-process.ts";

export interface IsolateMemory {
  /** V8 heap reserved for JavaScript objects (Runtime.getHeapUsage totalSize). */
  jsHeapBytes: number;
  /** Backing stores of ArrayBuffers (the model blob while it is alive). */
  arrayBufferBytes: number;
  /** Sum of the isolate's WebAssembly.Memory sizes: onnxruntime-web's heap, which never shrinks. */
  wasmMemoryBytes: number;
}

export interface IsolatePeak {
  idle: IsolateMemory;
  afterFirstAnswer: IsolateMemory;
  /**
   * Estimated peak while the model loaded: the wasm memory as it is now (it never shrinks, and it
   * reached this size while ORT copied the weights out of the blob), the larger of the two JS heap
   * readings, and the blob itself on top of the ArrayBuffers held before the request (or what is
   * held now, if more).
   */
  peakBytes: number;
}

type Message = { id?: number; method?: string; params?: { context?: { id: number } }; result?: Record<string, unknown>; error?: { message: string } };

async function withInspector<T>(port: number, use: (send: (method: string, params?: object) => Promise<Record<string, unknown>>, contextId: number) => Promise<T>): Promise<T> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { title: string; webSocketDebuggerUrl: string }[];
  // workerd names its targets "workerd: worker <service>"; the bench's Worker is the "main" service.
  const target = targets.find((t) => t.title.endsWith(" main"));
  if (!target) throw new Error(`no inspector target for the main worker among ${targets.map((t) => t.title).join(", ")}`);
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.addEventListener("open", resolve, { once: true });
    socket.addEventListener("error", () => reject(new Error("inspector connection failed")), { once: true });
  });
  let nextId = 0;
  const pending = new Map<number, (message: Message) => void>();
  const contexts: number[] = [];
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as Message;
    if (message.method === "Runtime.executionContextCreated" && message.params?.context) contexts.push(message.params.context.id);
    if (message.id !== undefined) pending.get(message.id)?.(message);
  });
  const send = (method: string, params: object = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, (message) => (message.error ? reject(new Error(`${method}: ${message.error.message}`)) : resolve(message.result ?? {})));
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    await send("Runtime.enable"); // reports the existing execution contexts before it answers
    if (contexts.length === 0) throw new Error("the main worker has no execution context");
    return await use(send, contexts[0]);
  } finally {
    socket.close();
  }
}

export function readIsolateMemory(inspectorPort: number): Promise<IsolateMemory> {
  return withInspector(inspectorPort, async (send, contextId) => {
    const usage = (await send("Runtime.getHeapUsage")) as { totalSize: number; backingStorageSize: number };
    const prototype = (await send("Runtime.evaluate", { expression: "WebAssembly.Memory.prototype", contextId })) as { result: { objectId: string } };
    const memories = (await send("Runtime.queryObjects", { prototypeObjectId: prototype.result.objectId })) as { objects: { objectId: string } };
    const total = (await send("Runtime.callFunctionOn", {
      objectId: memories.objects.objectId,
      functionDeclaration: "function () { return this.reduce((sum, memory) => sum + memory.buffer.byteLength, 0); }",
      returnByValue: true,
    })) as { result: { value: number } };
    return { jsHeapBytes: usage.totalSize, arrayBufferBytes: usage.backingStorageSize, wasmMemoryBytes: total.result.value };
  });
}

/** `start` gives a fresh Worker process with its inspector on `inspectorPort`; with `prime`, another model is served first. */
export async function measureIsolatePeak(
  start: () => Promise<ServerProcess>,
  inspectorPort: number,
  model: string,
  widths: readonly number[],
  modelBytes: number,
  prime?: { model: string; widths: readonly number[] },
): Promise<IsolatePeak> {
  const server = await start();
  try {
    if (prime) await timedInfer(server, prime.model, inferBody(prime.widths));
    const idle = await readIsolateMemory(inspectorPort);
    await timedInfer(server, model, inferBody(widths));
    const afterFirstAnswer = await readIsolateMemory(inspectorPort);
    const peakBytes =
      afterFirstAnswer.wasmMemoryBytes +
      Math.max(idle.jsHeapBytes, afterFirstAnswer.jsHeapBytes) +
      Math.max(afterFirstAnswer.arrayBufferBytes, idle.arrayBufferBytes + modelBytes);
    return { idle, afterFirstAnswer, peakBytes };
  } finally {
    await server.stop();
  }
}
