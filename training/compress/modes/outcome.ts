import type { TensorProto } from "../../onnx/model-io.ts";

/** What a mode did with one weight: the tensors that replace it, or why it was left in fp32. */
export type LayerOutcome = { tensors: TensorProto[]; scheme: string } | { skipped: string };
