/**
 * What the publisher learns from an ONNX file before publishing it: that onnxruntime-node can
 * load it, its inputs/outputs (as v2 tensor specs), its producer and metadata, what it will cost the
 * Worker's onnxruntime-web in memory — all turned into the registry's manifest
 * (functions/registry/manifest.ts).
 */
import { createHash } from "node:crypto";
import * as ort from "onnxruntime-node";
import * as z from "zod";
import { DATATYPE_OF } from "../../functions/protocol/datatypes.ts";
import { manifestSchema, type Manifest, type TensorSpec } from "../../functions/registry/manifest.ts";
import { estimateMemory } from "../../functions/sessions/heap-estimate.ts";
import type { Fp32Prepacking } from "../../functions/sessions/prepacking.ts";
import { decodeModel, readMetadata } from "../../training/onnx/model-io.ts";
import { quantizationOf, readCompression } from "../../shared/compression-record.ts";
import { measureBatch1Cpu } from "./measure-cpu.ts";

export interface OnnxDescription {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  producer: { name: string; version: string };
  metadata: Record<string, string>;
}

export class InvalidModelError extends Error {
  override name = "InvalidModelError";
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function tensorSpecs(metadata: readonly ort.InferenceSession.ValueMetadata[], kind: string): TensorSpec[] {
  return metadata.map((m) => {
    if (!m.isTensor) throw new InvalidModelError(`${kind} "${m.name}" is not a tensor; only tensor inputs and outputs can be served`);
    const datatype = DATATYPE_OF[m.type];
    if (!datatype) throw new InvalidModelError(`${kind} "${m.name}" has type ${m.type}, which the Open Inference Protocol cannot carry`);
    // onnxruntime-node reports symbolic dims by name and unknown ones as "": both are -1 in v2.
    return { name: m.name, datatype, shape: m.shape.map((d) => (typeof d === "number" && d >= 0 ? d : -1)) };
  });
}

export async function describeOnnx(bytes: Uint8Array): Promise<OnnxDescription> {
  let proto;
  try {
    proto = decodeModel(bytes);
  } catch (error) {
    throw new InvalidModelError(`not an ONNX model (${(error as Error).message})`);
  }
  if (!proto.graph) throw new InvalidModelError("not an ONNX model (no graph)");
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes);
  } catch (error) {
    throw new InvalidModelError(`onnxruntime cannot load it: ${String((error as Error).message).split("\n")[0]}`);
  }
  try {
    // The serving protocols send inputs with every request (v2 `inputs` and v1 `instances` have at
    // least one): a model without any, like ONNX's test_constant, cannot be called.
    if (session.inputNames.length === 0) {
      throw new InvalidModelError("it has no inputs: the serving protocols (v2 infer, v1 predict) need at least one input to call a model");
    }
    if (session.outputNames.length === 0) throw new InvalidModelError("it has no outputs");
    return {
      inputs: tensorSpecs(session.inputMetadata, "input"),
      outputs: tensorSpecs(session.outputMetadata, "output"),
      producer: { name: proto.producerName || "unknown", version: proto.producerVersion || "" },
      metadata: readMetadata(proto),
    };
  } finally {
    await session.release();
  }
}

/**
 * What maas quantize / prune / distill recorded in the file (shared/compression-record.ts), and the
 * quantization it left; an unreadable record is left in `metadata` as it is, not interpreted.
 */
function compressionExtras(metadata: Record<string, string>): Pick<Manifest, "compression" | "quantization"> {
  const steps = readCompression(metadata);
  if (!steps?.length) return {};
  const quantization = quantizationOf(steps);
  return { compression: steps, ...(quantization ? { quantization } : {}) };
}

/** Labels and metrics the trainer records in metadata, lifted into the manifest when present. */
function trainerExtras(metadata: Record<string, string>): Pick<Manifest, "labels" | "metrics"> {
  const extras: Pick<Manifest, "labels" | "metrics"> = {};
  try {
    const schema = metadata["maas.schema"] ? JSON.parse(metadata["maas.schema"]) : undefined;
    if (Array.isArray(schema?.classes)) extras.labels = schema.classes.map(String);
    const metrics = metadata["maas.metrics"] ? JSON.parse(metadata["maas.metrics"]) : undefined;
    if (metrics && typeof metrics === "object") {
      extras.metrics = Object.fromEntries(Object.entries(metrics).filter((e): e is [string, number] => typeof e[1] === "number"));
    }
  } catch {
    // Metadata written by someone else: not ours to interpret.
  }
  return extras;
}

export interface ManifestOptions {
  name: string;
  version: string;
  quantization?: string;
  createdAt?: Date;
  /** Measure the batch-1 CPU time in onnxruntime-web (measure-cpu.ts); a failure is reported here and leaves it out. */
  measureCpu?: { onError(message: string): void };
  /** Which float32 MatMul/Gemm weights the Worker prepacks (functions/sessions/prepacking.ts); default "auto". */
  fp32Prepacking?: Fp32Prepacking;
}

/** `prepackFp32`: whether the manifest has prepackedBytes (the Worker will run the file that way). */
async function cpuExtras(bytes: Uint8Array, inputs: TensorSpec[], prepackFp32: boolean, options: ManifestOptions): Promise<Pick<Manifest, "cpu">> {
  if (!options.measureCpu) return {};
  try {
    const cpu = await measureBatch1Cpu(bytes, inputs, prepackFp32);
    return cpu ? { cpu } : {};
  } catch (error) {
    options.measureCpu.onError(String((error as Error).message).split("\n")[0]);
    return {};
  }
}

export async function manifestFor(bytes: Uint8Array, options: ManifestOptions): Promise<Manifest> {
  const description = await describeOnnx(bytes);
  // One decision for the manifest's memoryBytes, prepackedBytes and the CPU measurement.
  const { memoryBytes, prepackedBytes } = estimateMemory(bytes, options.fp32Prepacking);
  const parsed = manifestSchema.safeParse({
    schemaVersion: 1,
    name: options.name,
    version: options.version,
    sha256: sha256Hex(bytes),
    bytes: bytes.byteLength,
    memoryBytes,
    ...(prepackedBytes !== undefined ? { prepackedBytes } : {}),
    ...(await cpuExtras(bytes, description.inputs, prepackedBytes !== undefined, options)),
    platform: "onnx",
    inputs: description.inputs,
    outputs: description.outputs,
    producer: description.producer,
    createdAt: (options.createdAt ?? new Date()).toISOString(),
    ...compressionExtras(description.metadata),
    ...(options.quantization ? { quantization: options.quantization } : {}),
    ...trainerExtras(description.metadata),
    ...(Object.keys(description.metadata).length ? { metadata: description.metadata } : {}),
  });
  // Whatever onnxruntime loads but the manifest cannot describe is refused in one line.
  if (!parsed.success) throw new InvalidModelError(`cannot describe it in a manifest: ${z.prettifyError(parsed.error).split("\n").join(" ")}`);
  return parsed.data;
}
