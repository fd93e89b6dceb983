/**
 * Turning a manifest into a live onnxruntime-web session: read the blob from R2, check its size
 * and sha256 against the manifest, create the session. Any failure is a 503 naming the cause.
 */
import { unavailable } from "../errors.ts";
import type { InferenceSession } from "../ort/runtime.ts";
import { blobKey } from "../registry/layout.ts";
import type { Manifest } from "../registry/manifest.ts";
import type { RegistryBucket } from "../registry/store.ts";
import { runExclusive } from "./exclusive.ts";
import { createSession } from "./create-session.ts";
import { readBlob } from "./read-blob.ts";

/** What a model's session expects of an input, as onnxruntime-web reports it. */
export interface SessionInput {
  name: string;
  /** ORT tensor type: "float32", "int64", "string", ... */
  type: string;
  /** Fixed dims as numbers; symbolic or unknown dims as -1. */
  shape: number[];
}

export interface LoadedModel {
  sha256: string;
  bytes: number;
  session: InferenceSession;
  inputs: Map<string, SessionInput>;
  outputNames: readonly string[];
}

// onnxruntime-web reports unknown dims as 2^32-1 and symbolic ones as strings.
const UNKNOWN_DIM = 4294967295;
function normalizeShape(shape: readonly (number | string)[] | undefined): number[] {
  return (shape ?? []).map((d) => (typeof d === "number" && d !== UNKNOWN_DIM && d >= 0 ? d : -1));
}

function describeInputs(session: InferenceSession): Map<string, SessionInput> {
  const inputs = new Map<string, SessionInput>();
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) throw unavailable(`input "${meta.name}" is not a tensor; only tensor inputs are supported`);
    inputs.set(meta.name, { name: meta.name, type: meta.type, shape: normalizeShape(meta.shape) });
  }
  return inputs;
}

export async function loadModel(bucket: RegistryBucket, manifest: Manifest): Promise<LoadedModel> {
  const where = `model "${manifest.name}" version "${manifest.version}"`;
  let object: R2ObjectBody | null;
  try {
    object = await bucket.get(blobKey(manifest.name, manifest.sha256));
  } catch (error) {
    throw unavailable(`${where} cannot be loaded: storage error (${(error as Error).message})`);
  }
  if (!object) throw unavailable(`${where} cannot be loaded: its blob is missing from the registry`);
  if (object.size !== manifest.bytes) {
    throw unavailable(`${where} cannot be loaded: blob is ${object.size} bytes, manifest says ${manifest.bytes}`);
  }
  const blob = await readBlob(object.body, manifest.bytes);
  if (blob.byteLength !== manifest.bytes) {
    throw unavailable(`${where} cannot be loaded: blob is ${blob.byteLength} bytes, manifest says ${manifest.bytes}`);
  }
  if (blob.sha256 !== manifest.sha256) throw unavailable(`${where} cannot be loaded: blob sha256 does not match the manifest`);
  const bytes = blob.bytes;

  let session: InferenceSession;
  try {
    session = await runExclusive(() => createSession(bytes, manifest.prepackedBytes !== undefined));
  } catch (error) {
    throw unavailable(`${where} cannot be loaded by onnxruntime-web: ${String((error as Error).message ?? error).slice(0, 300)}`);
  }
  return {
    sha256: manifest.sha256,
    bytes: manifest.bytes,
    session,
    inputs: describeInputs(session),
    outputNames: session.outputNames,
  };
}
