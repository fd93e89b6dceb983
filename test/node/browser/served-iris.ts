/**
 * A Worker on loopback serving the trainer's Iris model as `iris` (and a plain tensor model, `mlp`),
 * plus what onnxruntime-node answers for a raw record on the same bytes — the reference the UI
 * and client tests compare with.
 */
import * as ort from "onnxruntime-node";
import { decodePredictions, encodeRecords, type FeatureSchema } from "../../../functions/registry/feature-schema.ts";
import type { RegistryBucket } from "../../../functions/registry/store.ts";
import { openLocalBucket } from "../../../scripts/registry/local-bucket.ts";
import { startLocalServer, type LocalServer } from "../../../scripts/registry/local-server.ts";
import { publishModel } from "../../../scripts/registry/publish.ts";
import { parseTrainArgs } from "../../../scripts/commands/train.ts";
import { DEFAULT_DATASET } from "../../../training/data/default-dataset.ts";
import { readRecords } from "../../../training/data/read-records.ts";
import { trainFromRecords, type TrainingReport } from "../../../training/pipeline.ts";
import { mlpModel } from "../../fixtures/models.ts";
import { tempDir } from "../registry/helpers.ts";

export interface ServedIris {
  server: LocalServer;
  bytes: Uint8Array;
  schema: FeatureSchema;
  /** The trainer's report of that run: what the model card's charts must show. */
  report: TrainingReport;
  stop(): Promise<void>;
}

/** Server options passed to startLocalServer (e.g. API keys and no anonymous access). */
export interface ServeOptions {
  vars?: Record<string, string>;
  allowAnonymous?: boolean;
  /** Publishes more models into the store before the server starts. */
  publishMore?: (bucket: RegistryBucket) => Promise<void>;
}

export async function serveIris(options: ServeOptions = {}): Promise<ServedIris> {
  const { publishMore, ...serverOptions } = options;
  const state = await tempDir("maas-ui-");
  const trained = await trainFromRecords(await readRecords(DEFAULT_DATASET.path), parseTrainArgs(["--epochs", "60"]).options);
  const { bucket, close } = await openLocalBucket(state.path);
  try {
    await publishModel(bucket, { bytes: trained.bytes, name: "iris", aliases: ["latest", "prod"] });
    await publishModel(bucket, { bytes: mlpModel(7), name: "mlp", quantization: "fp32" });
    await publishMore?.(bucket);
  } finally {
    await close();
  }
  const server = await startLocalServer({ port: 0, stateDir: state.path, output: "pipe", ...serverOptions });
  return {
    server,
    bytes: trained.bytes,
    schema: trained.schema,
    report: trained.report,
    stop: async () => {
      await server.stop();
      await state.remove();
    },
  };
}

/** onnxruntime-node's answer for raw records on the given model bytes. */
export async function referencePredictions(bytes: Uint8Array, schema: FeatureSchema, records: Record<string, unknown>[]): Promise<unknown[]> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const encoded = encodeRecords(schema, records);
    const feeds = { [schema.inputName]: new ort.Tensor("float32", encoded.data, [encoded.rows, encoded.cols]) };
    const outputs = await session.run(feeds);
    const tensors = Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, { data: t.data as ArrayLike<number | bigint>, dims: t.dims }]));
    return decodePredictions(schema, tensors);
  } finally {
    await session.release();
  }
}
