/** Small helpers for rewriting graphs: opset lookups, node construction, node replacement. */
import type { GraphProto, ModelProto, NodeProto } from "../onnx/model-io.ts";
import type { AttributeProto } from "../onnx/model-io.ts";

export const MICROSOFT_DOMAIN = "com.microsoft";

/** The default-domain opset the model imports (0 when it imports none). */
export function defaultOpset(model: ModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => (o.domain ?? "") === "" || o.domain === "ai.onnx");
  return entry ? Number(entry.version) : 0;
}

export function ensureOpsetImport(model: ModelProto, domain: string, version: number): void {
  const imports = (model.opsetImport ??= []);
  if (!imports.some((o) => (o.domain ?? "") === domain)) imports.push({ domain, version });
}

/**
 * A node without a name unless one is given: NodeProto.name is optional, and the nodes compression
 * adds are identified well enough by their outputs (a generated name cost ~25 bytes a node).
 */
export function makeNode(
  opType: string, inputs: string[], outputs: string[], name?: string, attributes: AttributeProto[] = [], domain?: string,
): NodeProto {
  const node: NodeProto = { opType, input: inputs, output: outputs };
  if (name) node.name = name;
  if (attributes.length) node.attribute = attributes;
  if (domain) node.domain = domain;
  return node;
}

/** Collects node replacements per graph and applies them in one pass, keeping node order. */
export class NodeReplacements {
  private readonly replaced = new Map<GraphProto, Map<NodeProto, NodeProto[]>>();
  private readonly prepended = new Map<GraphProto, NodeProto[]>();

  replace(graph: GraphProto, node: NodeProto, by: NodeProto[]): void {
    if (!this.replaced.has(graph)) this.replaced.set(graph, new Map());
    this.replaced.get(graph)!.set(node, by);
  }

  /** Nodes that only read initializers go first, so they precede every consumer. */
  prepend(graph: GraphProto, nodes: NodeProto[]): void {
    if (!this.prepended.has(graph)) this.prepended.set(graph, []);
    this.prepended.get(graph)!.push(...nodes);
  }

  apply(): void {
    const graphs = new Set([...this.replaced.keys(), ...this.prepended.keys()]);
    for (const graph of graphs) {
      const replacements = this.replaced.get(graph);
      const body = (graph.node ?? []).flatMap((node) => replacements?.get(node) ?? [node]);
      graph.node = [...(this.prepended.get(graph) ?? []), ...body];
    }
  }
}
