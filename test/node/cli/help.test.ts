/**
 * One convention for every command: `--help`/`-h` prints its full usage (every option its parser
 * accepts) and exits 0, `maas help CMD` prints the same, and an unknown option is one line with the
 * usage hint and exit 2. The commands are those the general help lists, so a new command is checked
 * as soon as it is listed.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { commands, runCli as runInProcess } from "../../../scripts/cli.ts";
import { runCli } from "../registry/helpers.ts";

/** Runs the dispatcher in this process (fast: no new Node per command), capturing what it prints. */
async function inProcess(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (err.push(String(chunk)), true));
  try {
    const code = await runInProcess(argv);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    vi.restoreAllMocks();
  }
}

afterEach(() => vi.restoreAllMocks());

describe("maas --help", () => {
  let listed: string[] = [];

  it("lists the commands (a child process, as a user runs it)", async () => {
    const run = await runCli(["--help"]);
    expect(run.code).toBe(0);
    listed = [...run.stdout.matchAll(/^ {2}([a-z][a-z-]*) {2,}/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(Object.keys(commands).sort());
  });

  it("every listed command prints its usage with every option its parser accepts, and exits 0", async () => {
    expect(listed.length).toBeGreaterThan(10);
    for (const name of listed) {
      const mod = await commands[name].load();
      for (const flag of ["--help", "-h"]) {
        const run = await inProcess([name, flag]);
        expect(run.code, `${name} ${flag}`).toBe(0);
        expect(run.stdout, name).toBe(`${mod.usage.trimEnd()}\n`);
        expect(run.stdout, name).toMatch(new RegExp(`^usage: maas ${name}\\b`));
      }
      for (const [option, spec] of Object.entries(mod.options)) {
        expect(mod.usage, `maas ${name} --help lists --${option}`).toMatch(new RegExp(`--${option}\\b`));
        if (spec.short) expect(mod.usage, `maas ${name} --help lists -${spec.short}`).toMatch(new RegExp(`(^|\\s)-${spec.short}\\b`));
      }
      expect(await inProcess(["help", name]), `maas help ${name}`).toEqual(await inProcess([name, "--help"]));
    }
  });

  it("every listed command refuses an unknown option in one line with the usage hint, exit 2", async () => {
    for (const name of listed) {
      const run = await inProcess([name, ...(name === "keys" ? ["create"] : name === "alias" ? ["set"] : []), "--no-such-option"]);
      expect(run.code, name).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toBe(`maas ${name}: unknown option '--no-such-option' (see maas ${name} --help)\n`);
    }
  });

  it("subcommands answer --help too, in a child process: keys create, alias set; distill lists --epochs, --lr, --batch-size", async () => {
    const [keys, alias, distill, helpDistill] = await Promise.all([
      runCli(["keys", "create", "--help"]), runCli(["alias", "set", "-h"]), runCli(["distill", "--help"]), runCli(["help", "distill"]),
    ]);
    for (const run of [keys, alias, distill]) expect(run.code, run.stderr).toBe(0);
    expect(keys.stdout).toMatch(/^usage: maas keys create --name NAME/);
    expect(alias.stdout).toMatch(/^usage: maas alias set NAME ALIAS VERSION/);
    for (const option of ["--epochs", "--lr", "--batch-size", "--hidden", "--temperature", "--alpha"]) expect(distill.stdout).toContain(option);
    expect(helpDistill).toEqual(distill);
  });

  it("a missing required option is a usage error: one line, the hint, exit 2", async () => {
    const run = await inProcess(["distill", "--teacher", "t.onnx", "--data", "d.csv", "--out", "o"]);
    expect(run).toEqual({ code: 2, stdout: "", stderr: "maas distill: --target is required (see maas distill --help)\n" });
    const unknown = await inProcess(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('maas: unknown command "frobnicate" (see maas --help)\n');
  });

  it("a typo is answered with what was likely meant: a command, an option, a subcommand, an option's value", async () => {
    const cases: Array<[string[], string]> = [
      [["trian"], 'maas: unknown command "trian" (did you mean "train"?) (see maas --help)\n'],
      [["train", "data.csv", "--targt", "y"], "maas train: unknown option '--targt' (did you mean \"--target\"?) (see maas train --help)\n"],
      [["push", "m.onnx", "--nmae", "x"], "maas push: unknown option '--nmae' (did you mean \"--name\"?) (see maas push --help)\n"],
      [["keys", "craete"], 'maas keys: unknown subcommand "craete" (did you mean "create"?): maas keys create --name NAME (see maas keys --help)\n'],
      [["quantize", "in.onnx", "--mode", "int8-dynamc", "--out", "o.onnx"], 'maas quantize: --mode must be one of int8, int8-dynamic, int4, fp16 (got int8-dynamc) (did you mean "int8-dynamic"?)\n'],
    ];
    for (const [argv, stderr] of cases) {
      const run = await inProcess(argv);
      expect(run.stderr, argv.join(" ")).toBe(stderr);
      expect(run.code).toBe(stderr.includes("(see maas") ? 2 : 1);
    }
  });
});
