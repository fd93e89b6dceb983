/** onnxruntime-web starts with the isolate (functions/ort/warm-up.ts), inside workerd. */
import { describe, expect, it } from "vitest";
import { ortWarmedUp } from "../../functions/ort/warm-up.ts";

describe("isolate warm-up", () => {
  it("creates and runs its start-up session without error", async () => {
    expect(await ortWarmedUp).toEqual({ ok: true });
  });
});
