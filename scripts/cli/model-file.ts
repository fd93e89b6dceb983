/**
 * Reading the input model and writing the output for the compression commands: one clear line for
 * bad input, the input file never touched, no partial output left behind.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, realpathSync, renameSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { resolve } from "node:path";
import { CliError } from "../cli-error.ts";
import { decodeModel, type ModelProto } from "../../training/onnx/model-io.ts";

export function readModelFile(path: string): { bytes: Uint8Array; model: ModelProto } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (bytes.length === 0) throw new CliError(`${path} is empty, not an ONNX model`);
  let model: ModelProto;
  try {
    model = decodeModel(bytes);
  } catch (error) {
    throw new CliError(`${path} is not a valid ONNX model (truncated or not protobuf: ${(error as Error).message})`);
  }
  // Arbitrary bytes sometimes parse as a protobuf message; a real model has a graph with nodes.
  if (!model.graph || (model.graph.node?.length ?? 0) === 0 || !model.irVersion) {
    throw new CliError(`${path} is not an ONNX model (no graph)`);
  }
  return { bytes, model };
}

function samePath(a: string, b: string): boolean {
  const real = (p: string): string => (existsSync(p) ? realpathSync(p) : resolve(p));
  return real(a) === real(b);
}

/** Refuses to overwrite the input; writes to a temporary sibling, then renames into place. */
export function writeOutputFile(path: string, bytes: Uint8Array, inputPath: string): void {
  if (samePath(path, inputPath)) throw new CliError(`--out ${path} is the input file; choose another path`);
  const temporary = `${path}.${randomBytes(4).toString("hex")}.partial`;
  try {
    writeFileSync(temporary, bytes);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new CliError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
