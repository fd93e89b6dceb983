/**
 * What `maas quantize`, `maas prune` and `maas distill` did to a model, as they write it into the
 * ONNX file's metadata_props (key `maas.compression`, a JSON array of steps, oldest first) and as
 * `maas push` lifts it into the version's manifest (`compression`). One definition for the writers
 * (scripts/commands), the publisher and the Worker's model card.
 */
import * as z from "zod";

export const COMPRESSION_KEY = "maas.compression";

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

const quantizeStepSchema = z.object({
  kind: z.literal("quantize"),
  mode: z.string(),
  /** sha256 of the file that was quantized. */
  sourceSha256: sha256,
  perTensor: z.boolean().optional(),
  /** Set when the model's default-domain opset was raised first, for the mode's operators. */
  opsetUpgrade: z.object({ from: z.number().int().positive(), to: z.number().int().positive() }).optional(),
  /** The block size each blockwise-quantized (int4) weight used; absent for modes without blocks.
   * Kept to what a reader cannot see elsewhere: every byte here is a byte of every served file. */
  layers: z.array(z.object({ weight: z.string(), scheme: z.string(), blockSize: z.number().int().positive().optional() })).optional(),
  /** Static int8 (--calibrate): how the activation ranges were measured, on how many samples, and
   * how many activation tensors were quantized with them. Absent for weight-only modes. */
  calibration: z.object({
    method: z.string(),
    percentile: z.number().optional(),
    samples: z.number().int().positive(),
    activations: z.number().int().nonnegative(),
  }).optional(),
});

const pruneStepSchema = z.object({
  kind: z.literal("prune"),
  /** The requested share of zeros and how it was applied (per weight or one threshold for all). */
  sparsity: z.number().min(0).max(1),
  scope: z.string(),
  sourceSha256: sha256,
  finetuneEpochs: z.number().int().nonnegative().optional(),
  /** Share of zeros per pruned weight after pruning. */
  layers: z.array(z.object({ weight: z.string(), sparsity: z.number().min(0).max(1) })),
});

const distillStepSchema = z.object({
  kind: z.literal("distill"),
  teacherSha256: sha256,
  teacherParameters: z.number().int().nonnegative(),
  studentParameters: z.number().int().nonnegative(),
  hidden: z.array(z.number().int().positive()),
  temperature: z.number().positive(),
  alpha: z.number().min(0).max(1),
});

export const compressionStepSchema = z.discriminatedUnion("kind", [quantizeStepSchema, pruneStepSchema, distillStepSchema]);
export type CompressionStep = z.infer<typeof compressionStepSchema>;
export const compressionRecordSchema = z.array(compressionStepSchema).max(64);

/** The steps recorded in a model's metadata_props: [] when none; undefined when the record is not ours to read. */
export function readCompression(metadata: Readonly<Record<string, string>>): CompressionStep[] | undefined {
  const text = metadata[COMPRESSION_KEY];
  if (text === undefined) return [];
  try {
    const parsed = compressionRecordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The metadata value after one more step. */
export function appendCompression(metadata: Readonly<Record<string, string>>, step: CompressionStep): string {
  return JSON.stringify([...(readCompression(metadata) ?? []), step]);
}

function distinct(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => b - a);
}

/** One step in a few words: "int4 (blocks 32, 16)", "pruned 50% (layer)", "distilled 314 -> 75 parameters". */
export function describeStep(step: CompressionStep): string {
  switch (step.kind) {
    case "quantize": {
      const blocks = distinct((step.layers ?? []).flatMap((l) => (l.blockSize === undefined ? [] : [l.blockSize])));
      const calibrated = step.calibration ? ` static (${step.calibration.method === "percentile" ? `percentile ${step.calibration.percentile}` : step.calibration.method}, ${step.calibration.samples} samples)` : "";
      return `${step.mode}${calibrated}${blocks.length ? ` (block${blocks.length > 1 ? "s" : ""} ${blocks.join(", ")})` : ""}`;
    }
    case "prune":
      return `pruned ${Math.round(step.sparsity * 100)}% (${step.scope})`;
    case "distill":
      return `distilled ${step.teacherParameters} -> ${step.studentParameters} parameters`;
  }
}

/** Every step, oldest first: "distilled 314 -> 75 parameters, then int8-dynamic". */
export function describeCompression(steps: readonly CompressionStep[]): string {
  return steps.map(describeStep).join(", then ");
}

/** The quantization the last quantize step left, for the manifest's free-form `quantization`. */
export function quantizationOf(steps: readonly CompressionStep[]): string | undefined {
  const last = steps.findLast((s) => s.kind === "quantize");
  return last ? describeStep(last) : undefined;
}
