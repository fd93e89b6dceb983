/**
 * The check behind the opset upgrade and the BatchNormalization fold (training/compress/same-as-source.ts):
 * a rewrite that changes what the model computes is refused in one line naming the output, before
 * anything is written; an exact copy passes. The reference is onnxruntime-node running the source.
 */
import { describe, expect, it } from "vitest";
import { decodeModel } from "../../../training/onnx/model-io.ts";
import { randomFeeds } from "../../../training/compress/random-feeds.ts";
import { expectSameAsSource } from "../../../training/compress/same-as-source.ts";
import { matMulModel, randomMatrix } from "./fixtures.ts";

class RewriteError extends Error {}
const check = { rewritten: "the rewritten model", relativeL2: 1e-5, fail: (message: string) => new RewriteError(message) };

describe("the same-as-source check", () => {
  const source = matMulModel(8, 4, randomMatrix(8, 4, 3));
  const feeds = randomFeeds(decodeModel(source), 5, 2, {});

  it("passes a copy, with every output's difference", async () => {
    const differences = await expectSameAsSource(source, decodeModel(source), feeds, {}, check);
    expect(differences.length).toBeGreaterThan(0);
    for (const d of differences) expect(d.relativeL2).toBe(0);
  });

  it("refuses a model whose weights moved, naming the output and the difference", async () => {
    const changed = decodeModel(matMulModel(8, 4, randomMatrix(8, 4, 3, 1.01)));
    await expect(expectSameAsSource(source, changed, feeds, {}, check)).rejects.toThrow(
      /^the rewritten model computes a different \S+ than the source \(relative L2 \S+ > 0\.00001\); nothing was written$/,
    );
    // Unless every element is within the absolute bound the caller allows.
    await expect(expectSameAsSource(source, changed, feeds, {}, { ...check, maxAbs: 10 })).resolves.toBeDefined();
  });
});
