/**
 * The peer the Worker is measured against on the same runtime: what a developer writes from
 * onnxruntime-web's and Hono's documentation — one route, a session created from the R2 object's
 * bytes, `c.req.json()` in, `c.json()` out, no middleware. It borrows only the Worker's wasm loader
 * (functions/ort/runtime.ts), which any Worker needs: workerd forbids compiling wasm from bytes.
 * Serves the v2 JSON request/response for FP32 inputs, like scripts/bench/node-server.ts.
 */
import { Hono } from "hono";
import { ort } from "../../../functions/ort/runtime.ts";

interface V2Request {
  inputs: { name: string; shape: number[]; data: unknown[] }[];
}

const app = new Hono<{ Bindings: { MODELS: R2Bucket } }>();
const sessions = new Map<string, Promise<ort.InferenceSession>>();

async function createSession(bucket: R2Bucket, name: string): Promise<ort.InferenceSession> {
  const object = await bucket.get(`peer/${name}.onnx`);
  if (!object) throw new Error(`model ${name} not found`);
  return ort.InferenceSession.create(new Uint8Array(await object.arrayBuffer()));
}

app.post("/v2/models/:name/infer", async (c) => {
  const name = c.req.param("name");
  let loading = sessions.get(name);
  if (!loading) sessions.set(name, (loading = createSession(c.env.MODELS, name)));
  const request = await c.req.json<V2Request>();
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of request.inputs) feeds[input.name] = new ort.Tensor("float32", Float32Array.from(input.data.flat(Infinity) as number[]), input.shape);
  const session = await loading;
  const results = await session.run(feeds);
  return c.json({
    model_name: name,
    outputs: session.outputNames.map((output) => ({ name: output, datatype: "FP32", shape: results[output].dims, data: Array.from(results[output].data as Float32Array) })),
  });
});

export default app;
