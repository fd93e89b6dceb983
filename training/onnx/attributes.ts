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

/** An INTS attribute's values, or undefined when the node does not have it. */
export function intsAttribute(node: NodeProto, name: string): number[] | undefined {
  const a = findAttribute(node, name);
  return a ? (a.ints ?? []).map(Number) : undefined;
}

/** An INTS attribute's values exactly (int64: Slice's "to the end" is 2⁶³ − 1), or undefined when absent. */
export function int64sAttribute(node: NodeProto, name: string): bigint[] | undefined {
  const a = findAttribute(node, name);
  return a ? (a.ints ?? []).map((v) => BigInt(String(v))) : undefined;
}

/** A FLOATS attribute's values, or undefined when the node does not have it. */
export function floatsAttribute(node: NodeProto, name: string): number[] | undefined {
  const a = findAttribute(node, name);
  return a ? [...(a.floats ?? [])] : undefined;
}

export function stringAttribute(node: NodeProto, name: string, fallback: string): string {
  const s = findAttribute(node, name)?.s;
  return s ? new TextDecoder().decode(s) : fallback;
}

export function intAttr(name: string, value: number): AttributeProto {
  return { name, type: AttributeType.INT, i: value };
}

export function floatAttr(name: string, value: number): AttributeProto {
  return { name, type: AttributeType.FLOAT, f: value };
}

export function stringAttr(name: string, value: string): AttributeProto {
  return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
}

/** The node's attributes without those named. */
export function withoutAttributes(node: NodeProto, ...names: string[]): AttributeProto[] {
  return (node.attribute ?? []).filter((a) => !names.includes(a.name ?? ""));
}
