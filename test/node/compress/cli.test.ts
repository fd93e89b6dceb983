/**
 * The commands end to end: bad input gets one clear line and exit 1, the input file is never
 * modified and no output (or partial file) is left behind; a good run writes a file whose summary
 * matches it.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { estimateHeapBytes } from "../../../functions/sessions/heap-estimate.ts";
import { TRAINING_KEY } from "../../../training/export/inference-graph.ts";
import { COMPRESSION_KEY } from "../../../shared/compression-record.ts";
import { DataType, decodeModel, floatTensor, readMetadata } from "../../../training/onnx/model-io.ts";
import { trainFromRecords } from "../../../training/pipeline.ts";
import { matMulModel, modelBytes, node, randomMatrix, valueInfo } from "./fixtures.ts";
import { maas } from "./run-cli.ts";
import { syntheticRecords } from "./synthetic-data.ts";

const sha = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");

const dir = mkdtempSync(join(tmpdir(), "maas-compress-cli-"));
const good = join(dir, "good.onnx");
writeFileSync(good, matMulModel(64, 32, randomMatrix(64, 32, 1)));
const text = join(dir, "notes.onnx");
writeFileSync(text, "this is not a model\n");
const truncated = join(dir, "truncated.onnx");
writeFileSync(truncated, readFileSync(good).subarray(0, 3000));
const nothing = join(dir, "relu.onnx");
writeFileSync(nothing, modelBytes({
  name: "relu", node: [node("MatMul", ["A", "B"], ["C"]), node("Relu", ["C"], ["Y"])],
  input: [valueInfo("A", DataType.FLOAT, [2, 3]), valueInfo("B", DataType.FLOAT, [3, 2])], output: [valueInfo("Y", DataType.FLOAT, [2, 2])],
}));

const csv = join(dir, "data.csv");
writeFileSync(csv, "a,b,y\n1,2,p\n3,4,q\n5,6,p\n");

describe.each([
  ["a text file", ["quantize", text, "--mode", "int8", "--out", join(dir, "o1.onnx")], /not (a valid )?ONNX|not an ONNX/],
  ["a truncated file", ["quantize", truncated, "--mode", "int8", "--out", join(dir, "o2.onnx")], /not a valid ONNX model/],
  ["an unknown mode", ["quantize", good, "--mode", "int3", "--out", join(dir, "o3.onnx")], /--mode must be one of/],
  ["a model with nothing to quantize", ["quantize", nothing, "--mode", "int4", "--out", join(dir, "o4.onnx")], /nothing to quantize/],
  ["a missing file", ["quantize", join(dir, "absent.onnx"), "--mode", "fp16", "--out", join(dir, "o5.onnx")], /cannot read/],
  ["a bad block size", ["quantize", good, "--mode", "int4", "--block-size", "48", "--out", join(dir, "o6.onnx")], /--block-size/],
  ["--out equal to the input", ["quantize", good, "--mode", "int8", "--out", good], /is the input file/],
  ["--keep-report with --strip-report", ["quantize", good, "--mode", "int8", "--keep-report", "--strip-report", "--out", join(dir, "o13.onnx")], /contradict/],
  ["a bad sparsity", ["prune", good, "--sparsity", "1.5", "--out", join(dir, "o7.onnx")], /--sparsity/],
  ["--eval on a model without a feature schema", ["quantize", good, "--mode", "int8", "--eval", csv, "--target", "y", "--out", join(dir, "o9.onnx")], /maas train/],
  ["--finetune on a model not made by maas train", ["prune", good, "--sparsity", "0.5", "--finetune", csv, "--target", "y", "--out", join(dir, "o10.onnx")], /maas train/],
  ["distill from a teacher that is not ONNX", ["distill", "--teacher", text, "--data", csv, "--target", "y", "--out", join(dir, "o11")], /not (a valid )?ONNX|not an ONNX/],
  
  ["pruning a model without weights", ["prune", nothing, "--sparsity", "0.5", "--out", join(dir, "o8.onnx")], /nothing to prune/],
])("%s", (_label, args, message) => {
  it("prints one line, exits 1, leaves the input alone and writes nothing", () => {
    const inputs = args.filter((a) => existsSync(a));
    const before = inputs.map(sha);
    const filesBefore = readdirSync(dir).sort();
    const result = maas(args);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(inputs.map(sha)).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(filesBefore);
  });
});

describe("a good run", () => {
  it.each(["int8", "int8-dynamic", "int4", "fp16"])("quantize --mode %s --json describes the file it wrote", (mode) => {
    const out = join(dir, `good-${mode}.onnx`);
    const before = sha(good);
    const result = maas(["quantize", good, "--mode", mode, "--out", out, "--json"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.size.after.bytes).toBe(readFileSync(out).length);
    expect(summary.size.before.bytes).toBe(readFileSync(good).length);
    expect(summary.layers.length).toBeGreaterThan(0);
    expect(summary.layers.every((l: { scheme?: string }) => typeof l.scheme === "string" && l.scheme.length > 0)).toBe(true);
    expect(summary.difference.web[0].relativeL2).toBeLessThan(0.2);
    expect(sha(good)).toBe(before);
  });

  it("a model random inputs cannot drive is still quantized and checked to load", () => {
    // Gather with int64 indices: random indices in [0, 10) fall outside the 3-row table.
    const gather = join(dir, "gather.onnx");
    writeFileSync(gather, modelBytes({
      name: "gather",
      node: [node("Gather", ["table", "idx"], ["rows"]), node("MatMul", ["rows", "W"], ["Y"])],
      initializer: [floatTensor("table", [3, 4], randomMatrix(3, 4, 2)), floatTensor("W", [4, 8], randomMatrix(4, 8, 3))],
      input: [valueInfo("idx", DataType.INT64, [5])],
      output: [valueInfo("Y", DataType.FLOAT, [5, 8])],
    }));
    const result = maas(["quantize", gather, "--mode", "int4", "--out", join(dir, "gather-int4.onnx")]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/output difference not measured \(the source model does not run on random inputs: .*\); the output loads/);
  });

  it("prune reports 50% zeros and what they buy", () => {
    const out = join(dir, "pruned.onnx");
    const result = maas(["prune", good, "--sparsity", "0.5", "--out", out]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/zeros 0\.0% -> 50\.0%/);
    expect(result.stdout).toMatch(/gzip/);
  });

  describe("the trainer's report (loss curve, confusion matrix) of a model made by maas train", () => {
    const trained = join(dir, "trained.onnx");
    const trainData = join(dir, "train.csv");
    let source: Uint8Array;
    beforeAll(async () => {
      const records = syntheticRecords(300, 1);
      const teacher = await trainFromRecords(records, {
        targets: ["label"], hidden: [16], activation: "relu", optimizer: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
        learningRate: 0.01, epochs: 5, batchSize: 32, seed: 1, validationFraction: 0.15, testFraction: 0,
      });
      source = teacher.bytes;
      writeFileSync(trained, source);
      writeFileSync(trainData, [Object.keys(records[0]).join(","), ...records.map((r) => Object.values(r).join(","))].join("\n"));
    });

    /** The report's size in the source; checks that everything else in the metadata is as it was, and whether the report is there. */
    function expectMetadata(outPath: string, report: "dropped" | "kept"): number {
      const before = readMetadata(decodeModel(source));
      const after = readMetadata(decodeModel(readFileSync(outPath)));
      const { history, confusion, ...network } = JSON.parse(before[TRAINING_KEY]);
      expect(history.length).toBeGreaterThan(0);
      expect(confusion.length).toBe(4);
      expect(JSON.parse(after[TRAINING_KEY])).toEqual(report === "dropped" ? network : { ...network, history, confusion });
      const { [COMPRESSION_KEY]: record, ...rest } = after;
      expect(JSON.parse(record)).toHaveLength(1); // what was done (checked in compression-record.test.ts)
      expect({ ...rest, [TRAINING_KEY]: "" }).toEqual({ ...before, [TRAINING_KEY]: "" }); // maas.schema, maas.metrics unchanged
      return before[TRAINING_KEY].length - JSON.stringify(network).length;
    }

    it.each([[[]], [["--strip-report"]]])("quantize %j leaves it out (the network description, schema and metrics stay) and says so", (extra) => {
      const out = join(dir, `trained-int8${extra.join("")}.onnx`);
      const result = maas(["quantize", trained, "--mode", "int8", ...extra, "--out", out, "--json"]);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      const bytes = expectMetadata(out, "dropped");
      expect(bytes).toBeGreaterThan(200);
      const summary = JSON.parse(result.stdout);
      expect(summary.trainingReport).toEqual({ report: "dropped", bytes });
      expect(summary.reportBytesStripped).toBe(bytes);
      expect(summary.size.after.bytes).toBe(readFileSync(out).length);
      expect(summary.workerMemory.after).toBe(estimateHeapBytes(new Uint8Array(readFileSync(out))));
      expect(summary.workerMemory.after).toBeGreaterThan(summary.size.after.bytes); // int8 weights are held as fp32 too

      const text = maas(["quantize", trained, "--mode", "int4", ...extra, "--out", join(dir, `trained-int4${extra.join("")}.onnx`)]);
      expect(text.status).toBe(0);
      expect(text.stdout).toMatch(/^training report dropped: the source model's loss curve and confusion matrix \(\d+ B of metadata\) are not in the output \(--keep-report keeps them\)$/m);
      expect(text.stdout).toMatch(/^  serving: onnxruntime-web unpacks these 4-bit weights to fp32 on every run .* --mode int8-dynamic is the fast, small mode to serve$/m);
      expect(text.stdout).toMatch(/^  Worker memory: onnxruntime-web holds ~[\d.]+ [KM]?i?B for the output \(~[\d.]+ [KM]?i?B for the input\); this is what MODEL_CACHE_BUDGET_MB is charged$/m);
    });

    it("quantize --keep-report keeps it", () => {
      const out = join(dir, "trained-int8-kept.onnx");
      const result = maas(["quantize", trained, "--mode", "int8", "--keep-report", "--out", out, "--json"]);
      expect(result.status).toBe(0);
      const bytes = expectMetadata(out, "kept");
      expect(JSON.parse(result.stdout)).toMatchObject({ trainingReport: { report: "kept", bytes }, reportBytesStripped: 0 });
      const dropped = join(dir, "trained-int8-dropped.onnx");
      expect(maas(["quantize", trained, "--mode", "int8", "--out", dropped]).status).toBe(0);
      // The metadata string's bytes, give or take a byte of protobuf length prefix.
      expect(Math.abs(readFileSync(out).length - readFileSync(dropped).length - bytes)).toBeLessThanOrEqual(2);
    });

    it("prune leaves it out too (with and without --finetune), compares sizes without it, and keeps it with --keep-report", () => {
      for (const extra of [[], ["--finetune", trainData, "--target", "label", "--epochs", "2"]]) {
        const out = join(dir, `pruned-trained${extra.length}.onnx`);
        const result = maas(["prune", trained, "--sparsity", "0.5", ...extra, "--out", out, "--json"]);
        expect(result.stderr).toBe("");
        expect(result.status).toBe(0);
        const bytes = expectMetadata(out, "dropped");
        const summary = JSON.parse(result.stdout);
        expect(summary.trainingReport).toEqual({ report: "dropped", bytes });
        expect(summary.size.dense.pruned.bytes).toBe(readFileSync(out).length);
        expect(Math.abs(summary.size.dense.source.bytes - (source.length - bytes))).toBeLessThanOrEqual(2); // the source without its report
      }
      const out = join(dir, "pruned-trained-kept.onnx");
      const kept = maas(["prune", trained, "--sparsity", "0.5", "--keep-report", "--out", out]);
      expect(kept.status).toBe(0);
      expect(kept.stdout).toMatch(/^training report kept \(--keep-report\)/m);
      expectMetadata(out, "kept");
    });

    it("a model without a report: nothing said unless a report option was given", () => {
      const quiet = maas(["quantize", good, "--mode", "int8", "--out", join(dir, "good-no-report.onnx")]);
      expect(quiet.status).toBe(0);
      expect(quiet.stdout).not.toMatch(/training report/);
      expect(quiet.stdout).toMatch(/^  serving: onnxruntime-web dequantizes these weights to fp32 on every run .* --mode int8-dynamic is the fast, small mode to serve$/m);
      const asked = maas(["quantize", good, "--mode", "int8", "--keep-report", "--out", join(dir, "good-no-report-kept.onnx"), "--json"]);
      expect(asked.status).toBe(0);
      expect(JSON.parse(asked.stdout).trainingReport).toEqual({ report: "none", bytes: 0 });
      const text = maas(["quantize", good, "--mode", "int8", "--strip-report", "--out", join(dir, "good-no-report-stripped.onnx")]);
      expect(text.stdout).toMatch(/^the source model has no training report$/m);
    });
  });

  it("quantize --help documents the options: --keep-report, and --strip-report as a no-op", () => {
    const result = maas(["quantize", "--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^usage: maas quantize IN --mode/);
    expect(result.stdout).toMatch(/--keep-report +keep the trainer's loss curve and confusion matrix/);
    expect(result.stdout).toMatch(/--strip-report +accepted for compatibility and does nothing/);
  });

  it("prune --help documents --keep-report", () => {
    const result = maas(["prune", "--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^usage: maas prune IN --sparsity/);
    expect(result.stdout).toMatch(/--keep-report +keep the trainer's loss curve and confusion matrix/);
  });
});
