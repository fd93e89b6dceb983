/**
 * The fp32 model behind a file onnxruntime's `quantize_dynamic` wrote: every
 *   x → DynamicQuantizeLinear → MatMulInteger(xq, Wq, xz, wz) → Cast → Mul(·, xs·ws) → y
 * becomes y = MatMul(x, (Wq − wz)·ws), and the nodes and constants left unused are dropped.
 * Moonshine publishes only such int8 files (moonshine-js ships `quantized/`), so the serving bench
 * rebuilds the fp32 encoder this way to quantize it in each mode; its weights are the int8 grid's
 * values, not the original float32 ones (the same size and graph, the same memory and speed).
 * Its Conv weights are int8 too, turned to float inside the graph (Add(Mul(Cast(q), scale), zero));
 * foldDequantizedConvWeights makes them float32 constants.
 */
import { DataType, type ModelProto, type NodeProto, type TensorProto } from "../onnx/model-io.ts";
import { elementCount, makeTensor, tensorDims } from "../onnx/tensors.ts";

function intValues(tensor: TensorProto): Int32Array {
  const count = elementCount(tensorDims(tensor));
  const raw = Uint8Array.from(tensor.rawData ?? []);
  if (tensor.dataType === DataType.UINT8) return Int32Array.from(raw.length ? raw : (tensor.int32Data ?? []));
  if (tensor.dataType === DataType.INT8) return Int32Array.from(raw.length ? new Int8Array(raw.buffer) : (tensor.int32Data ?? []));
  throw new Error(`${tensor.name}: expected uint8 or int8, got data type ${tensor.dataType} (${count} values)`);
}

function floatValues(tensor: TensorProto): Float32Array {
  if (tensor.dataType !== DataType.FLOAT) throw new Error(`${tensor.name}: expected a float32 scale`);
  const raw = Uint8Array.from(tensor.rawData ?? []);
  return raw.length ? new Float32Array(raw.buffer) : Float32Array.from(tensor.floatData ?? []);
}

/** A Conv weight computed as Add(Mul(Cast(int8 constant), scalar), scalar) becomes that float32 constant; returns how many. */
export function foldDequantizedConvWeights(model: ModelProto): number {
  const graph = model.graph!;
  const inits = new Map(graph.initializer!.map((t) => [t.name!, t]));
  const producer = (name: string) => graph.node!.find((n) => n.output!.includes(name));
  let folded = 0;
  for (const conv of graph.node!.filter((n) => n.opType === "Conv")) {
    const add = producer(conv.input![1]);
    if (add?.opType !== "Add") continue;
    const mul = producer(add.input![0]);
    const zero = inits.get(add.input![1]);
    const cast = mul?.opType === "Mul" ? producer(mul.input![0]) : undefined;
    const scale = mul ? inits.get(mul.input![1]) : undefined;
    const q = cast?.opType === "Cast" ? inits.get(cast.input![0]) : undefined;
    if (!q || !scale || !zero || floatValues(scale).length !== 1 || floatValues(zero).length !== 1) continue;
    const [s, z] = [floatValues(scale)[0], floatValues(zero)[0]];
    const name = `${q.name}_folded`;
    graph.initializer!.push(makeTensor(name, DataType.FLOAT, tensorDims(q), Float32Array.from(intValues(q), (v) => v * s + z)));
    conv.input![1] = name;
    folded++;
  }
  dropUnused(model);
  return folded;
}

/** Rewrites the model in place; returns how many MatMulInteger nodes became MatMul. */
export function dequantizeDynamicMatMuls(model: ModelProto): number {
  const graph = model.graph!;
  const inits = new Map(graph.initializer!.map((t) => [t.name!, t]));
  const nodes = graph.node!;
  const producer = (name: string) => nodes.find((n) => n.output!.includes(name));
  const consumers = (name: string) => nodes.filter((n) => n.input!.includes(name));
  const dropped = new Set<NodeProto>();
  const added = new Map<NodeProto, NodeProto>();
  let rewritten = 0;
  for (const mmi of nodes.filter((n) => n.opType === "MatMulInteger")) {
    const [xq, wq, , wz] = mmi.input!;
    const dql = producer(xq);
    const weight = inits.get(wq);
    const [cast] = consumers(mmi.output![0]);
    const [mul] = cast ? consumers(cast.output![0]) : [];
    const scaleMul = mul ? producer(mul.input!.find((i) => i !== cast!.output![0])!) : undefined;
    const ws = scaleMul?.input!.map((i) => inits.get(i)).find((t) => t);
    if (dql?.opType !== "DynamicQuantizeLinear" || !weight || cast?.opType !== "Cast" || mul?.opType !== "Mul" || !ws) {
      throw new Error(`${mmi.name}: not the DynamicQuantizeLinear → MatMulInteger → Cast → Mul pattern of quantize_dynamic`);
    }
    const [k, n] = tensorDims(weight);
    const q = intValues(weight);
    const zero = wz ? intValues(inits.get(wz)!) : new Int32Array(1);
    const scale = floatValues(ws);
    const w = new Float32Array(k * n);
    for (let r = 0; r < k; r++) {
      for (let c = 0; c < n; c++) w[r * n + c] = (q[r * n + c] - zero[zero.length === 1 ? 0 : c]) * scale[scale.length === 1 ? 0 : c];
    }
    const name = `${wq}_dequantized`;
    graph.initializer!.push(makeTensor(name, DataType.FLOAT, [k, n], w));
    added.set(mmi, { name: `${mmi.name}_fp32`, opType: "MatMul", domain: "", input: [dql.input![0], name], output: [mul.output![0]] });
    dropped.add(cast).add(mul);
    rewritten++;
  }
  graph.node = nodes.filter((n) => !dropped.has(n)).map((n) => added.get(n) ?? n);
  dropUnused(model);
  return rewritten;
}

function dropUnused(model: ModelProto): void {
  const graph = model.graph!;
  let remaining: NodeProto[] = graph.node!;
  // Drop what nothing reads any more (the DynamicQuantizeLinear nodes, the scale products, the int8 weights).
  const graphOutputs = new Set(graph.output!.map((o) => o.name!));
  for (let changed = true; changed; ) {
    const reading = new Set(remaining.flatMap((n) => n.input!));
    const kept: NodeProto[] = remaining.filter((n) => n.output!.some((o) => reading.has(o) || graphOutputs.has(o)));
    changed = kept.length !== remaining.length;
    remaining = kept;
  }
  graph.node = remaining;
  const read = new Set(remaining.flatMap((n) => n.input!));
  graph.initializer = graph.initializer!.filter((t) => read.has(t.name!) || graphOutputs.has(t.name!));
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => read.has(v.name!) || graphOutputs.has(v.name!));
}
