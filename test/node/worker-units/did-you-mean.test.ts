/**
 * What counts as a near miss (shared/did-you-mean.ts): the typos callers make are offered a
 * correction; names merely sharing letters, and mistyped numbers, are not.
 */
import { describe, expect, it } from "vitest";
import { didYouMean, nearMiss } from "../../../shared/did-you-mean.ts";

const models = ["breast-cancer", "iris", "mlp", "regression", "ocr-direction-int8", "ocr-direction-int8-dynamic"];

describe("nearMiss", () => {
  it("offers the name a typo was meant to be: a letter dropped, doubled, swapped or changed, or the case", () => {
    expect(nearMiss("breast-cancr", models)).toBe("breast-cancer");
    expect(nearMiss("regresion", models)).toBe("regression");
    expect(nearMiss("irsi", models)).toBe("iris"); // two neighbours swapped: one slip, though two Levenshtein edits
    expect(nearMiss("lmp", models)).toBe("mlp");
  });

  it("allows more edits for longer names, none for two characters or fewer", () => {
    expect(nearMiss("mlpp", models)).toBe("mlp");
    expect(nearMiss("ml", models)).toBeUndefined();
    expect(nearMiss("ocr-direction-int8-dinamic", models)).toBe("ocr-direction-int8-dynamic");
    expect(nearMiss("Inputs", ["inputs", "outputs"])).toBe("inputs");
    expect(nearMiss("ID", ["id"])).toBe("id");
  });

  it("offers nothing for a name far from every candidate, for a number, or for an exact match", () => {
    expect(nearMiss("zzzzzzzz", models)).toBeUndefined();
    expect(nearMiss("cancer", models)).toBeUndefined();
    expect(nearMiss("7", ["1", "2", "latest"])).toBeUndefined();
    expect(nearMiss("124", ["123"])).toBeUndefined();
    expect(nearMiss("iris", models)).toBeUndefined();
    expect(nearMiss("anything", [])).toBeUndefined();
  });

  it("picks the nearest of several near ones", () => {
    expect(nearMiss("stabel", ["stable", "staging", "latest"])).toBe("stable");
    expect(nearMiss("ocr-direction-int8-", models)).toBe("ocr-direction-int8");
  });
});

it("didYouMean words the suggestion, or says nothing", () => {
  expect(didYouMean("instance", ["instances", "inputs"])).toBe(' (did you mean "instances"?)');
  expect(didYouMean("zzz", ["instances"])).toBe("");
});
