/**
 * LSTM and GRU weights (W and R, inputs 1 and 2). Measured on onnxruntime 1.30
 * (test/node/compress/recurrent.test.ts): onnxruntime-node and onnxruntime-web (wasm, as the Worker
 * runs it) both run com.microsoft's DynamicQuantizeLSTM — what onnxruntime's quantize_dynamic
 * writes for LSTM — and the contrib domain has no quantized GRU. So:
 *   LSTM in int8-dynamic  → DynamicQuantizeLSTM: W and R int8, symmetric, one scale per gate row
 *                           (per output column of the [input, 4·hidden] layout it reads), zero
 *                           points 0; activations quantized at run time; B and the rest unchanged.
 *   LSTM in other modes, and GRU → left fp32, and the summary says why.
 */
import { allGraphs, type GraphScope } from "../onnx/graph-walk.ts";
import { DataType, type GraphProto, type NodeProto, type TensorProto } from "../onnx/model-io.ts";
import { makeTensor, readAsFloat32, storedByteSize, tensorDims } from "../onnx/tensors.ts";
import { findAttribute, intAttribute } from "../onnx/attributes.ts";
import { ensureOpsetImport, makeNode, MICROSOFT_DOMAIN } from "./graph-edit.ts";
import { quantizeInt8Symmetric } from "./quant-math.ts";
import { addInitializers, type QuantizeContext } from "./quantize-context.ts";
import type { LayerReport } from "./quantize.ts";

export const RECURRENT_OPS = ["LSTM", "GRU"] as const;

const GRU_REASON = "onnxruntime has no quantized GRU kernel (com.microsoft has DynamicQuantizeLSTM only)";

function keptReason(op: string, ctx: QuantizeContext): string {
  if (ctx.options.mode === "fp16") return `${op} weights are not converted to fp16 (only MatMul, Gemm, Conv, ConvTranspose, Gather and LSTM weights are quantized)`;
  if (op === "GRU") return GRU_REASON;
  return "LSTM weights are quantized by --mode int8-dynamic only (com.microsoft DynamicQuantizeLSTM, which onnxruntime-node and -web run)";
}

interface Stored {
  name: string;
  tensor: TensorProto;
  owner: GraphProto;
  constantNode: NodeProto | undefined;
}

/** Constants visible from each graph, innermost first (initializers not shadowed by inputs, Constant nodes). */
function resolver(scopes: GraphScope[]): (scope: GraphScope, name: string) => Stored | undefined {
  const byGraph = new Map<GraphProto, Map<string, Stored | null>>();
  for (const { graph } of scopes) {
    const defs = new Map<string, Stored | null>();
    for (const t of graph.initializer ?? []) if (t.name) defs.set(t.name, { name: t.name, tensor: t, owner: graph, constantNode: undefined });
    for (const i of graph.input ?? []) if (i.name) defs.set(i.name, null);
    for (const node of graph.node ?? []) {
      const t = node.opType === "Constant" && (node.domain ?? "") === "" ? findAttribute(node, "value")?.t : undefined;
      for (const out of node.output ?? []) if (out) defs.set(out, t ? { name: out, tensor: t, owner: graph, constantNode: node } : null);
    }
    byGraph.set(graph, defs);
  }
  return (scope, name) => {
    for (let s: GraphScope | undefined = scope; s; s = s.parent) {
      const def = byGraph.get(s.graph)!.get(name);
      if (def !== undefined) return def ?? undefined;
    }
    return undefined;
  };
}

/** How many times each name is read (node inputs, graph outputs) anywhere. */
function readCounts(scopes: GraphScope[]): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (name: string | null | undefined): void => {
    if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
  };
  for (const { graph } of scopes) {
    for (const node of graph.node ?? []) for (const i of node.input ?? []) add(i);
    for (const o of graph.output ?? []) add(o.name);
  }
  return counts;
}

/** W [D, G, K] (G = 4·hidden gate rows) → int8 [D, K, G] with scales [D, G]: DynamicQuantizeLSTM's layout. */
function quantizeGateRows(values: Float32Array, dims: number[]): { q: Int8Array; scales: Float32Array } {
  const [d, g, k] = dims;
  const { q: rowMajor, scales } = quantizeInt8Symmetric(values, d * g, k, 0, false);
  const q = new Int8Array(rowMajor.length);
  for (let dir = 0; dir < d; dir++) {
    for (let row = 0; row < g; row++) for (let col = 0; col < k; col++) q[dir * k * g + col * g + row] = rowMajor[(dir * g + row) * k + col];
  }
  return { q, scales };
}

