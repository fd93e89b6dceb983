/**
 * Whether the Worker configured in wrangler.toml will serve a model: its session cache refuses
 * (503) a model whose estimated onnxruntime-web memory (the manifest's memoryBytes) is over
 * MODEL_CACHE_BUDGET_MB. `maas push` says so when it publishes one, instead of the first request.
 */
import { readFileSync } from "node:fs";
import { DEFAULT_MODEL_CACHE_BUDGET_MB } from "../../functions/settings.ts";
import { memoryCharge, type Manifest } from "../../functions/registry/manifest.ts";
import type { Fp32Prepacking } from "../../functions/sessions/prepacking.ts";
import { WRANGLER_CONFIG } from "./paths.ts";

const MIB = 1024 * 1024;

/** MODEL_CACHE_BUDGET_MB from a wrangler.toml's [vars], or the Worker's default. */
export function configuredBudgetMb(wranglerToml: string): number {
  const vars = /^\[vars\]\s*$([\s\S]*?)(?=^\s*\[|(?![\s\S]))/m.exec(wranglerToml)?.[1] ?? "";
  const value = /^\s*MODEL_CACHE_BUDGET_MB\s*=\s*"?\s*([\d.]+)\s*"?/m.exec(vars)?.[1];
  const parsed = Number(value);
  return value !== undefined && Number.isFinite(parsed) ? parsed : DEFAULT_MODEL_CACHE_BUDGET_MB;
}

/** One line saying why the Worker will refuse the model, or undefined when it fits. */
export function overBudgetWarning(manifest: Manifest, wranglerToml = readFileSync(WRANGLER_CONFIG, "utf8")): string | undefined {
  const budgetMb = configuredBudgetMb(wranglerToml);
  const charged = memoryCharge(manifest);
  if (charged <= budgetMb * MIB) return undefined;
  const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;
  const size =
    charged === manifest.bytes ? `is ${mib(charged)}` : `would take ~${mib(charged)} of onnxruntime-web's memory (a ${mib(manifest.bytes)} file)`;
  return (
    `warning: ${manifest.name} version ${manifest.version} ${size}, over the Worker's MODEL_CACHE_BUDGET_MB ` +
    `(${budgetMb} in wrangler.toml): it will answer 503 until the budget is raised; ` +
    `maas quantize --mode int8-dynamic keeps weights at a quarter of fp32 in memory`
  );
}

/** A Cloudflare isolate's memory limit. */
export const ISOLATE_LIMIT_BYTES = 128 * MIB;
/**
 * onnxruntime-web's own start in the isolate (JS heap + wasm memory, read through workerd's
 * inspector by `npm run bench`): what every model's memory comes on top of.
 */
export const ORT_BASE_BYTES = 25 * MIB;

export interface IsolateFit {
  /** The isolate's estimated peak while the model loads: ORT's base + the blob + ORT's copy of the weights. */
  peakBytes: number;
  /** The largest file stored the same way (same memory per file byte) whose peak fits 128 MB. */
  largestFileBytes: number;
  fits: boolean;
}

/**
 * `prepacking`: how the file was pushed. By default larger files are not prepacked (prepacking.ts),
 * so the extrapolation leaves the copy out; pushed with --prepack ("always"), a larger file's
 * weights would be copied too.
 */
export function isolateFit(manifest: Manifest, prepacking: Fp32Prepacking = "auto"): IsolateFit {
  const copyPerFile = prepacking === "always" ? 0 : (manifest.prepackedBytes ?? 0);
  const perFileByte = (manifest.bytes + memoryCharge(manifest) - copyPerFile) / manifest.bytes;
  const peakBytes = ORT_BASE_BYTES + manifest.bytes + memoryCharge(manifest);
  return { peakBytes, largestFileBytes: Math.floor((ISOLATE_LIMIT_BYTES - ORT_BASE_BYTES) / perFileByte), fits: peakBytes <= ISOLATE_LIMIT_BYTES };
}

/** One line: whether the model fits a 128 MB isolate, and the largest file stored like it that does. */
export function isolateFitLine(manifest: Manifest, prepacking: Fp32Prepacking = "auto"): string {
  const fit = isolateFit(manifest, prepacking);
  const stored = (manifest.quantization ? `as ${manifest.quantization}` : "as this one") + (prepacking === "always" ? " and pushed with --prepack" : "");
  return (
    `${fit.fits ? "fits" : "does not fit"} a 128 MB isolate: ~${(fit.peakBytes / MIB).toFixed(0)} MiB at its peak while loading ` +
    `(onnxruntime-web's ~${ORT_BASE_BYTES / MIB} MiB + the file + its weights in ORT); files stored ${stored} fit up to ~${(fit.largestFileBytes / 1e6).toFixed(0)} MB`
  );
}
