/**
 * Read → write is lossless: byte-for-byte on a third-party PyTorch export, and on a model that uses
 * every attribute type, subgraphs, a sparse initializer and fields newer than onnx-proto's ONNX 1.10
 * (checked independently: Python onnx re-serialises our bytes to the same bytes).
 */
import { describe, expect, it } from "vitest";
import { decodeModel, encodeModel, floatTensor, int64Tensor, type ModelProto } from "../../../training/onnx/model-io.ts";
import { runOnce } from "../../../training/compress/run-model.ts";
import { randomFeeds } from "../../../training/compress/random-feeds.ts";
import { node, valueInfo } from "./fixtures.ts";
import { pythonOnnxMissing, pythonReserialize } from "./onnx-checker.ts";
import { thirdPartyBytes, thirdPartyMissing } from "./third-party-model.ts";

describe.skipIf(thirdPartyMissing)(`third-party model ${thirdPartyMissing ?? ""}`, () => {
  it("decodes and re-encodes byte for byte, and the re-encoded model gives the same outputs", async () => {
    const original = thirdPartyBytes();
    const again = encodeModel(decodeModel(original));
    expect(Buffer.from(again).equals(Buffer.from(original))).toBe(true);
    const feeds = randomFeeds(decodeModel(original), 3, 2);
    expect(await runOnce("node", again, feeds)).toEqual(await runOnce("node", original, feeds));
  });
});

/** Every AttributeProto type, If subgraphs, a sparse initializer, and ONNX ≥ 1.13 fields. */
function everythingModel(): ModelProto {
  const t = floatTensor("t", [2], new Float32Array([1.5, -2]));
  const g = { name: "g", node: [node("Identity", ["a"], ["b"])], output: [valueInfo("b", 1, [1])] };
  const sparse = { values: floatTensor("sv", [1], new Float32Array([3])), indices: int64Tensor("si", [1], [2]), dims: [4] };
  const typeProto = { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 3 }] } } };
  return {
    irVersion: 10,
    opsetImport: [{ domain: "", version: 21 }, { domain: "custom.test", version: 1 }],
    producerName: "round-trip",
    metadataProps: [{ key: "k", value: "v" }],
    graph: {
      name: "main",
      node: [
        {
          opType: "Everything", domain: "custom.test", input: ["x"], output: ["y"], name: "all_attributes",
          attribute: [
            { name: "f", type: 1, f: 0.25 }, { name: "i", type: 2, i: -7 }, { name: "s", type: 3, s: new TextEncoder().encode("text") },
            { name: "t", type: 4, t }, { name: "g", type: 5, g }, { name: "floats", type: 6, floats: [1, 2.5] },
            { name: "ints", type: 7, ints: [3, -4, 2 ** 40] }, { name: "strings", type: 8, strings: [new Uint8Array([0x61]), new Uint8Array([])] },
            { name: "tensors", type: 9, tensors: [t, t] }, { name: "graphs", type: 10, graphs: [g, g] },
            { name: "sparse", type: 11, sparseTensor: sparse } as never, { name: "sparses", type: 12, sparseTensors: [sparse] } as never,
            { name: "tp", type: 13, tp: typeProto } as never, { name: "tps", type: 14, typeProtos: [typeProto] } as never,
            { name: "ref", type: 2, refAttrName: "outer" },
          ],
          // ONNX 1.16+: node metadata and overload
          metadataProps: [{ key: "node", value: "meta" }], overload: "o1",
        } as never,
        node("If", ["cond"], ["z"], [{ name: "then_branch", type: 5, g }, { name: "else_branch", type: 5, g }]),
      ],
      initializer: [t, { name: "int4", dataType: 22, dims: [3], rawData: new Uint8Array([0x21, 0x03]) }],
      sparseInitializer: [sparse],
      input: [valueInfo("x", 1, ["n", 2]), valueInfo("cond", 9, [])],
      output: [valueInfo("y", 1), valueInfo("z", 1)],
    },
    // ONNX 1.15+: function attribute_proto and value_info
    functions: [{ name: "fn", domain: "custom.test", input: ["a"], output: ["b"], node: [node("Identity", ["a"], ["b"])],
      attributeProto: [{ name: "alpha", type: 1, f: 1 }], valueInfo: [valueInfo("b", 1)], opsetImport: [{ domain: "", version: 21 }] } as never],
  };
}

describe("a model with every attribute type, subgraphs and new fields", () => {
  const bytes = encodeModel(everythingModel());

  it("re-encodes to the same bytes", () => {
    expect(Buffer.from(encodeModel(decodeModel(bytes))).equals(Buffer.from(bytes))).toBe(true);
  });

  it("keeps the fields onnx-proto (ONNX 1.10) does not know", () => {
    const model = decodeModel(bytes) as unknown as { functions: { attributeProto: unknown[] }[]; graph: { node: { overload: string }[] } };
    expect(model.functions[0].attributeProto).toHaveLength(1);
    expect(model.graph.node[0].overload).toBe("o1");
  });

  it.skipIf(pythonOnnxMissing)(`Python onnx re-serialises our bytes unchanged ${pythonOnnxMissing ?? ""}`, () => {
    expect(Buffer.from(pythonReserialize(bytes)).equals(Buffer.from(bytes))).toBe(true);
  });
});
