/**
 * Non-numbers in a numeric column of a file: by default each is treated as missing (the model is
 * the one trained on the records with those values null), counted in report.json, and the first
 * few are listed with their line numbers — counted here by hand on a CSV with a quoted field
 * spanning two lines and blank lines. `--strict` stops at the first with exit 1 and writes nothing.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { trainFromFile, trainFromRecords } from "../../../../training/pipeline.ts";
import { OPTIONS, tempDir, type Row } from "./fixtures.ts";

const root = join(import.meta.dirname, "../../../..");
const tmp = tempDir("maas-bad-values-");
afterAll(() => tmp.remove());

/** 80 rows of a, b (numbers), note (text), label; `b` holds "oops<i>" in the rows listed. */
const BAD_ROWS = [5, 17, 18, 40, 41, 60, 77];
function dataset(): { rows: Row[]; csv: string; lineOf: Map<number, number> } {
  const rows: Row[] = [];
  const lines = ["a,b,note,label"];
  const lineOf = new Map<number, number>();
  for (let i = 0; i < 80; i++) {
    const a = ((i * 7) % 19) - 9;
    const b = ((i * 5) % 13) / 2;
    const note = i === 2 ? "first\nsecond" : `n${i % 4}`;
    const row: Row = { a, b: BAD_ROWS.includes(i) ? `oops${i}` : b, note, label: a + b > 1 ? "yes" : "no" };
    rows.push(row);
    if (i === 30 || i === 50) lines.push(""); // blank lines are skipped
    lineOf.set(i, lines.length + 1 + (i > 2 ? 1 : 0)); // the quoted newline in row 2 adds a line
    lines.push([a, row.b, i === 2 ? `"first\nsecond"` : note, row.label].join(","));
  }
  return { rows, csv: `${lines.join("\n")}\n`, lineOf };
}

describe("bad values in a numeric column", () => {
  const { rows, csv, lineOf } = dataset();
  const file = tmp.path("bad.csv");
  writeFileSync(file, csv);
  // Sanity of the hand count: the line holds the bad value.
  for (const i of BAD_ROWS) expect(csv.split("\n")[lineOf.get(i)! - 1]).toContain(`oops${i},`);

  it("are treated as missing, counted, and the first five listed with their lines", async () => {
    const result = await trainFromFile(file, OPTIONS);
    const asMissing = rows.map((r) => (typeof r.b === "string" ? { ...r, b: null } : r));
    const reference = await trainFromRecords(asMissing, OPTIONS);
    expect(Buffer.from(result.bytes).equals(Buffer.from(reference.bytes))).toBe(true);
    const b = result.report.features.find((f) => f.name === "b")!;
    expect(b).toMatchObject({ kind: "numeric", missing: 0, badValues: BAD_ROWS.length });
    expect(result.report.data.badValues).toEqual(BAD_ROWS.slice(0, 5).map((i) => ({ at: `line ${lineOf.get(i)}`, column: "b", value: `oops${i}` })));
  });

  it("the CLI warns about each listed value and counts the rest", () => {
    const out = tmp.path("out-default");
    const run = spawnSync(process.execPath, [join(root, "scripts/cli.ts"), "train", file, "--target", "label", "--epochs", "2", "--out", out], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const warnings = run.stderr.trim().split("\n");
    expect(warnings.slice(0, 5)).toEqual(BAD_ROWS.slice(0, 5).map((i) => `warning: line ${lineOf.get(i)}, column "b": "oops${i}" is not a number; treated as missing`));
    expect(warnings[5]).toMatch(/^warning: 2 more non-numbers in numeric columns \(b: 7\)/);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(report.features.find((f: { name: string }) => f.name === "b").badValues).toBe(7);
  });

  it("--strict stops at the first with its line, exit 1, and no output", () => {
    const out = tmp.path("out-strict");
    const run = spawnSync(process.execPath, [join(root, "scripts/cli.ts"), "train", file, "--target", "label", "--strict", "--out", out], { encoding: "utf8" });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith(`: row 6, column "b": "oops5" is not a number (line ${lineOf.get(5)} of ${file}; --strict)`), lines[0]).toBe(true);
    expect(existsSync(out)).toBe(false);
  });

  it("JSONL: the line of the record (blank lines counted)", async () => {
    const jsonl = tmp.path("bad.jsonl");
    writeFileSync(jsonl, ["", ...rows.map((r) => JSON.stringify(r))].join("\n"));
    const result = await trainFromFile(jsonl, OPTIONS);
    expect(result.report.data.badValues?.[0]).toEqual({ at: "line 7", column: "b", value: "oops5" });
  });
});
