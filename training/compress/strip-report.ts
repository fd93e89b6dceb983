/**
 * `quantize --strip-report`: drops the trainer's report — the loss curve (`history`) and the
 * held-out confusion matrix (`confusion`) — from the `maas.training` metadata of the output, for a
 * deployable copy where every byte counts (~1.2 KB on a 20-epoch model, ~3 KB on the bundled Iris
 * model's 150 epochs). Everything a consumer needs stays: `maas.schema` (the Worker's feature schema
 * and class labels), `maas.metrics`, and the network description in `maas.training` (activation,
 * loss, sizes, preprocessing names) that prune --finetune and distill read. The playground then
 * shows "no training curves" for that model; the trainer's report.html still has them.
 */
import { TRAINING_KEY } from "../export/inference-graph.ts";
import type { ModelProto } from "../onnx/model-io.ts";

/** The report fields of the trainer's description. */
const REPORT_FIELDS = ["history", "confusion"] as const;

/** Removes the report from `model` in place; returns the bytes of metadata removed (0 when there was none). */
export function stripTrainingReport(model: ModelProto): number {
  const entry = (model.metadataProps ?? []).find((p) => p.key === TRAINING_KEY);
  if (!entry?.value) return 0;
  let description: Record<string, unknown>;
  try {
    description = JSON.parse(entry.value) as Record<string, unknown>;
  } catch {
    return 0; // not the trainer's JSON: leave it as it is
  }
  if (typeof description !== "object" || description === null || !REPORT_FIELDS.some((f) => f in description)) return 0;
  for (const field of REPORT_FIELDS) delete description[field];
  const before = Buffer.byteLength(entry.value);
  entry.value = JSON.stringify(description);
  return before - Buffer.byteLength(entry.value);
}
