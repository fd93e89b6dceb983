/**
 * Small constants that say the same thing are stored once. Exporters write a tensor per use: PaddleOCR's
 * direction classifier carries 36 copies of 6.0, 18 of 3.0 and 18 of 0.0 for its hard-swish layers'
 * Clip and Div, each with its own name (~25 bytes each). Only initializers of the main graph up to
 * SMALL_BYTES are merged, and only names that no subgraph reads and that are not graph inputs or
 * outputs (a graph input may override an initializer; an output's name is part of the model's
 * interface); the readers of a duplicate read the first of its kind instead. Values are unchanged.
 */
import { allGraphs } from "../onnx/graph-walk.ts";
import type { ModelProto, TensorProto } from "../onnx/model-io.ts";

/** Larger tensors are rarely repeated, and comparing them costs more than it saves. */
const SMALL_BYTES = 64;

/** What makes two tensors the same constant: type, shape and contents, wherever they are stored. */
function identity(t: TensorProto): string | undefined {
  if (t.dataLocation === 1 || (t.externalData?.length ?? 0) > 0) return undefined; // stored outside the file
  const typedData = [t.floatData, t.int32Data, t.int64Data, t.doubleData, t.uint64Data, t.stringData];
  const elements = typedData.reduce((n, d) => n + (d?.length ?? 0), 0);
  if ((t.rawData?.length ?? 0) > SMALL_BYTES || elements > SMALL_BYTES / 4) return undefined;
  const raw = t.rawData && t.rawData.length > 0 ? Buffer.from(t.rawData).toString("hex") : "";
  return [t.dataType, (t.dims ?? []).join("x"), raw, ...typedData.map((d) => JSON.stringify(d ?? []))].join("|");
}

/** Names read by any node inside a subgraph (at any depth), which may refer to the main graph's values. */
function readInSubgraphs(model: ModelProto): Set<string> {
  const names = new Set<string>();
  for (const { graph, parent } of allGraphs(model)) {
    if (parent) for (const node of graph.node ?? []) for (const input of node.input ?? []) names.add(input);
  }
  return names;
}

/** Merges the main graph's identical small initializers; returns how many copies were dropped. */
export function shareIdenticalConstants(model: ModelProto): number {
  const graph = model.graph;
  if (!graph?.initializer?.length) return 0;
  const fixed = new Set([...(graph.input ?? []), ...(graph.output ?? [])].map((v) => v.name ?? ""));
  for (const name of readInSubgraphs(model)) fixed.add(name);
  const firstOfKind = new Map<string, string>();
  const replacement = new Map<string, string>();
  const kept: TensorProto[] = [];
  for (const tensor of graph.initializer) {
    const name = tensor.name ?? "";
    const key = fixed.has(name) ? undefined : identity(tensor);
    const first = key === undefined ? undefined : firstOfKind.get(key);
    if (first !== undefined) {
      replacement.set(name, first);
      continue;
    }
    if (key !== undefined) firstOfKind.set(key, name);
    kept.push(tensor);
  }
  if (replacement.size === 0) return 0;
  graph.initializer = kept;
  for (const node of graph.node ?? []) node.input = (node.input ?? []).map((input) => replacement.get(input) ?? input);
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => !replacement.has(v.name ?? ""));
  return replacement.size;
}
