/**
 * LSTM and GRU weights (W and R, inputs 1 and 2) are left fp32 by every mode; this names them in
 * the summary with the reason. Measured on onnxruntime 1.30 (test/node/compress/recurrent.test.ts):
 * onnxruntime-node and onnxruntime-web (wasm, as the Worker runs it) both run com.microsoft's
 * DynamicQuantizeLSTM — the path onnxruntime's quantize_dynamic writes for LSTM — and maas quantize
 * does not write it yet; there is no quantized GRU kernel in onnxruntime at all.
 */
import { allGraphs } from "../onnx/graph-walk.ts";
import type { ModelProto, TensorProto } from "../onnx/model-io.ts";
import { storedByteSize, tensorDims } from "../onnx/tensors.ts";
import { findAttribute } from "../onnx/attributes.ts";
import type { LayerReport } from "./quantize.ts";
import type { QuantizeMode } from "./quantize-context.ts";

export const RECURRENT_OPS = ["LSTM", "GRU"] as const;

function reason(op: string, mode: QuantizeMode): string {
  if (mode === "fp16") return `${op} weights are not converted to fp16 (only MatMul, Gemm, Conv, ConvTranspose and Gather weights are)`;
  if (op === "LSTM") return "LSTM weights are not quantized yet: onnxruntime-node and -web run com.microsoft DynamicQuantizeLSTM, which maas quantize does not write yet";
  return "onnxruntime has no quantized GRU kernel (com.microsoft has DynamicQuantizeLSTM only)";
}

/** One kept-fp32 report per constant W or R of an LSTM/GRU node, anywhere in the model. */
export function recurrentReports(model: ModelProto, mode: QuantizeMode): LayerReport[] {
  const scopes = allGraphs(model);
  const constants = new Map<string, TensorProto>();
  for (const { graph } of scopes) {
    for (const t of graph.initializer ?? []) if (t.name) constants.set(t.name, t);
    for (const node of graph.node ?? []) {
      const t = node.opType === "Constant" ? findAttribute(node, "value")?.t : undefined;
      if (t && node.output?.[0]) constants.set(node.output[0], t);
    }
  }
  const reports: LayerReport[] = [];
  const seen = new Set<string>();
  for (const { graph, path } of scopes) {
    for (const node of graph.node ?? []) {
      const op = node.opType ?? "";
      if ((node.domain ?? "") !== "" || !(RECURRENT_OPS as readonly string[]).includes(op)) continue;
      for (const name of (node.input ?? []).slice(1, 3)) {
        const tensor = constants.get(name);
        if (!tensor || seen.has(name)) continue;
        seen.add(name);
        const bytes = storedByteSize(tensor);
        reports.push({ weight: name, graph: path, shape: tensorDims(tensor), ops: [op], scheme: undefined, keptBecause: reason(op, mode), bytesBefore: bytes, bytesAfter: bytes });
      }
    }
  }
  return reports;
}
