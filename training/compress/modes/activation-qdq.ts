/**
 * Static int8 (`--mode int8 --calibrate DATA`): the data input of every main-graph Conv, MatMul and
 * Gemm whose weight was made int8 goes through QuantizeLinear → DequantizeLinear with the scale and
 * zero point of its calibrated range, as onnxruntime's quantize_static writes QuantFormat.QDQ
 * models. With the weight's own DequantizeLinear, such a node reads int8 on both inputs: ONNX Runtime
 * may fuse the pattern into integer kernels, and any engine computes the same int8-rounded values.
 * One pair per tensor, however many quantized nodes read it; other readers keep the fp32 tensor.
 */
import { DataType, type NodeProto } from "../../onnx/model-io.ts";
import { makeTensor } from "../../onnx/tensors.ts";
import { makeNode } from "../graph-edit.ts";
import { activationInt8Params } from "../quant-math.ts";
import { addInitializers, type QuantizeContext } from "../quantize-context.ts";
import { STATIC_OPS, type ActivationRange } from "../calibration/calibrate.ts";

export interface ActivationReport {
  /** The tensor quantized (a graph input or a node's output). */
  tensor: string;
  /** The op types of the quantized nodes that now read it through QuantizeLinear/DequantizeLinear. */
  readBy: string[];
  /** The calibrated range (0 included) and the int8 parameters made from it. */
  min: number;
  max: number;
  scale: number;
  zeroPoint: number;
}

/** `quantized`: the nodes whose weight was made int8 (any graph; only the main graph's are used). */
export function quantizeActivations(ctx: QuantizeContext, quantized: ReadonlySet<NodeProto>, ranges: ReadonlyMap<string, ActivationRange>): ActivationReport[] {
  const graph = ctx.model.graph!;
  const readers = new Map<string, NodeProto[]>();
  for (const node of graph.node ?? []) {
    const data = node.input?.[0];
    if (!quantized.has(node) || !STATIC_OPS.has(node.opType ?? "") || !data || !ranges.has(data)) continue;
    readers.set(data, [...(readers.get(data) ?? []), node]);
  }
  const reports: ActivationReport[] = [];
  for (const [tensor, nodes] of readers) {
    const { min, max } = ranges.get(tensor)!;
    const { scale, zeroPoint } = activationInt8Params(min, max);
    const scaleName = ctx.names.fresh(`${tensor}_as`);
    const zeroName = ctx.names.fresh(`${tensor}_azp`);
    const q8 = ctx.names.fresh(`${tensor}_q8`);
    const dq = ctx.names.fresh(`${tensor}_dq`);
    addInitializers(graph, [makeTensor(scaleName, DataType.FLOAT, [], new Float32Array([scale])), makeTensor(zeroName, DataType.INT8, [], new Int8Array([zeroPoint]))]);
    const pair = [makeNode("QuantizeLinear", [tensor, scaleName, zeroName], [q8]), makeNode("DequantizeLinear", [q8, scaleName, zeroName], [dq])];
    for (const node of nodes) node.input![0] = dq;
    ctx.edits.replace(graph, nodes[0], [...pair, nodes[0]]);
    reports.push({ tensor, readBy: [...new Set(nodes.map((n) => n.opType ?? ""))], min, max, scale, zeroPoint });
  }
  return reports;
}
