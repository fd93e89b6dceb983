/** onnxruntime-node sessions for the trainer's own graphs. */
import * as ort from "onnxruntime-node";
import { encodeModel, type ModelProto } from "../onnx/model-io.ts";

export { ort };

export async function createSession(model: ModelProto, threads?: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(encodeModel(model), {
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    ...(threads ? { intraOpNumThreads: threads } : {}),
  });
}

export function floatFeed(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor("float32", data, dims);
}

export function scalarFeed(value: number): ort.Tensor {
  return new ort.Tensor("float32", new Float32Array([value]), []);
}
