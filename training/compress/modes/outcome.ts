import type { TensorProto } from "../../onnx/model-io.ts";

/** What a mode did with one weight: the tensors that replace it, or why it was left in fp32. */
/** blockSize: rows of K per scale, for the block-wise modes (int4). */
export type LayerOutcome = { tensors: TensorProto[]; scheme: string; blockSize?: number } | { skipped: string };
