/**
 * Identical small constants stored once (training/compress/shared-constants.ts), as `maas quantize`
 * leaves every model: the rewritten model computes exactly what the source does in
 * onnxruntime-node and is smaller; graph inputs and outputs, names read inside control flow and
 * larger tensors are left as they are.
 */
import { describe, expect, it } from "vitest";
import { DataType, decodeModel, encodeModel, floatTensor, type GraphProto } from "../../../training/onnx/model-io.ts";
import { shareIdenticalConstants } from "../../../training/compress/shared-constants.ts";
import { runOnce, type Feeds } from "../../../training/compress/run-model.ts";
import { modelBytes, node, randomMatrix, valueInfo } from "./fixtures.ts";

const scalar = (name: string, value: number) => floatTensor(name, [], new Float32Array([value]));

/** Two hard-swish layers as Paddle2ONNX writes them: x · Clip(x + 3, 0, 6) / 6, every constant its own copy. */
function hardSwishTwice(): GraphProto {
  const layer = (i: number, x: string, y: string) => [
    node("Add", [x, `three_${i}`], [`shifted_${i}`]),
    node("Clip", [`shifted_${i}`, `zero_${i}`, `six_${i}`], [`clipped_${i}`]),
    node("Mul", [x, `clipped_${i}`], [`scaled_${i}`]),
    node("Div", [`scaled_${i}`, `six_div_${i}`], [y]),
  ];
  return {
    name: "hard_swish",
    node: [...layer(1, "X", "h"), ...layer(2, "h", "Y")],
    initializer: [1, 2].flatMap((i) => [scalar(`three_${i}`, 3), scalar(`zero_${i}`, 0), scalar(`six_${i}`, 6), scalar(`six_div_${i}`, 6)]),
    input: [valueInfo("X", DataType.FLOAT, ["batch", 5])],
    output: [valueInfo("Y", DataType.FLOAT, ["batch", 5])],
  };
}

async function expectSameOutputs(source: Uint8Array, rewritten: Uint8Array, feeds: Feeds): Promise<void> {
  const [want, got] = [await runOnce("node", source, feeds), await runOnce("node", rewritten, feeds)];
  for (const name of Object.keys(want)) expect(Array.from(got[name].data as Float32Array), name).toEqual(Array.from(want[name].data as Float32Array));
}

const feeds: Feeds = { X: { type: "float32", dims: [4, 5], data: randomMatrix(4, 5, 1, 4) } };

describe("identical small constants are stored once", () => {
  it("eight scalars of three values become three; same outputs, a smaller file", async () => {
    const source = modelBytes(hardSwishTwice());
    const model = decodeModel(source);
    expect(shareIdenticalConstants(model)).toBe(5);
    expect(model.graph!.initializer!.map((t) => t.name)).toEqual(["three_1", "zero_1", "six_1"]);
    expect(model.graph!.node!.find((n) => n.opType === "Div" && n.output![0] === "Y")!.input).toEqual(["scaled_2", "six_1"]);
    const rewritten = encodeModel(model);
    expect(rewritten.length).toBeLessThan(source.length);
    await expectSameOutputs(source, rewritten, feeds);
  });

  it("leaves graph inputs and outputs, names read inside control flow, and larger tensors alone", async () => {
    const graph = hardSwishTwice();
    // six_2 is also a graph input (a caller may override it), zero_2 a graph output, three_2 read in an If branch.
    graph.input!.push(valueInfo("six_2", DataType.FLOAT, []), valueInfo("cond", DataType.BOOL, []));
    graph.output!.push(valueInfo("zero_2", DataType.FLOAT, []), valueInfo("branch", DataType.FLOAT, []));
    const then: GraphProto = { name: "then", node: [node("Identity", ["three_2"], ["t_out"])], output: [valueInfo("t_out", DataType.FLOAT, [])] };
    const otherwise: GraphProto = { name: "else", node: [node("Identity", ["three_1"], ["e_out"])], output: [valueInfo("e_out", DataType.FLOAT, [])] };
    graph.node!.push(node("If", ["cond"], ["branch"], [{ name: "then_branch", type: 5, g: then }, { name: "else_branch", type: 5, g: otherwise }]));
    // Two identical 17-float tensors: above the size at which constants are compared.
    graph.initializer!.push(floatTensor("big_1", [17], randomMatrix(1, 17, 2)), floatTensor("big_2", [17], randomMatrix(1, 17, 2)));
    graph.node!.push(node("Add", ["big_1", "big_2"], ["big_sum"]));
    graph.output!.push(valueInfo("big_sum", DataType.FLOAT, [17]));
    const source = modelBytes(graph);
    const model = decodeModel(source);
    expect(shareIdenticalConstants(model)).toBe(2); // six_div_1 and six_div_2 → six_1: the only free copies left
    const names = model.graph!.initializer!.map((t) => t.name);
    for (const name of ["six_2", "zero_2", "three_2", "three_1", "big_1", "big_2"]) expect(names).toContain(name);
    for (const cond of [true, false]) await expectSameOutputs(source, encodeModel(model), { ...feeds, cond: { type: "bool", dims: [], data: Uint8Array.of(cond ? 1 : 0) } });
  });
});
