/**
 * The default-domain operators whose definition changed, between opset 7 and 21, in a way a model
 * written for the older version must be rewritten for (ONNX's Changelog.md / Operators.md). Every
 * other operator keeps its meaning across these versions (its later versions only add types or
 * optional attributes/inputs whose defaults are the old behaviour) and is carried over as it is.
 *
 * A change at version `at` applies when the upgrade goes from below `at` to `at` or above. A
 * conversion returns the nodes that replace the node, or throws CannotUpgradeError naming the op.
 */
import {
  findAttribute, floatAttribute, floatsAttribute, int64sAttribute, intAttr, intAttribute, stringAttr, stringAttribute, withoutAttributes,
} from "../attributes.ts";
import type { NodeProto } from "../model-io.ts";

export class CannotUpgradeError extends Error {
  override name = "CannotUpgradeError";
}

/** What a conversion may ask about the graph the node is in. */
export interface UpgradeScope {
  /** A new int64 initializer in the node's graph (a 1-D tensor, or a scalar with `scalar`). */
  int64s(hint: string, values: readonly (number | bigint)[], scalar?: boolean): string;
  /** A new float32 initializer in the node's graph. */
  float32s(hint: string, values: readonly number[], dims: readonly number[]): string;
  fresh(hint: string): string;
  /** Whether any node (in any graph) reads the value, or a graph returns it. */
  isUsed(name: string): boolean;
  /** The value of a float32 constant (initializer or Constant node) visible from the node's graph. */
  constantFloats(name: string): number[] | undefined;
  /** The rank declared for a value (graph input/output or value_info), when there is one. */
  rankOf(name: string): number | undefined;
}

export type Conversion = (node: NodeProto, scope: UpgradeScope) => NodeProto[];

export interface OpChange {
  op: string;
  at: number;
  /** What the conversion does, for the summary ("attributes starts/ends/axes → inputs"). */
  what: string;
  convert: Conversion;
}

function refuse(node: NodeProto, why: string): never {
  throw new CannotUpgradeError(`cannot upgrade ${node.opType}${node.name ? ` node "${node.name}"` : ""}: ${why}`);
}

const nodeName = (node: NodeProto): string => node.name || node.output?.[0] || node.opType || "node";

/** The node with some attributes moved into inputs (appended, "" for an absent optional one). */
function withInputs(node: NodeProto, inputs: string[], dropAttributes: string[], addAttributes = [] as NodeProto["attribute"] & object): NodeProto {
  let list = [...(node.input ?? []), ...inputs];
  while (list.length && list[list.length - 1] === "") list = list.slice(0, -1);
  return { ...node, input: list, attribute: [...withoutAttributes(node, ...dropAttributes), ...addAttributes] };
}

/** Moves an INTS attribute into a new 1-D int64 input at position `index` (inputs before it must exist). */
function intsToInput(attribute: string): Conversion {
  return (node, scope) => {
    const values = int64sAttribute(node, attribute);
    const inputs = [...(node.input ?? [])];
    if (values !== undefined) inputs.push(scope.int64s(`${nodeName(node)}_${attribute}`, values));
    return [{ ...node, input: inputs, attribute: withoutAttributes(node, attribute) }];
  };
}

/** Dropout is the identity at inference: its mask output is the only thing that changed (7, 10, 12, 13). */
const dropoutToIdentity: Conversion = (node, scope) => {
  const [mask] = (node.output ?? []).slice(1);
  if (mask && scope.isUsed(mask)) refuse(node, "its mask output is used (its type changed at opset 10)");
  return [{ ...node, opType: "Identity", input: [node.input?.[0] ?? ""], output: [node.output?.[0] ?? ""], attribute: [] }];
};

