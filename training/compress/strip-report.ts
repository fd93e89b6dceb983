/**
 * The trainer's report in a model's `maas.training` metadata — the loss curve (`history`) and the
 * held-out confusion matrix (`confusion`) — describes the training of that exact model. A quantized
 * or pruned copy computes different numbers, so `maas quantize` and `maas prune` drop the report from
 * their output by default (`--keep-report` keeps it); it also weighs ~1.2 KB on a 20-epoch model,
 * ~3 KB on the bundled Iris model's 150 epochs, which is what keeps int8 at hidden 256,128 above
 * 0.27x of fp32. Everything a consumer needs stays: `maas.schema` (the Worker's feature schema and
 * class labels), `maas.metrics`, and the network description in `maas.training` (activation, loss,
 * sizes, preprocessing names) that prune --finetune and distill read. The playground then shows "no
 * training curves" for that model; the trainer's report.html still has them.
 */
import { TRAINING_KEY } from "../export/inference-graph.ts";
import type { ModelProto } from "../onnx/model-io.ts";

/** The report fields of the trainer's description. */
const REPORT_FIELDS = ["history", "confusion"] as const;

/** The metadata entry holding the report and its value without it; undefined when there is no report. */
function withoutReport(model: ModelProto): { entry: { value?: string | null }; stripped: string; saved: number } | undefined {
  const entry = (model.metadataProps ?? []).find((p) => p.key === TRAINING_KEY);
  if (!entry?.value) return undefined;
  let description: unknown;
  try {
    description = JSON.parse(entry.value);
  } catch {
    return undefined; // not the trainer's JSON: leave it as it is
  }
  if (typeof description !== "object" || description === null || Array.isArray(description)) return undefined;
  const fields = description as Record<string, unknown>;
  if (!REPORT_FIELDS.some((f) => f in fields)) return undefined;
  for (const field of REPORT_FIELDS) delete fields[field];
  const stripped = JSON.stringify(fields);
  return { entry, stripped, saved: Buffer.byteLength(entry.value) - Buffer.byteLength(stripped) };
}

/** Removes the report from `model` in place; returns the bytes of metadata removed (0 when there was none). */
export function stripTrainingReport(model: ModelProto): number {
  const found = withoutReport(model);
  if (!found) return 0;
  found.entry.value = found.stripped;
  return found.saved;
}

/** The bytes of metadata the report takes in `model` (what stripTrainingReport would remove); 0 when there is none. */
export function trainingReportBytes(model: ModelProto): number {
  return withoutReport(model)?.saved ?? 0;
}

/** What a compression command did with the source model's training report. */
export interface ReportHandling {
  /** dropped: left out of the output (the default); kept: --keep-report; none: the source has no report. */
  report: "dropped" | "kept" | "none";
  /** Bytes of metadata the report takes in the source (removed when dropped). */
  bytes: number;
}

/** Drops the report from `model` unless `keep`; says what was done. */
export function handleTrainingReport(model: ModelProto, keep: boolean): ReportHandling {
  if (keep) {
    const bytes = trainingReportBytes(model);
    return { report: bytes ? "kept" : "none", bytes };
  }
  const bytes = stripTrainingReport(model);
  return { report: bytes ? "dropped" : "none", bytes };
}
