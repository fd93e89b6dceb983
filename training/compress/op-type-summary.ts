/** The quantize summary per op type: how many weights and bytes each kind of layer had compressed, what was left and why. */
import type { LayerReport } from "./quantize.ts";

export interface OpTypeSummary {
  /** "Conv", "MatMul", "Gather", … or "Conv bias"; a weight read by several op types counts under the first. */
  opType: string;
  quantized: number;
  kept: number;
  bytesBefore: number;
  bytesAfter: number;
  /** Why weights were kept, with how many for each reason. */
  keptBecause: Record<string, number>;
}

export function summarizeByOpType(layers: readonly LayerReport[]): OpTypeSummary[] {
  const byOp = new Map<string, OpTypeSummary>();
  for (const layer of layers) {
    const opType = layer.ops[0] ?? "?";
    const entry = byOp.get(opType) ?? { opType, quantized: 0, kept: 0, bytesBefore: 0, bytesAfter: 0, keptBecause: {} };
    byOp.set(opType, entry);
    entry.bytesBefore += layer.bytesBefore;
    entry.bytesAfter += layer.bytesAfter;
    if (layer.scheme) entry.quantized += 1;
    else {
      entry.kept += 1;
      const why = layer.keptBecause ?? "kept";
      entry.keptBecause[why] = (entry.keptBecause[why] ?? 0) + 1;
    }
  }
  return [...byOp.values()].sort((a, b) => b.bytesBefore - a.bytesBefore);
}
