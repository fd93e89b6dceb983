/** Writes what a compression command did into the model's metadata_props (shared/compression-record.ts). */
import { createHash } from "node:crypto";
import { appendCompression, COMPRESSION_KEY, type CompressionStep } from "../../shared/compression-record.ts";
import { readMetadata, type ModelProto } from "../onnx/model-io.ts";

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Appends `step` to the model's `maas.compression` record (steps of earlier commands stay). */
export function recordCompressionStep(model: ModelProto, step: CompressionStep): void {
  const value = appendCompression(readMetadata(model), step);
  const props = (model.metadataProps ??= []);
  const entry = props.find((p) => p.key === COMPRESSION_KEY);
  if (entry) entry.value = value;
  else props.push({ key: COMPRESSION_KEY, value });
}