/** Opset ≤ 12 Softmax/LogSoftmax/Hardmax flatten the input to 2-D at `axis`; from 13 they act on `axis` alone. */
const coercedAxisTo13: Conversion = (node, scope) => {
  const axis = intAttribute(node, "axis", 1);
  const [input] = node.input ?? [];
  const [output] = node.output ?? [];
  const rank = scope.rankOf(input) ?? scope.rankOf(output);
  if (rank !== undefined && (axis === rank - 1 || axis === -1)) {
    // Flattening at the last axis changes nothing: the old and the new meaning agree.
    return [{ ...node, attribute: [...withoutAttributes(node, "axis"), intAttr("axis", -1)] }];
  }
  const base = nodeName(node);
  const [flat, normalized, shape] = [scope.fresh(`${base}_2d`), scope.fresh(`${base}_2d_out`), scope.fresh(`${base}_shape`)];
  return [
    { opType: "Flatten", input: [input], output: [flat], attribute: [intAttr("axis", axis)] },
    { ...node, input: [flat], output: [normalized], attribute: [...withoutAttributes(node, "axis"), intAttr("axis", 1)] },
    { opType: "Shape", input: [input], output: [shape] },
    { opType: "Reshape", input: [normalized, shape], output: [output] },
  ];
};

/** Reduce* with an `axes` attribute: it becomes the second input (ReduceSum at 13, the others at 18). */
const reduceAxesToInput = intsToInput("axes");

