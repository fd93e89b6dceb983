/** Reading and writing node attributes. */
import type { AttributeProto, NodeProto } from "./model-io.ts";

const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7 } as const;

export function findAttribute(node: NodeProto, name: string): AttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

export function intAttribute(node: NodeProto, name: string, fallback: number): number {
  const a = findAttribute(node, name);
  return a?.i === undefined || a.i === null ? fallback : Number(a.i);
}

export function floatAttribute(node: NodeProto, name: string, fallback: number): number {
  const a = findAttribute(node, name);
  return a?.f === undefined || a.f === null ? fallback : a.f;
}

export function intAttr(name: string, value: number): AttributeProto {
  return { name, type: AttributeType.INT, i: value };
}

export function floatAttr(name: string, value: number): AttributeProto {
  return { name, type: AttributeType.FLOAT, f: value };
}