function report(s: Stored, op: string, path: string, scheme: string | undefined, keptBecause: string | undefined, bytesAfter?: number): LayerReport {
  const before = storedByteSize(s.tensor);
  return { weight: s.name, graph: path, shape: tensorDims(s.tensor), ops: [op], scheme, keptBecause, bytesBefore: before, bytesAfter: bytesAfter ?? before };
}

/** Why this LSTM's weights cannot become DynamicQuantizeLSTM's, or undefined. */
function lstmIneligible(node: NodeProto, weights: Stored[], counts: Map<string, number>, ctx: QuantizeContext): string | undefined {
  const excluded = [...weights.map((w) => w.name), node.name ?? ""].find((n) => n && (ctx.options.exclude ?? []).includes(n));
  if (excluded) return `excluded (--exclude ${excluded})`;
  if ((ctx.options.opTypes ?? []).length > 0 && !ctx.options.opTypes!.includes("LSTM")) return "LSTM is not in --op-types";
  if (intAttribute(node, "layout", 0) !== 0) return "layout=1 (batch first): DynamicQuantizeLSTM reads the sequence-first layout only";
  if (weights.some((w) => w.tensor.dataType !== DataType.FLOAT || tensorDims(w.tensor).length !== 3)) return "W or R is not a 3-D float32 tensor";
  if (weights.some((w) => (counts.get(w.name) ?? 0) > 1)) return "W or R is also read by something else";
  if (weights.reduce((n, w) => n + readAsFloat32(w.tensor)!.length, 0) < ctx.options.minElements * 2) return `fewer elements than --min-elements ${ctx.options.minElements}`;
  return undefined;
}

function quantizeLstm(node: NodeProto, graph: GraphProto, weights: [Stored, Stored], ctx: QuantizeContext): number[] {
  const extra: string[] = [];
  const sizes: number[] = [];
  for (const w of weights) {
    const dims = tensorDims(w.tensor);
    const { q, scales } = quantizeGateRows(readAsFloat32(w.tensor)!, dims);
    const [d, g, k] = dims;
    const tensors = [
      makeTensor(ctx.names.fresh(`${w.name}_q`), DataType.INT8, [d, k, g], q),
      makeTensor(ctx.names.fresh(`${w.name}_s`), DataType.FLOAT, [d, g], scales),
      makeTensor(ctx.names.fresh(`${w.name}_zp`), DataType.INT8, [d, g], new Int8Array(d * g)),
    ];
    addInitializers(w.owner, tensors);
    extra.push(...tensors.map((t) => t.name!));
    sizes.push(tensors.reduce((n, t) => n + storedByteSize(t), 0));
    ctx.removeWeight(w);
  }
  const inputs = [...(node.input ?? [])];
  while (inputs.length < 8) inputs.push("");
  // X, W, R, B, sequence_lens, initial_h, initial_c, P, W_scale, W_zero_point, R_scale, R_zero_point
  const [wq, ws, wz, rq, rs, rz] = extra;
  const quantized = makeNode(
    "DynamicQuantizeLSTM", [inputs[0], wq, rq, ...inputs.slice(3, 8), ws, wz, rs, rz], [...(node.output ?? [])], node.name ?? undefined,
    (node.attribute ?? []).filter((a) => a.name !== "layout"), MICROSOFT_DOMAIN,
  );
  ctx.edits.replace(graph, node, [quantized]);
  ensureOpsetImport(ctx.model, MICROSOFT_DOMAIN, 1);
  return sizes;
}

/** Reports (and in int8-dynamic, rewrites) the W and R of every LSTM/GRU node, in any graph. */
export function quantizeRecurrent(ctx: QuantizeContext): LayerReport[] {
  const scopes = allGraphs(ctx.model);
  const resolve = resolver(scopes);
  const counts = readCounts(scopes);
  const reports: LayerReport[] = [];
  for (const scope of scopes) {
    for (const node of scope.graph.node ?? []) {
      const op = node.opType ?? "";
      if ((node.domain ?? "") !== "" || !(RECURRENT_OPS as readonly string[]).includes(op)) continue;
      const weights = (node.input ?? []).slice(1, 3).map((name) => resolve(scope, name));
      const stored = weights.filter((w): w is Stored => w !== undefined);
      if (!stored.length) continue;
      const why = op !== "LSTM" || ctx.options.mode !== "int8-dynamic" ? keptReason(op, ctx)
        : stored.length < 2 ? "W or R is not a constant" : lstmIneligible(node, stored, counts, ctx);
      if (why) {
        reports.push(...stored.map((s) => report(s, op, scope.path, undefined, why)));
        continue;
      }
      const sizes = quantizeLstm(node, scope.graph, [stored[0], stored[1]], ctx);
      stored.forEach((s, i) => reports.push(report(s, op, scope.path, "int8 per gate row (DynamicQuantizeLSTM)", undefined, sizes[i])));
    }
  }
  return reports;
}
