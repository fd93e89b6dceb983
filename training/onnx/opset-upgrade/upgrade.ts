/**
 * Raises the default-domain opset a model imports, rewriting the nodes whose operator changed
 * between the versions crossed (changes.ts) in every graph, subgraphs included, and carrying the
 * rest over. Rewrites `model` in place; throws CannotUpgradeError (one line, naming the op) when a
 * node has no equivalent. Whether the result computes the same is for the caller to check by running
 * both (verify.ts): this module only follows the operator definitions.
 */
import { allGraphs, NameAllocator, type GraphScope } from "../graph-walk.ts";
import { findAttribute } from "../attributes.ts";
import { DataType, floatTensor, type GraphProto, type ModelProto, type NodeProto } from "../model-io.ts";
import { readAsFloat32 } from "../tensors.ts";
import { CannotUpgradeError, OP_CHANGES, type OpChange, type UpgradeScope } from "./changes.ts";

export { CannotUpgradeError } from "./changes.ts";

/** Versions whose changes changes.ts covers: older models differ too much (broadcast attributes, consumed_inputs). */
export const UPGRADE_FROM_MIN = 7;
export const UPGRADE_TO_MAX = 21;

/** The IR version each opset needs at least (onnx/helper.py's VERSION_TABLE). */
const IR_FOR_OPSET: Record<number, number> = {
  7: 3, 8: 3, 9: 4, 10: 5, 11: 6, 12: 7, 13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10,
};

export interface OpsetConversion {
  op: string;
  /** The opset at which the operator changed. */
  at: number;
  what: string;
  nodes: number;
}

export interface OpsetUpgrade {
  from: number;
  to: number;
  irVersion: { before: number; after: number };
  /** Nodes rewritten, per operator change; every other node was carried over unchanged. */
  conversions: OpsetConversion[];
  /** Default-domain nodes before the upgrade. */
  nodes: number;
  /** Of those, the nodes carried over as they were. */
  unchanged: number;
}

export function importedOpset(model: ModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => (o.domain ?? "") === "" || o.domain === "ai.onnx");
  return entry ? Number(entry.version) : 0;
}

const changesByKey = new Map<string, OpChange>(OP_CHANGES.map((c) => [`${c.op}@${c.at}`, c]));

function int64Initializer(name: string, values: readonly (number | bigint)[], scalar: boolean) {
  const data = BigInt64Array.from(values, (v) => BigInt(v));
  return { name, dims: scalar ? [] : [values.length], dataType: DataType.INT64, rawData: new Uint8Array(data.buffer) };
}

/** Names read by any node or returned by any graph, and the ranks declared for values. */
function modelFacts(scopes: GraphScope[]): { used: Set<string>; ranks: Map<string, number> } {
  const used = new Set<string>();
  const ranks = new Map<string, number>();
  for (const { graph } of scopes) {
    for (const node of graph.node ?? []) for (const name of node.input ?? []) if (name) used.add(name);
    for (const output of graph.output ?? []) if (output.name) used.add(output.name);
    for (const v of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])]) {
      const shape = v.type?.tensorType?.shape;
      if (v.name && shape) ranks.set(v.name, shape.dim?.length ?? 0);
    }
  }
  return { used, ranks };
}

function float32Constants(graph: GraphProto): Map<string, Float32Array> {
  const values = new Map<string, Float32Array>();
  for (const t of graph.initializer ?? []) {
    const v = t.dataType === DataType.FLOAT ? readAsFloat32(t) : undefined;
    if (t.name && v) values.set(t.name, v);
  }
  for (const node of graph.node ?? []) {
    const t = node.opType === "Constant" ? findAttribute(node, "value")?.t : undefined;
    const v = t?.dataType === DataType.FLOAT ? readAsFloat32(t) : undefined;
    if (v && node.output?.[0]) values.set(node.output[0], v);
  }
  return values;
}

/** Raises the model's default-domain opset to `to`. */
export function upgradeOpset(model: ModelProto, to: number): OpsetUpgrade {
  const from = importedOpset(model);
  if (from === 0) throw new CannotUpgradeError("the model imports no default-domain opset");
  if (to < from) throw new CannotUpgradeError(`the model imports opset ${from}, newer than ${to}; only upgrades are supported`);
  if (from < UPGRADE_FROM_MIN) throw new CannotUpgradeError(`the model imports opset ${from}; upgrades start at opset ${UPGRADE_FROM_MIN}`);
  if (to > UPGRADE_TO_MAX) throw new CannotUpgradeError(`opset ${to} is past ${UPGRADE_TO_MAX}, the newest whose changes are covered`);

  const scopes = allGraphs(model);
  const { used, ranks } = modelFacts(scopes);
  const names = new NameAllocator(model);
  const constants = new Map(scopes.map((s) => [s.graph, float32Constants(s.graph)]));
  const counts = new Map<OpChange, number>();
  let nodeCount = 0;
  let unchanged = 0;

  for (const scope of scopes) {
    const { graph } = scope;
    const upgradeScope: UpgradeScope = {
      int64s: (hint, values, scalar = false) => {
        const name = names.fresh(hint);
        (graph.initializer ??= []).push(int64Initializer(name, values, scalar));
        return name;
      },
      float32s: (hint, values, dims) => {
        const name = names.fresh(hint);
        (graph.initializer ??= []).push(floatTensor(name, dims, Float32Array.from(values)));
        return name;
      },
      fresh: (hint) => names.fresh(hint),
      isUsed: (name) => used.has(name),
      constantFloats: (name) => {
        for (let s: GraphScope | undefined = scope; s; s = s.parent) {
          const v = constants.get(s.graph)?.get(name);
          if (v) return [...v];
        }
        return undefined;
      },
      rankOf: (name) => ranks.get(name),
    };
    const upgraded: NodeProto[] = [];
    for (const node of graph.node ?? []) {
      if ((node.domain ?? "") !== "" && node.domain !== "ai.onnx") {
        upgraded.push(node);
        continue;
      }
      nodeCount += 1;
      let current = [node];
      for (let version = from + 1; version <= to; version++) {
        current = current.flatMap((n) => {
          const change = changesByKey.get(`${n.opType}@${version}`);
          if (!change || ((n.domain ?? "") !== "" && n.domain !== "ai.onnx")) return [n];
          const replaced = change.convert(n, upgradeScope);
          if (replaced.length !== 1 || replaced[0] !== n) counts.set(change, (counts.get(change) ?? 0) + 1);
          return replaced;
        });
      }
      if (current.length === 1 && current[0] === node) unchanged += 1;
      upgraded.push(...current);
    }
    graph.node = upgraded;
  }

  for (const entry of model.opsetImport ?? []) if ((entry.domain ?? "") === "" || entry.domain === "ai.onnx") entry.version = to;
  const irBefore = Number(model.irVersion ?? 0);
  const irAfter = Math.max(irBefore, IR_FOR_OPSET[to] ?? irBefore);
  model.irVersion = irAfter;
  const conversions = [...counts].map(([c, nodes]) => ({ op: c.op, at: c.at, what: c.what, nodes })).sort((a, b) => a.at - b.at || a.op.localeCompare(b.op));
  return { from, to, irVersion: { before: irBefore, after: irAfter }, conversions, nodes: nodeCount, unchanged };
}
