/**
 * Embedding tables: a constant read as Gather's data on axis 0 ([V, D, …]). Only the rows looked up
 * are turned back into float32, so the fp32 table never exists at run time:
 *   int8 modes: Y = float(Gather(Tq, ids)) · Gather(s, ids), one symmetric scale per row, s: [V, 1, …]
 *               (|Δ| ≤ scale / 2 per element, as quantizeInt8Symmetric); scales fp16 when smaller.
 *   fp16:       Y = float(Gather(T16, ids)).
 */
import { intAttr, intAttribute } from "../../onnx/attributes.ts";
import { toFloat16Array } from "../../onnx/float16.ts";
import { DataType, type NodeProto, type TensorProto } from "../../onnx/model-io.ts";
import { makeTensor } from "../../onnx/tensors.ts";
import type { ConstantWeight, WeightUse } from "../find-weights.ts";
import { makeNode } from "../graph-edit.ts";
import { quantizeInt8PerAxis } from "../quant-math.ts";
import { addInitializers, type QuantizeContext } from "../quantize-context.ts";
import { halfScalesPay, roundScales, storeScales } from "./half-scales.ts";
import type { LayerOutcome } from "./outcome.ts";

const toFloat = (from: string, to: string): NodeProto => makeNode("Cast", [from], [to], undefined, [intAttr("to", DataType.FLOAT)]);

export function quantizeEmbedding(weight: ConstantWeight, ctx: QuantizeContext): LayerOutcome {
  if (weight.uses.some((u) => intAttribute(u.node, "axis", 0) !== 0)) return { skipped: "Gather on an axis other than 0 (not a row lookup)" };
  const created: TensorProto[] = [];
  let rewrite: (use: WeightUse, ids: string, output: string) => NodeProto[];
  let scheme: string;
  if (ctx.options.mode === "fp16") {
    const halfName = ctx.names.fresh(`${weight.name}_fp16`);
    created.push(makeTensor(halfName, DataType.FLOAT16, weight.dims, toFloat16Array(weight.values)));
    rewrite = (_use, ids, output) => {
      const rows = ctx.names.fresh(`${output}_fp16`);
      return [makeNode("Gather", [halfName, ids], [rows]), toFloat(rows, output)];
    };
    scheme = "fp16 table, rows cast to fp32 after Gather";
  } else {
    const qName = ctx.names.fresh(`${weight.name}_q`);
    const scaleName = ctx.names.fresh(`${weight.name}_s`);
    const halfName = ctx.names.fresh(`${weight.name}_s16`);
    const scaleDims = [weight.dims[0], ...weight.dims.slice(1).map(() => 1)];
    const exact = quantizeInt8PerAxis(weight.values, weight.dims, 0);
    const half = halfScalesPay(scaleName, halfName, scaleDims, exact.scales.length) ? roundScales(exact.scales, "down") : undefined;
    const { q, scales } = half ? quantizeInt8PerAxis(weight.values, weight.dims, 0, () => half) : exact;
    const stored = storeScales(scaleName, halfName, scaleDims, scales, half !== undefined);
    created.push(makeTensor(qName, DataType.INT8, weight.dims, q), ...stored.tensors);
    ctx.edits.prepend(weight.owner, stored.nodes);
    rewrite = (_use, ids, output) => {
      const [rows, rowsFloat, rowScales] = ["int8", "float", "scale"].map((s) => ctx.names.fresh(`${output}_${s}`));
      return [
        makeNode("Gather", [qName, ids], [rows]), toFloat(rows, rowsFloat),
        makeNode("Gather", [scaleName, ids], [rowScales]), makeNode("Mul", [rowsFloat, rowScales], [output]),
      ];
    };
    scheme = `int8 per-row${half ? ", fp16 scales" : ""} (Gather, then Cast and scale)`;
  }
  addInitializers(weight.owner, created);
  for (const use of weight.uses) {
    const [, ids] = use.node.input ?? [];
    ctx.edits.replace(use.graph, use.node, rewrite(use, ids, use.node.output?.[0] ?? ""));
  }
  ctx.removeWeight(weight);
  return { tensors: created, scheme };
}
