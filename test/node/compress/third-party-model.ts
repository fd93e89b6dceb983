/**
 * The third-party ONNX file for round-trip and quantization tests: openwakeword-js's hello_deepa.onnx
 * (a PyTorch 2.8 export: Flatten, 3 Gemm with transB, LayerNorm-as-primitives, Sigmoid).
 * MAAS_THIRD_PARTY_ONNX overrides the path; tests skip with this message when it is absent.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileMissing } from "../../fixtures/tools.ts";

const path = process.env.MAAS_THIRD_PARTY_ONNX ?? resolve(import.meta.dirname, "../../../node_modules/openwakeword-js/models/hello_deepa.onnx");

export const thirdPartyMissing: string | undefined = fileMissing(path, "the third-party model (the openwakeword-js devDependency, or MAAS_THIRD_PARTY_ONNX)");

export function thirdPartyBytes(): Uint8Array {
  return new Uint8Array(readFileSync(path));
}
