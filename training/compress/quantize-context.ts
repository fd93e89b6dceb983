/** What every quantization mode shares: the model, fresh names, pending node edits, options. */
import { NameAllocator } from "../onnx/graph-walk.ts";
import type { ModelProto, NodeProto, TensorProto } from "../onnx/model-io.ts";
import type { ConstantWeight } from "./find-weights.ts";
import { NodeReplacements } from "./graph-edit.ts";

export type QuantizeMode = "int8" | "int8-dynamic" | "int4" | "fp16";
export const QUANTIZE_MODES: readonly QuantizeMode[] = ["int8", "int8-dynamic", "int4", "fp16"];

/**
 * The default-domain opset a mode's operators need: DequantizeLinear's per-channel `axis` (13; per
 * tensor it exists from 10), DynamicQuantizeLinear (11). fp16 and int4 of MatMul use no versioned
 * operator that old models lack (MatMulNBits is com.microsoft's, Cast is everywhere); Gather tables
 * need none either (Gather, Cast, Mul).
 */
export function opsetForMode(mode: QuantizeMode, perTensor: boolean, hasConvolutions = false): number {
  if (mode === "int4" && hasConvolutions) return 21; // DequantizeLinear of INT4 weights (int4-conv.ts)
  if (mode === "int8") return perTensor ? 10 : 13;
  if (mode === "int8-dynamic" && hasConvolutions && !perTensor) return 13; // grouped convolutions, ConvTranspose: DequantizeLinear per channel
  if (mode === "int8-dynamic") return 11;
  return 0;
}

export interface QuantizeOptions {
  mode: QuantizeMode;
  /** int4 only: rows of K per scale (a power of two ≥ 16; the CLI offers 32, 64, 128 and defaults to 128, as ORT's quantizer does). */
  blockSize: number;
  /** int8/int8-dynamic: one scale for the whole weight instead of one per output channel. */
  perTensor: boolean;
  /** Weights with fewer elements stay fp32. */
  minElements: number;
  /** Leave Gemm/Conv biases fp32 (by default a quantized node's constant bias becomes int8, or fp16 in fp16 mode). */
  keepBias: boolean;
  /** Only weights read by these ops (MatMul, Gemm, Conv, ConvTranspose, Gather); empty: all. */
  opTypes?: readonly string[];
  /** Weights (or the nodes reading them) by name to leave fp32. */
  exclude?: readonly string[];
}

/** Where a constant is stored: an initializer of `owner`, or `constantNode` in it. */
export type StoredConstant = Pick<ConstantWeight, "owner" | "tensor" | "constantNode">;

export class QuantizeContext {
  readonly model: ModelProto;
  readonly options: QuantizeOptions;
  readonly names: NameAllocator;
  readonly edits = new NodeReplacements();
  private readonly removed = new Set<StoredConstant>();
  private readonly biasDims = new Map<NodeProto, number[]>();

  /** `constants`: every constant read as a MatMul/Gemm weight or Gemm bias (findConstantWeights). */
  constructor(model: ModelProto, options: QuantizeOptions, constants: readonly ConstantWeight[] = []) {
    this.model = model;
    this.options = options;
    this.names = new NameAllocator(model);
    for (const c of constants) for (const use of c.biasUses) this.biasDims.set(use.node, c.dims);
  }

  /** The dims of a Gemm's C when it is a constant (it keeps its name and shape if compressed). */
  constantBiasDims(gemm: NodeProto): readonly number[] | undefined {
    return this.biasDims.get(gemm);
  }

  /** Drops the fp32 weight (initializer or Constant node) once nothing reads it any more. */
  removeWeight(weight: StoredConstant): void {
    if (weight.constantNode) this.edits.replace(weight.owner, weight.constantNode, []);
    else this.removed.add(weight);
  }

  /**
   * Makes `weight.name` be computed by `nodes` (e.g. DequantizeLinear or Cast) from new
   * initializers, so every consumer — in any subgraph — keeps reading the same name.
   */
  recomputeWeight(weight: ConstantWeight, nodes: NodeProto[]): void {
    if (weight.constantNode) this.edits.replace(weight.owner, weight.constantNode, nodes);
    else {
      this.removed.add(weight);
      this.edits.prepend(weight.owner, nodes);
    }
  }

  finish(): void {
    this.edits.apply();
    for (const weight of this.removed) {
      weight.owner.initializer = (weight.owner.initializer ?? []).filter((t) => t !== weight.tensor);
    }
  }
}

export function addInitializers(graph: { initializer?: TensorProto[] | null }, tensors: TensorProto[]): void {
  (graph.initializer ??= []).push(...tensors);
}
