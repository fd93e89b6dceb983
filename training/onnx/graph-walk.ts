/**
 * Walking every graph of a model: the main graph and, recursively, the bodies of control-flow nodes
 * (If then/else, Loop and Scan bodies — any GRAPH or GRAPHS attribute).
 */
import type { GraphProto, ModelProto, NodeProto } from "./model-io.ts";

export interface GraphScope {
  graph: GraphProto;
  /** The enclosing graph (undefined for the main graph); names resolve innermost first. */
  parent: GraphScope | undefined;
  /** Where the graph sits, for messages: "main", "main/If_0.then_branch", … */
  path: string;
}

export function subgraphsOf(node: NodeProto): { attribute: string; graph: GraphProto }[] {
  const found: { attribute: string; graph: GraphProto }[] = [];
  for (const attribute of node.attribute ?? []) {
    if (attribute.g) found.push({ attribute: attribute.name ?? "", graph: attribute.g });
    for (const g of attribute.graphs ?? []) found.push({ attribute: attribute.name ?? "", graph: g });
  }
  return found;
}

/** Every graph, parents before children. */
export function allGraphs(model: ModelProto): GraphScope[] {
  const scopes: GraphScope[] = [];
  const visit = (graph: GraphProto, parent: GraphScope | undefined, path: string): void => {
    const scope: GraphScope = { graph, parent, path };
    scopes.push(scope);
    (graph.node ?? []).forEach((node, index) => {
      for (const sub of subgraphsOf(node)) visit(sub.graph, scope, `${path}/${node.name || `${node.opType}_${index}`}.${sub.attribute}`);
    });
  };
  if (model.graph) visit(model.graph, undefined, "main");
  return scopes;
}

/** Every value name used or defined anywhere in the model (to make fresh names unique). */
export function allNames(model: ModelProto): Set<string> {
  const names = new Set<string>();
  for (const { graph } of allGraphs(model)) {
    for (const t of graph.initializer ?? []) if (t.name) names.add(t.name);
    for (const v of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])]) if (v.name) names.add(v.name);
    for (const node of graph.node ?? []) {
      for (const n of [...(node.input ?? []), ...(node.output ?? [])]) if (n) names.add(n);
      if (node.name) names.add(node.name);
    }
  }
  return names;
}

/** Hands out names not yet used in the model. */
export class NameAllocator {
  private readonly taken: Set<string>;
  constructor(model: ModelProto) {
    this.taken = allNames(model);
  }
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }
}
