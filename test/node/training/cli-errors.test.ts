/** Bad input ends with one clear line, exit code 1, and no output directory (run as a real process). */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../..");
const dir = mkdtempSync(join(tmpdir(), "maas-train-errors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function train(args: string[]) {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const run = spawnSync(process.execPath, [join(root, "scripts/cli.ts"), "train", ...args, "--out", out, "--epochs", "2"], { encoding: "utf8" });
  return { ...run, out };
}

const good = "a,b,label\n1,2,x\n2,3,y\n3,4,x\n4,5,y\n5,6,x\n6,7,y\n";
const cases: Array<[string, () => string[], RegExp]> = [
  ["missing target column", () => [file("t1.csv", good), "--target nope"].flatMap((s) => s.split(" ")), /target column "nope" not found \(columns: a, b, label\)$/m],
  ["mistyped target column", () => [file("t1b.csv", good), "--target", "lable"], /target column "lable" not found \(did you mean "label"\?\) \(columns: a, b, label\)$/m],
  ["empty file", () => [file("t2.csv", ""), "--target", "label"], /is empty/],
  ["header only", () => [file("t3.csv", "a,b,label\n"), "--target", "label"], /no data rows/],
  ["a target with one class", () => [file("t4.csv", "a,label\n1,x\n2,x\n3,x\n"), "--target", "label", "--task", "classification"], /only one class/],
  // Without --strict a non-number in a numeric column is treated as missing (see bad-values.test.ts).
  ["garbage in a numeric column, with --strict", () => [file("t5.csv", good.replace("3,4,x", "3,oops,x")), "--target", "label", "--strict"], /row 3, column "b": "oops" is not a number \(line 4 of /],
  ["an unreadable file", () => [join(dir, "does-not-exist.csv"), "--target", "label"], /cannot read .*ENOENT/],
  ["invalid JSON", () => [file("t6.json", "[{\"a\": 1,"), "--target", "label"], /not valid JSON/],
];

describe("maas train on bad input", () => {
  for (const [name, args, message] of cases) {
    it(name, () => {
      const run = train(args());
      expect(run.status).toBe(1);
      const lines = run.stderr.trim().split("\n");
      expect(lines, run.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(existsSync(run.out)).toBe(false);
      expect(readdirSync(dir).some((f) => f.includes(".tmp-"))).toBe(false);
    });
  }

  it("writes model.onnx, report.json and report.html for good input", () => {
    const run = train([file("ok.jsonl", good.split("\n").slice(1).filter(Boolean).map((l) => { const [a, b, label] = l.split(","); return JSON.stringify({ a: Number(a), b, label }); }).join("\n")), "--target", "label", "--json"]);
    expect(run.status, run.stderr).toBe(0);
    expect(readdirSync(run.out).sort()).toEqual(["model.onnx", "report.html", "report.json"]);
    expect(JSON.parse(run.stdout).task).toBe("classification");
  });
});

