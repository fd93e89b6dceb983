/**
 * A small helper for writing ONNX graphs by hand: unique value names, typed constants, and node
 * emission. The trainer builds its training-step, evaluation and export graphs with it.
 */
import { DataType, floatTensor, int64Tensor, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from "./model-io.ts";

export const OPSET = 17;

/** Element type of the float values in a graph: float32 normally, float64 for gradient checks. */
export type ElemType = "float" | "double";

export type Attrs = Record<string, number | number[] | string>;

function attribute(name: string, value: number | number[] | string) {
  if (typeof value === "string") return { name, type: 3, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: 7, ints: value };
  return Number.isInteger(value) ? { name, type: 2, i: value } : { name, type: 1, f: value };
}

export function valueInfo(name: string, elemType: number, dims: ReadonlyArray<number | string>): ValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) } } },
  };
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  readonly elemType: ElemType;
  private counter = 0;
  private constants = new Map<string, string>();

  constructor(elemType: ElemType = "float") {
    this.elemType = elemType;
  }

  get dataType(): number {
    return this.elemType === "float" ? DataType.FLOAT : DataType.DOUBLE;
  }

  fresh(hint: string): string {
    return `${hint}_${this.counter++}`;
  }

  /**
   * Emits one node; returns its (first) output name. Nodes are unnamed (NodeProto.name is optional,
   * and a generated "n_Gemm_9" told nothing the op type does not): ~11 bytes per node in every file.
   */
  op(opType: string, inputs: string[], attrs: Attrs = {}, output?: string): string {
    const out = output ?? this.fresh(opType.toLowerCase());
    this.nodes.push({
      opType,
      input: inputs,
      output: [out],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  input(name: string, dims: ReadonlyArray<number | string>, dataType: number = this.dataType): string {
    this.inputs.push(valueInfo(name, dataType, dims));
    return name;
  }

  output(name: string, dims: ReadonlyArray<number | string>, dataType: number = this.dataType): void {
    this.outputs.push(valueInfo(name, dataType, dims));
  }

  /** A float initializer in the graph's element type. */
  tensor(name: string, dims: readonly number[], values: Float32Array | Float64Array): string {
    if (this.elemType === "float") this.initializers.push(floatTensor(name, dims, Float32Array.from(values)));
    else {
      const data = Float64Array.from(values);
      this.initializers.push({ name, dims: [...dims], dataType: DataType.DOUBLE, rawData: new Uint8Array(data.buffer) });
    }
    return name;
  }

  /** A scalar float constant, shared between uses. */
  scalar(value: number): string {
    const key = `f${value}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.tensor(this.fresh("const"), [], new Float64Array([value]));
      this.constants.set(key, name);
    }
    return name;
  }

  ints(values: readonly number[]): string {
    const key = `i${values.join(",")}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.fresh("ints");
      this.initializers.push(int64Tensor(name, [values.length], values));
      this.constants.set(key, name);
    }
    return name;
  }

  graph(name: string): GraphProto {
    return { name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs };
  }

  model(name: string, metadata: Record<string, string> = {}): ModelProto {
    return {
      irVersion: 8,
      producerName: "edge-maas",
      producerVersion: "0.1.0",
      opsetImport: [{ domain: "", version: OPSET }],
      graph: this.graph(name),
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    };
  }
}