const REDUCE_AT_18 = ["ReduceMax", "ReduceMin", "ReduceMean", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"];

export const OP_CHANGES: readonly OpChange[] = [
  {
    op: "BatchNormalization", at: 9, what: "attribute spatial dropped",
    convert: (node) => {
      if (intAttribute(node, "spatial", 1) !== 1) refuse(node, "spatial=0 (per-activation statistics) has no equivalent from opset 9");
      return [{ ...node, attribute: withoutAttributes(node, "spatial") }];
    },
  },
  {
    op: "BatchNormalization", at: 14, what: "training outputs dropped (inference form)",
    convert: (node, scope) => {
      const extra = (node.output ?? []).slice(1).filter((o) => o && scope.isUsed(o));
      if (extra.length) refuse(node, `its training outputs (${extra.join(", ")}) are used`);
      return (node.output?.length ?? 0) <= 1 ? [node] : [{ ...node, output: [node.output?.[0] ?? ""] }];
    },
  },
  {
    op: "Upsample", at: 9, what: "attribute scales → input",
    convert: (node, scope) => {
      const scales = floatsAttribute(node, "scales");
      if (!scales) refuse(node, "no scales attribute");
      return [{ ...node, input: [node.input?.[0] ?? "", scope.float32s(`${nodeName(node)}_scales`, scales, [scales.length])], attribute: withoutAttributes(node, "scales") }];
    },
  },
  {
    // Upsample is deprecated from 10; Resize-10 has the same inputs and meaning.
    op: "Upsample", at: 10, what: "→ Resize",
    convert: (node) => [{ ...node, opType: "Resize" }],
  },
  {
    // ONNX's own Resize 10→11 adapter: Resize-10 is "asymmetric" with floor for nearest.
    op: "Resize", at: 11, what: "roi input, coordinate_transformation_mode asymmetric",
    convert: (node, scope) => {
      const [x, scales] = node.input ?? [];
      const mode = stringAttribute(node, "mode", "nearest");
      if (mode !== "nearest" && mode !== "linear") refuse(node, `mode "${mode}" did not exist before opset 11`);
      const roi = scope.float32s(`${nodeName(node)}_roi`, [], [0]);
      const extra = [stringAttr("coordinate_transformation_mode", "asymmetric"), ...(mode === "nearest" ? [stringAttr("nearest_mode", "floor")] : [])];
      return [{ ...node, input: [x, roi, scales], attribute: [...withoutAttributes(node, "coordinate_transformation_mode", "nearest_mode"), ...extra] }];
    },
  },
  {
    op: "Resize", at: 13, what: "tf_half_pixel_for_nn refused",
    convert: (node) => {
      if (stringAttribute(node, "coordinate_transformation_mode", "") === "tf_half_pixel_for_nn") refuse(node, "coordinate_transformation_mode tf_half_pixel_for_nn was removed at opset 13");
      return [node];
    },
  },
  {
    op: "Slice", at: 10, what: "attributes starts/ends/axes → inputs",
    convert: (node, scope) => {
      const base = nodeName(node);
      const starts = int64sAttribute(node, "starts");
      const ends = int64sAttribute(node, "ends");
      if (!starts || !ends) refuse(node, "starts or ends missing");
      const axes = int64sAttribute(node, "axes");
      const inputs = [scope.int64s(`${base}_starts`, starts), scope.int64s(`${base}_ends`, ends), ...(axes ? [scope.int64s(`${base}_axes`, axes)] : [])];
      return [withInputs({ ...node, input: [node.input?.[0] ?? ""] }, inputs, ["starts", "ends", "axes"])];
    },
  },
  {
    op: "TopK", at: 10, what: "attribute k → input",
    convert: (node, scope) => [withInputs(node, [scope.int64s(`${nodeName(node)}_k`, [intAttribute(node, "k", 0)])], ["k"])],
  },
  { op: "Dropout", at: 10, what: "→ Identity (inference)", convert: dropoutToIdentity },
  { op: "Dropout", at: 12, what: "→ Identity (inference)", convert: dropoutToIdentity },
  {
    op: "Clip", at: 11, what: "attributes min/max → inputs",
    convert: (node, scope) => {
      const base = nodeName(node);
      const bound = (name: string): string => (findAttribute(node, name) ? scope.float32s(`${base}_${name}`, [floatAttribute(node, name, 0)], []) : "");
      return [withInputs(node, [bound("min"), bound("max")], ["min", "max"])];
    },
  },
  {
    op: "Pad", at: 11, what: "attributes pads/value → inputs",
    convert: (node, scope) => {
      const base = nodeName(node);
      const pads = int64sAttribute(node, "pads");
      if (!pads) refuse(node, "no pads attribute");
      const value = findAttribute(node, "value") ? [scope.float32s(`${base}_value`, [floatAttribute(node, "value", 0)], [])] : [];
      return [withInputs(node, [scope.int64s(`${base}_pads`, pads), ...value], ["pads", "value"])];
    },
  },
  {
    op: "Scatter", at: 11, what: "→ ScatterElements",
    convert: (node) => [{ ...node, opType: "ScatterElements" }],
  },
  ...["Softmax", "LogSoftmax", "Hardmax"].map((op) => ({ op, at: 13, what: "2-D coercion made explicit (axis semantics changed)", convert: coercedAxisTo13 })),
  ...["Squeeze", "Unsqueeze"].map((op) => ({ op, at: 13, what: "attribute axes → input", convert: intsToInput("axes") })),
  { op: "ReduceSum", at: 13, what: "attribute axes → input", convert: reduceAxesToInput },
  ...REDUCE_AT_18.map((op) => ({ op, at: 18, what: "attribute axes → input", convert: reduceAxesToInput })),
  { op: "Split", at: 13, what: "attribute split → input", convert: intsToInput("split") },
  {
    op: "Split", at: 18, what: "num_outputs for an even split",
    convert: (node) => (node.input?.[1] ? [node] : [{ ...node, attribute: [...withoutAttributes(node, "num_outputs"), intAttr("num_outputs", node.output?.length ?? 1)] }]),
  },
  {
    op: "RoiAlign", at: 16, what: "coordinate_transformation_mode output_half_pixel (the old default)",
    convert: (node) => (findAttribute(node, "coordinate_transformation_mode") ? [node] : [{ ...node, attribute: [...(node.attribute ?? []), stringAttr("coordinate_transformation_mode", "output_half_pixel")] }]),
  },
  {
    op: "GridSample", at: 20, what: "mode bilinear/bicubic → linear/cubic",
    convert: (node) => {
      const renamed: Record<string, string> = { bilinear: "linear", bicubic: "cubic" };
      const mode = stringAttribute(node, "mode", "bilinear");
      return [{ ...node, attribute: [...withoutAttributes(node, "mode"), stringAttr("mode", renamed[mode] ?? mode)] }];
    },
  },
  {
    op: "Scan", at: 9, what: "",
    convert: (node) => refuse(node, "Scan-8's batch axis was removed at opset 9; re-export the model at opset 9 or later"),
  },
  {
    op: "GroupNormalization", at: 21, what: "",
    convert: (node) => refuse(node, "its scale and bias changed from one per group to one per channel at opset 21"),
  },
];
