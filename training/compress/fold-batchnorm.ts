/**
 * Folds inference-form BatchNormalization into the Conv or ConvTranspose before it, as onnxruntime's
 * quantization pre-processing does (and as ORT itself does when it loads a model), so that the
 * per-channel scale, bias, mean and variance are not left as fp32 tensors beside a quantized weight:
 *   f[o]  = scale[o] / sqrt(var[o] + epsilon)
 *   W'[o] = W[o] · f[o]                      (output channel o: axis 0 of a Conv weight; for a
 *                                             ConvTranspose, [C_in, C_out/group, …], axis 1 within each group)
 *   b'[o] = (b[o] − mean[o]) · f[o] + beta[o] (b = 0 when the convolution has no bias)
 * computed in float64 and stored as float32. A BatchNormalization is folded when its input is the
 * output of a default-domain Conv/ConvTranspose read by nothing else (not a graph output), its four
 * parameters and the convolution's weight (and bias) are float32 constants of the same graph (an
 * initializer that is not also a graph input, or a Constant node), the weight and bias are read by
 * that convolution only, and it has one output in inference mode (no training_mode, spatial = 1).
 * The convolution takes over the BatchNormalization's output name, so the rest of the graph is
 * unchanged; the weight keeps its name and storage (initializer or Constant node). Rewrites `model`
 * in place, main graph and control-flow bodies.
 */
import { allGraphs, NameAllocator } from "../onnx/graph-walk.ts";
import { findAttribute, floatAttribute, intAttribute } from "../onnx/attributes.ts";
import { DataType, type GraphProto, type ModelProto, type NodeProto, type TensorProto } from "../onnx/model-io.ts";
import { readAsFloat32, tensorDims } from "../onnx/tensors.ts";

export interface BatchNormFold {
  /** BatchNormalization nodes folded, per op they were folded into. */
  folded: { Conv: number; ConvTranspose: number };
  /** BatchNormalization nodes left as they are, and why. */
  left: { node: string; why: string }[];
}

interface Constant {
  tensor: TensorProto;
  /** The Constant node that holds it; undefined for an initializer. */
  node: NodeProto | undefined;
}

/** The float32 constants a graph defines itself: initializers not shadowed by a graph input, and Constant nodes. */
function graphConstants(graph: GraphProto): Map<string, Constant> {
  const constants = new Map<string, Constant>();
  const inputs = new Set((graph.input ?? []).map((i) => i.name));
  for (const t of graph.initializer ?? []) if (t.name && !inputs.has(t.name)) constants.set(t.name, { tensor: t, node: undefined });
  for (const node of graph.node ?? []) {
    const tensor = node.opType === "Constant" && (node.domain ?? "") === "" ? findAttribute(node, "value")?.t : undefined;
    if (tensor && node.output?.[0]) constants.set(node.output[0], { tensor, node });
  }
  return constants;
}

/** How many times each name is read anywhere in the model (node inputs and graph outputs, every graph). */
function readCounts(model: ModelProto): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (name: string | null | undefined): void => {
    if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
  };
  for (const { graph } of allGraphs(model)) {
    for (const node of graph.node ?? []) for (const name of node.input ?? []) add(name);
    for (const output of graph.output ?? []) add(output.name);
  }
  return counts;
}

function float32Values(c: Constant | undefined): Float32Array | undefined {
  if (!c || c.tensor.dataType !== DataType.FLOAT) return undefined;
  return readAsFloat32(c.tensor);
}

function setValues(tensor: TensorProto, values: Float32Array): void {
  tensor.rawData = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  tensor.floatData = [];
}

/** The per-output-channel factor f and folded bias b' (float64 arithmetic, float32 results). */
export function foldFactors(
  scale: Float32Array, beta: Float32Array, mean: Float32Array, variance: Float32Array, epsilon: number, bias: Float32Array | undefined,
): { factor: Float64Array; bias: Float32Array } {
  const factor = new Float64Array(scale.length);
  const folded = new Float32Array(scale.length);
  for (let o = 0; o < scale.length; o++) {
    factor[o] = scale[o] / Math.sqrt(variance[o] + epsilon);
    folded[o] = ((bias?.[o] ?? 0) - mean[o]) * factor[o] + beta[o];
  }
  return { factor, bias: folded };
}

