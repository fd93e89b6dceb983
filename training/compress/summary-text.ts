/** Human-readable summary lines shared by quantize, prune and distill. */
import type { ModelComparison } from "./compare-models.ts";
import type { Evaluation } from "./evaluate.ts";
import { formatBytes, ratio, type FileSize } from "./size-report.ts";
import type { ReportHandling } from "./strip-report.ts";
import type { CheckedUpgrade } from "./upgrade-check.ts";

export function sizeLines(before: FileSize, after: FileSize): string[] {
  return [
    `size: ${formatBytes(before.bytes)} -> ${formatBytes(after.bytes)} (${ratio(after.bytes, before.bytes)})`,
    `gzip: ${formatBytes(before.gzipBytes)} -> ${formatBytes(after.gzipBytes)} (${ratio(after.gzipBytes, before.gzipBytes)})`,
  ];
}

export function comparisonLines(comparison: ModelComparison): string[] {
  if (comparison.notMeasured) return [`output difference not measured (${comparison.notMeasured}); the output loads in onnxruntime-node and -web`];
  const lines = [`output difference vs the source model in onnxruntime-node, on ${comparison.inputs}:`];
  for (const engine of ["node", "web"] as const) {
    for (const d of comparison[engine]) {
      const what = d.integer
        ? `differs on ${(d.mismatchRate * 100).toFixed(2)}% of elements`
        : `relative L2 ${d.relativeL2.toExponential(3)}, max abs ${d.maxAbs.toExponential(3)}`;
      lines.push(`  ${engine.padEnd(4)} ${d.output}: ${what}`);
    }
  }
  return lines;
}

export function evaluationLines(before: Evaluation, after: Evaluation): string[] {
  const points = (v: number): string => (before.metric === "accuracy" ? `${(v * 100).toFixed(2)}%` : v.toFixed(4));
  const delta = before.metric === "accuracy" ? `${((after.value - before.value) * 100).toFixed(2)} points` : (after.value - before.value).toFixed(4);
  return [`${before.metric} on ${before.rows} rows: ${points(before.value)} -> ${points(after.value)} (${delta})`];
}

/** What happened to the source model's training report; nothing when it had none, unless a report option was given. */
export function reportLines(handling: ReportHandling, asked: boolean): string[] {
  if (handling.report === "dropped") {
    return [`training report dropped: the source model's loss curve and confusion matrix (${formatBytes(handling.bytes)} of metadata) are not in the output (--keep-report keeps them)`];
  }
  if (handling.report === "kept") return [`training report kept (--keep-report): the source model's loss curve and confusion matrix, ${formatBytes(handling.bytes)} of metadata`];
  return asked ? ["the source model has no training report"] : [];
}

/** What an opset upgrade converted and how it was checked (maas upgrade-opset, and quantize when a mode needs it). */
export function upgradeLines(u: CheckedUpgrade): string[] {
  const converted = u.conversions.map((c) => `  ${c.op} x${c.nodes} (changed at opset ${c.at}): ${c.what}`);
  return [
    `opset ${u.from} -> ${u.to}${u.irVersion.after !== u.irVersion.before ? ` (IR version ${u.irVersion.before} -> ${u.irVersion.after})` : ""}: ${converted.length ? "converted" : "no op needed converting"}`,
    ...converted,
    `  ${u.unchanged} of ${u.nodes} default-domain nodes carried over unchanged`,
    `checked against the source in onnxruntime-node on ${u.check.inputs}:`,
    ...u.check.outputs.map((d) => `  ${d.output}: ${d.integer ? `differs on ${(d.mismatchRate * 100).toFixed(2)}% of elements` : `relative L2 ${d.relativeL2.toExponential(3)}, max abs ${d.maxAbs.toExponential(3)}`}`),
  ];
}
