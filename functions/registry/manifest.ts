/**
 * The records of the registry: a version's manifest and an alias. One definition, used by the
 * Worker (reading) and by the publisher (writing); both validate with these zod schemas.
 */
import * as z from "zod";
import { compressionRecordSchema } from "../../shared/compression-record.ts";
import { NAME_PATTERN, SHA256_PATTERN } from "./layout.ts";

/** Open Inference Protocol v2 tensor datatypes. */
export const DATATYPES = [
  "BOOL",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FP16",
  "FP32",
  "FP64",
  "BYTES",
] as const;
export type Datatype = (typeof DATATYPES)[number];

const name = z.string().regex(NAME_PATTERN);

/** A model input or output: variable dims are -1, as in the v2 metadata response. */
export const tensorSpecSchema = z.object({
  name: z.string().min(1),
  datatype: z.enum(DATATYPES),
  shape: z.array(z.number().int().gte(-1)),
});
export type TensorSpec = z.infer<typeof tensorSpecSchema>;

export const manifestSchema = z.object({
  schemaVersion: z.literal(1),
  name,
  version: name,
  /** sha256 (hex) of the ONNX bytes; the blob is stored under it. */
  sha256: z.string().regex(SHA256_PATTERN),
  bytes: z.number().int().positive(),
  /**
   * Estimated bytes onnxruntime-web holds for the model (functions/sessions/heap-estimate.ts): what
   * the Worker's session cache charges against its budget. More than `bytes` for encodings ORT turns
   * back into fp32 (weight-only int8, int4, fp16). Absent in older manifests: `bytes` is charged.
   */
  memoryBytes: z.number().int().positive().optional(),
  /**
   * Bytes of the second copy the Worker makes of the float32 MatMul/Gemm weights by prepacking them
   * (functions/sessions/prepacking.ts: faster from ~1 MB up), included in memoryBytes. Set by the
   * publisher when the copy is within its limit; absent (older manifests, larger models): the Worker
   * does not prepack float32 weights.
   */
  prepackedBytes: z.number().int().positive().optional(),
  /**
   * CPU time per batch-1 request in onnxruntime-web as the Worker runs it, measured by `maas push`
   * on the publishing machine (scripts/registry/measure-cpu.ts). Absent in older manifests, and for
   * models whose inputs the publisher cannot make up (strings).
   */
  cpu: z.object({ batch1Ms: z.number().positive(), runtime: z.string() }).optional(),
  platform: z.literal("onnx"),
  inputs: z.array(tensorSpecSchema).min(1),
  outputs: z.array(tensorSpecSchema).min(1),
  /** The ONNX file's producer (e.g. "pytorch 2.5", "edge-maas 0.1.0"). */
  producer: z.object({ name: z.string(), version: z.string() }),
  createdAt: z.iso.datetime(),
  /** Free-form description of how the weights are stored ("fp32", "int8", "int4", "fp16"...). */
  quantization: z.string().optional(),
  /** What maas quantize / prune / distill did, oldest first, as they recorded it in the file (shared/compression-record.ts). */
  compression: compressionRecordSchema.optional(),
  metrics: z.record(z.string(), z.number()).optional(),
  labels: z.array(z.string()).optional(),
  /** The model handles NaN/±Infinity inputs, so v2 requests may send them (as strings). */
  allowNonFinite: z.boolean().optional(),
  /** The ONNX model's metadata_props (e.g. the trainer's feature schema). */
  metadata: z.record(z.string(), z.string()).optional(),
});
export type Manifest = z.infer<typeof manifestSchema>;

/** One side of a weighted traffic split. */
export const splitEntrySchema = z.object({ version: name, weight: z.number().positive() });

const aliasTargetSchema = z.object({
  version: name,
  /** When present, requests through the alias are spread over these versions by weight. */
  split: z.array(splitEntrySchema).min(2).optional(),
  updatedAt: z.iso.datetime(),
});
export type AliasTarget = z.infer<typeof aliasTargetSchema>;

export const aliasRecordSchema = aliasTargetSchema.extend({
  name,
  alias: name,
  /** Earlier targets, most recent first — what `rollback` returns to. */
  history: z.array(aliasTargetSchema).default([]),
});
export type AliasRecord = z.infer<typeof aliasRecordSchema>;

/** What the Worker's session cache charges for a version: ORT's memory for it as estimated, never less than the file. */
export function memoryCharge(manifest: Manifest): number {
  return Math.max(manifest.bytes, manifest.memoryBytes ?? 0);
}

export function parseManifest(json: unknown): Manifest {
  return manifestSchema.parse(json);
}

export function parseAliasRecord(json: unknown): AliasRecord {
  return aliasRecordSchema.parse(json);
}
