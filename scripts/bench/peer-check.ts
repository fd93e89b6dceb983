/**
 * Before any load: the Worker and the peer Workers must give onnxruntime-node's answer (the Node
 * server) on the small model at batch 1 and 64, or their throughput would compare different work;
 * and the Worker and the peer with our features must both have them on (key refused when missing,
 * request id, Server-Timing, security headers), or that comparison would be of less work.
 */
import { SECURE_HEADER_NAMES } from "../../functions/security/secure-headers.ts";
import { inputRows } from "./models.ts";

interface V2Answer {
  outputs: { name: string; shape: number[]; data: number[] }[];
}

function post(baseUrl: string, widths: readonly number[], batch: number, authorization?: string): Promise<Response> {
  const body = JSON.stringify({ inputs: [{ name: "x", shape: [batch, widths[0]], datatype: "FP32", data: inputRows(widths, batch) }] });
  return fetch(`${baseUrl}/v2/models/small/infer`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
    body,
  });
}

async function infer(baseUrl: string, widths: readonly number[], batch: number, authorization?: string): Promise<V2Answer> {
  const response = await post(baseUrl, widths, batch, authorization);
  if (!response.ok) throw new Error(`${baseUrl} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as V2Answer;
}

async function checkFeatures(side: string, baseUrl: string, widths: readonly number[], authorization: string): Promise<void> {
  const anonymous = await post(baseUrl, widths, 1);
  await anonymous.arrayBuffer();
  if (anonymous.status !== 401) throw new Error(`the ${side} Worker answered a call without a key with ${anonymous.status}, not 401`);
  const answer = await post(baseUrl, widths, 1, authorization);
  await answer.arrayBuffer();
  const missing = ["X-Request-Id", "Server-Timing", ...SECURE_HEADER_NAMES].filter((name) => !answer.headers.has(name));
  if (missing.length > 0) throw new Error(`the ${side} Worker's answer lacks ${missing.join(", ")}`);
}

export async function checkPeerAnswers(urls: { worker: string; peer: string; peerWithFeatures: string; node: string }, widths: readonly number[], authorization: string): Promise<void> {
  for (const batch of [1, 64]) {
    const reference = (await infer(urls.node, widths, batch)).outputs[0];
    for (const [side, url] of [["worker", urls.worker], ["peer", urls.peer], ["peer-with-features", urls.peerWithFeatures]] as const) {
      const output = (await infer(url, widths, batch, authorization)).outputs[0];
      const worst = Math.max(...reference.data.map((value, i) => Math.abs(value - output.data[i])));
      if (output.shape.join() !== reference.shape.join() || output.data.length !== reference.data.length || !(worst <= 1e-4)) {
        throw new Error(`the ${side} Worker's answer at batch ${batch} differs from onnxruntime-node's (shape ${output.shape} vs ${reference.shape}, largest difference ${worst})`);
      }
    }
  }
  await checkFeatures("Worker", urls.worker, widths, authorization);
  await checkFeatures("peer-with-features", urls.peerWithFeatures, widths, authorization);
}