/** W'[…] = W[…] · f[output channel]; Conv: [C_out, C_in/group, …]; ConvTranspose: [C_in, C_out/group, …]. */
function scaleWeight(values: Float32Array, dims: number[], factor: Float64Array, transpose: boolean, group: number): Float32Array {
  const out = new Float32Array(values.length);
  const inner = dims.slice(2).reduce((n, d) => n * d, 1);
  const [d0, d1] = dims;
  for (let a = 0; a < d0; a++) {
    for (let b = 0; b < d1; b++) {
      // ConvTranspose: input channel a is in group ⌊a / (C_in/group)⌋, whose output channels start at group·(C_out/group).
      const o = transpose ? Math.floor(a / (d0 / group)) * d1 + b : a;
      const f = factor[o];
      const base = (a * d1 + b) * inner;
      for (let k = 0; k < inner; k++) out[base + k] = values[base + k] * f;
    }
  }
  return out;
}

/** Why this BatchNormalization cannot be folded, or the fold to make. */
function plan(
  bn: NodeProto, graph: GraphProto, constants: Map<string, Constant>, producers: Map<string, NodeProto>, reads: Map<string, number>,
): { why: string } | { conv: NodeProto; transpose: boolean; weight: Constant; bias: Constant | undefined; params: Float32Array[]; epsilon: number } {
  const outputs = (bn.output ?? []).filter(Boolean);
  if (outputs.length !== 1) return { why: "it has training outputs (running mean/variance)" };
  if (intAttribute(bn, "training_mode", 0) !== 0) return { why: "training_mode = 1" };
  if (intAttribute(bn, "spatial", 1) !== 1) return { why: "spatial = 0 (statistics per element, not per channel)" };
  const [x, ...paramNames] = bn.input ?? [];
  const conv = x ? producers.get(x) : undefined;
  const op = conv?.opType;
  if (!conv || (conv.domain ?? "") !== "" || (op !== "Conv" && op !== "ConvTranspose")) return { why: `its input comes from ${op ? `${/^[AEIOU]/.test(op) ? "an" : "a"} ${op}` : "no node of this graph"}, not a Conv or ConvTranspose` };
  if (reads.get(x!) !== 1) return { why: `the ${op}'s output ${x} is read by something else too` };
  const params = paramNames.map((name) => float32Values(constants.get(name)));
  if (paramNames.length !== 4 || params.some((p) => !p)) return { why: "its scale, bias, mean and variance are not all float32 constants of this graph" };
  const [wName, bName] = [conv.input?.[1], conv.input?.[2]];
  const weight = wName ? constants.get(wName) : undefined;
  if (!weight || weight.tensor.dataType !== DataType.FLOAT || reads.get(wName!) !== 1) return { why: `the ${op}'s weight is not a float32 constant read by it alone` };
  const bias = bName ? constants.get(bName) : undefined;
  if (bName && (!bias || bias.tensor.dataType !== DataType.FLOAT || reads.get(bName) !== 1)) return { why: `the ${op}'s bias is not a float32 constant read by it alone` };
  const dims = tensorDims(weight.tensor);
  const group = intAttribute(conv, "group", 1);
  const channels = op === "Conv" ? dims[0] : dims[1] * group;
  if (dims.length < 3 || params.some((p) => p!.length !== channels)) return { why: `its parameters do not have one value per output channel of the ${op} (${channels})` };
  if (graph.output?.some((o) => o.name === x)) return { why: `the ${op}'s output is a graph output` };
  return { conv, transpose: op === "ConvTranspose", weight, bias, params: params as Float32Array[], epsilon: floatAttribute(bn, "epsilon", 1e-5) };
}

