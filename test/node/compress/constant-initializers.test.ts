/**
 * Constant nodes stored as initializers (training/compress/constant-initializers.ts), as
 * `maas quantize` leaves every model: the rewritten model must compute exactly what the source does
 * in onnxruntime-node, inside control flow too, and be smaller; a model older than IR version 4
 * (whose initializers must also be graph inputs) is left as it is.
 */
import { describe, expect, it } from "vitest";
import { DataType, decodeModel, encodeModel, floatTensor, type ModelProto } from "../../../training/onnx/model-io.ts";
import { allGraphs } from "../../../training/onnx/graph-walk.ts";
import { constantNodesToInitializers } from "../../../training/compress/constant-initializers.ts";
import { runOnce, type Feeds } from "../../../training/compress/run-model.ts";
import { modelBytes, node, randomMatrix, subgraphModel, valueInfo } from "./fixtures.ts";

const constant = (name: string, dims: number[], values: Float32Array) =>
  node("Constant", [], [name], [{ name: "value", type: 4, t: floatTensor(name === "W" ? "" : `${name}_tensor`, dims, values) }]);

/** Paddle2ONNX's style: Y = Clip(X·W + b, lo, hi) with every constant a Constant node (one tensor unnamed, one named apart from its output). */
function paddleStyle(): Uint8Array {
  return modelBytes({
    name: "paddle_style",
    node: [
      constant("W", [6, 4], randomMatrix(6, 4, 1)),
      constant("b", [4], randomMatrix(1, 4, 2)),
      constant("lo", [], new Float32Array([-0.5])),
      constant("hi", [], new Float32Array([0.75])),
      node("MatMul", ["X", "W"], ["xw"]),
      node("Add", ["xw", "b"], ["z"]),
      node("Clip", ["z", "lo", "hi"], ["Y"]),
    ],
    input: [valueInfo("X", DataType.FLOAT, ["batch", 6])],
    output: [valueInfo("Y", DataType.FLOAT, ["batch", 4])],
  });
}

const constantNodes = (model: ModelProto) => allGraphs(model).flatMap((s) => (s.graph.node ?? []).filter((n) => n.opType === "Constant"));

async function expectSameOutputs(source: Uint8Array, rewritten: Uint8Array, feeds: Feeds): Promise<void> {
  const [want, got] = [await runOnce("node", source, feeds), await runOnce("node", rewritten, feeds)];
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const name of Object.keys(want)) expect(Array.from(got[name].data as Float32Array), name).toEqual(Array.from(want[name].data as Float32Array));
}

describe("Constant nodes become initializers", () => {
  it("in the main graph: same outputs, initializers under the nodes' output names, a smaller file", async () => {
    const source = paddleStyle();
    const model = decodeModel(source);
    expect(constantNodesToInitializers(model)).toBe(4);
    expect(constantNodes(model)).toEqual([]);
    expect(model.graph!.initializer!.map((t) => t.name).sort()).toEqual(["W", "b", "hi", "lo"]);
    const rewritten = encodeModel(model);
    expect(rewritten.length).toBeLessThan(source.length);
    await expectSameOutputs(source, rewritten, { X: { type: "float32", dims: [3, 6], data: randomMatrix(3, 6, 3, 2) } });
  });

  it("inside If, Loop and Scan bodies: each graph keeps its own", async () => {
    const k = 5, n = 3;
    const source = subgraphModel(k, n, { outer: randomMatrix(k, n, 4), inner: randomMatrix(n, k, 5), loop: randomMatrix(k, k, 6, 0.3), scan: randomMatrix(k, n, 7) });
    const model = decodeModel(source);
    expect(constantNodesToInitializers(model)).toBe(1); // the Scan body's weight
    expect(constantNodes(model)).toEqual([]);
    const scanBody = allGraphs(model).find((s) => s.graph.name === "scan_body")!.graph;
    expect(scanBody.initializer!.map((t) => t.name)).toContain("W_scan");
    const feeds: Feeds = { X: { type: "float32", dims: [2, k], data: randomMatrix(2, k, 8) } };
    for (const cond of [true, false]) await expectSameOutputs(source, encodeModel(model), { ...feeds, cond: { type: "bool", dims: [], data: Uint8Array.of(cond ? 1 : 0) } });
  });

  it("a model older than IR version 4 keeps its Constant nodes", () => {
    const model = decodeModel(paddleStyle());
    model.irVersion = 3;
    expect(constantNodesToInitializers(model)).toBe(0);
    expect(constantNodes(model)).toHaveLength(4);
  });
});
