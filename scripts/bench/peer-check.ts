/**
 * Before any load: the Worker and the peer Worker must give onnxruntime-node's answer (the Node
 * server) on the small model at batch 1 and 64, or their throughput would compare different work.
 */
import { inputRows } from "./models.ts";

interface V2Answer {
  outputs: { name: string; shape: number[]; data: number[] }[];
}

async function infer(baseUrl: string, widths: readonly number[], batch: number, authorization?: string): Promise<V2Answer> {
  const body = JSON.stringify({ inputs: [{ name: "x", shape: [batch, widths[0]], datatype: "FP32", data: inputRows(widths, batch) }] });
  const response = await fetch(`${baseUrl}/v2/models/small/infer`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
    body,
  });
  if (!response.ok) throw new Error(`${baseUrl} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as V2Answer;
}

export async function checkPeerAnswers(urls: { worker: string; peer: string; node: string }, widths: readonly number[], authorization: string): Promise<void> {
  for (const batch of [1, 64]) {
    const reference = (await infer(urls.node, widths, batch)).outputs[0];
    for (const [side, url] of [["worker", urls.worker], ["peer", urls.peer]] as const) {
      const output = (await infer(url, widths, batch, authorization)).outputs[0];
      const worst = Math.max(...reference.data.map((value, i) => Math.abs(value - output.data[i])));
      if (output.shape.join() !== reference.shape.join() || output.data.length !== reference.data.length || !(worst <= 1e-4)) {
        throw new Error(`the ${side} Worker's answer at batch ${batch} differs from onnxruntime-node's (shape ${output.shape} vs ${reference.shape}, largest difference ${worst})`);
      }
    }
  }
}