export function foldBatchNorms(model: ModelProto): BatchNormFold {
  const result: BatchNormFold = { folded: { Conv: 0, ConvTranspose: 0 }, left: [] };
  const names = new NameAllocator(model);
  for (const { graph } of allGraphs(model)) {
    const reads = readCounts(model);
    const constants = graphConstants(graph);
    const producers = new Map<string, NodeProto>();
    for (const node of graph.node ?? []) for (const out of node.output ?? []) if (out) producers.set(out, node);
    const removed = new Set<NodeProto>();
    /** Constant nodes that now feed a Conv as its bias: moved to just before it. */
    const before = new Map<NodeProto, NodeProto[]>();
    const paramNames = new Set<string>();
    for (const bn of graph.node ?? []) {
      if (bn.opType !== "BatchNormalization" || (bn.domain ?? "") !== "") continue;
      const p = plan(bn, graph, constants, producers, reads);
      if ("why" in p) {
        result.left.push({ node: bn.name || bn.output?.[0] || "BatchNormalization", why: p.why });
        continue;
      }
      const [scale, beta, mean, variance] = p.params;
      const oldBias = p.bias ? readAsFloat32(p.bias.tensor) : undefined;
      const { factor, bias } = foldFactors(scale, beta, mean, variance, p.epsilon, oldBias);
      const weightValues = readAsFloat32(p.weight.tensor)!;
      setValues(p.weight.tensor, scaleWeight(weightValues, tensorDims(p.weight.tensor), factor, p.transpose, intAttribute(p.conv, "group", 1)));
      const [, betaName] = (bn.input ?? []).slice(1);
      if (p.bias) {
        setValues(p.bias.tensor, bias);
      } else if (reads.get(betaName!) === 1 && constants.get(betaName!)!.tensor.dataType === DataType.FLOAT) {
        // The BatchNormalization's own beta, read by it alone, becomes the convolution's bias.
        const betaConstant = constants.get(betaName!)!;
        setValues(betaConstant.tensor, bias);
        if (betaConstant.node) {
          removed.add(betaConstant.node);
          before.set(p.conv, [...(before.get(p.conv) ?? []), betaConstant.node]);
        }
        p.conv.input = [p.conv.input![0], p.conv.input![1], betaName!];
      } else {
        const name = names.fresh(`${p.conv.input![1]}_bias`);
        (graph.initializer ??= []).push({ name, dims: [bias.length], dataType: DataType.FLOAT, rawData: new Uint8Array(bias.buffer) });
        p.conv.input = [p.conv.input![0], p.conv.input![1], name];
      }
      const convOut = p.conv.output![0];
      p.conv.output = [bn.output!.find(Boolean)!];
      graph.valueInfo = (graph.valueInfo ?? []).filter((v) => v.name !== convOut);
      removed.add(bn);
      for (const name of bn.input!.slice(1)) {
        reads.set(name, (reads.get(name) ?? 1) - 1);
        paramNames.add(name);
      }
      reads.set(betaName!, (reads.get(betaName!) ?? 0) + (p.conv.input![2] === betaName ? 1 : 0));
      result.folded[p.transpose ? "ConvTranspose" : "Conv"] += 1;
    }
    if (!removed.size) continue;
    // The parameters nothing reads any more go too.
    const dead = new Set([...paramNames].filter((n) => (reads.get(n) ?? 0) === 0));
    for (const name of dead) {
      const c = constants.get(name);
      if (c?.node) removed.add(c.node);
    }
    graph.initializer = (graph.initializer ?? []).filter((t) => !dead.has(t.name ?? ""));
    graph.node = (graph.node ?? []).flatMap((node) => {
      const moved = before.get(node) ?? [];
      return removed.has(node) && !moved.length ? [] : [...moved, ...(removed.has(node) ? [] : [node])];
    });
  }
  return result;
}

/** "35 BatchNormalization nodes folded into the Conv before them", or undefined when none was. */
export function foldedText(fold: BatchNormFold): string | undefined {
  const { Conv, ConvTranspose } = fold.folded;
  const total = Conv + ConvTranspose;
  if (!total) return undefined;
  const into = Conv && ConvTranspose ? `the convolution before them (${Conv} Conv, ${ConvTranspose} ConvTranspose)` : `the ${Conv ? "Conv" : "ConvTranspose"} before ${total === 1 ? "it" : "them"}`;
  return `${total} BatchNormalization node${total === 1 ? "" : "s"} folded into ${into}`;
}
