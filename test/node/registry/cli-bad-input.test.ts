/**
 * Each publishing command's bad input: one line on stderr naming the problem, nothing on stdout;
 * exit 2 for a wrong command line (with the usage hint), 1 for everything else.
 */
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimablePort } from "../../../scripts/registry/local-server.ts";
import { mlpModel } from "../../fixtures/models.ts";
import { runCli, runOk, tempDir, writeModel } from "./helpers.ts";

let dir: { path: string; remove: () => Promise<void> };
let env: Record<string, string>;
let model: string;
let garbage: string;
let busy: Server;
let busyPort: number;
let closedPort: number;

beforeAll(async () => {
  dir = await tempDir("maas-bad-input-");
  env = { MAAS_STATE_DIR: `${dir.path}/state` };
  model = await writeModel(dir.path, "m.onnx", mlpModel(5));
  garbage = await writeModel(dir.path, "garbage.onnx", new TextEncoder().encode("this is not a protobuf model at all"));
  await runOk(["push", model, "--name", "m"], env);
  await runOk(["push", model, "--name", "wine"], env);
  busy = createServer().listen(0, "127.0.0.1");
  await new Promise((r) => busy.once("listening", r));
  busyPort = (busy.address() as { port: number }).port;
  closedPort = await claimablePort(0); // free now, and nothing will listen on it
});

afterAll(async () => {
  busy?.close();
  await dir?.remove();
});

const cases: Array<[string, () => string[], RegExp]> = [
  ["push without FILE", () => ["push", "--name", "m"], /missing FILE/],
  ["push without --name", () => ["push", model], /--name NAME is required/],
  ["push of a missing file", () => ["push", `${dir.path}/nope.onnx`, "--name", "m"], /cannot read .*ENOENT/],
  ["push of a file that is not ONNX", () => ["push", garbage, "--name", "m"], /not an ONNX model|cannot load/],
  ["push with a bad model name", () => ["push", model, "--name", "../etc"], /model name "..\/etc" is not valid/],
  ["push with a bad alias", () => ["push", model, "--name", "m", "--alias", "a b"], /alias "a b" is not valid/],
  ["push --local --remote", () => ["push", model, "--name", "m", "--local", "--remote"], /exclude each other/],
  ["push with an unknown option", () => ["push", model, "--name", "m", "--frobnicate"], /unknown option '--frobnicate'/],
  ["models with an argument", () => ["models", "extra"], /unexpected argument extra/],
  ["alias without a subcommand", () => ["alias"], /missing subcommand: maas alias set/],
  ["alias set without a version", () => ["alias", "set", "m", "latest"], /missing VERSION/],
  ["alias set to a missing version", () => ["alias", "set", "m", "latest", "9"], /m has no version 9; its versions: 1$/m],
  ["alias set on a mistyped model", () => ["alias", "set", "wien", "latest", "1"], /there is no model wien in this registry \(did you mean "wine"\?\)$/m],
  ["alias set on a model far from any", () => ["alias", "set", "mm", "latest", "1"], /there is no model mm in this registry$/m],
  ["alias set with a bad split", () => ["alias", "set", "m", "latest", "1=abc,2=3"], /each side is VERSION=WEIGHT/],
  ["alias set with a one-sided split", () => ["alias", "set", "m", "latest", "--split", "1=100"], /at least two versions/],
  ["rollback without a name", () => ["rollback"], /missing NAME/],
  ["rollback with no history", () => ["rollback", "m"], /no earlier target/],
  ["rollback of a missing alias", () => ["rollback", "m", "--alias", "nope"], /m has no alias nope; its aliases: latest$/m],
  ["rollback of a mistyped alias", () => ["rollback", "m", "--alias", "latset"], /m has no alias latset \(did you mean "latest"\?\); its aliases: latest$/m],
  ["rm without a version", () => ["rm", "m"], /missing NAME or VERSION/],
  ["rm of a missing version", () => ["rm", "m", "7"], /m has no version 7; its versions: 1$/m],
  ["rm of the version latest points at", () => ["rm", "m", "1"], /in use by alias latest/],
  ["serve with a bad port", () => ["serve", "--port", "http"], /--port must be 0-65535/],
  ["serve on a port in use", () => ["serve", "--port", String(busyPort)], /port \d+ on 127.0.0.1 is in use/],
  ["start with a bad port", () => ["start", "--port", "99999"], /--port must be 0-65535/],
  ["predict without --url", () => ["predict", "--model", "m", "--input", "[[1,2,3,4]]"], /--url is required/],
  ["predict with --input and --data", () => ["predict", "--url", "http://127.0.0.1:1", "--model", "m", "--input", "[]", "--data", "x"], /exactly one of/],
  ["predict with input that is not JSON", () => ["predict", "--url", "http://127.0.0.1:1", "--model", "m", "--input", "{nope"], /not JSON/],
  ["predict with a bad URL", () => ["predict", "--url", "not a url", "--model", "m", "--input", "[[1]]"], /is not a URL/],
  ["predict to a port nobody listens on", () => ["predict", "--url", `http://127.0.0.1:${closedPort}`, "--model", "m", "--input", "[[1,2,3,4]]"], /cannot reach .*ECONNREFUSED/],
  ["predict to a server that never answers", () => ["predict", "--url", `http://127.0.0.1:${busyPort}`, "--model", "m", "--input", "[[1,2,3,4]]", "--timeout-ms", "300"], /did not answer within 300 ms/],
];

/** Wrong command lines: exit 2 and the usage hint. */
const USAGE_ERRORS = new Set([
  "push without FILE", "push without --name", "push with an unknown option", "models with an argument", "alias without a subcommand",
  "alias set without a version", "rollback without a name", "rm without a version", "predict without --url", "predict with --input and --data",
]);

describe.concurrent("bad input", () => {
  it.each(cases)("%s", async (title, args, message) => {
    const run = await runCli(args(), env);
    expect(run.code).toBe(USAGE_ERRORS.has(title) ? 2 : 1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^maas [a-z]+: [^\n]+\n$/);
    expect(run.stderr).toMatch(message);
    if (USAGE_ERRORS.has(title)) expect(run.stderr).toMatch(/\(see maas [a-z]+ --help\)\n$/);
  });
});
