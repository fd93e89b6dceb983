/**
 * A pruned model stored densely is not smaller. What the zeros do buy is measured, not claimed:
 * the gzip size, and the size after int8/int4 quantization (+ gzip), each for the source and the
 * pruned model.
 */
import { decodeModel, encodeModel } from "../onnx/model-io.ts";
import { quantizeModel } from "./quantize.ts";
import { fileSize, type FileSize } from "./size-report.ts";

export interface PruningGain {
  dense: { source: FileSize; pruned: FileSize };
  int8: { source: FileSize; pruned: FileSize };
  int4: { source: FileSize; pruned: FileSize };
}

function quantizedSize(bytes: Uint8Array, mode: "int8" | "int4"): FileSize {
  const model = decodeModel(bytes);
  quantizeModel(model, { mode, blockSize: 128, perTensor: false, minElements: 0, keepBias: false }); // the CLI defaults
  return fileSize(encodeModel(model));
}

export function measurePruningGain(source: Uint8Array, pruned: Uint8Array): PruningGain {
  return {
    dense: { source: fileSize(source), pruned: fileSize(pruned) },
    int8: { source: quantizedSize(source, "int8"), pruned: quantizedSize(pruned, "int8") },
    int4: { source: quantizedSize(source, "int4"), pruned: quantizedSize(pruned, "int4") },
  };
}
