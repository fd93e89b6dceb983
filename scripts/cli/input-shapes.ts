/** `--shape NAME=D,D,...` (repeatable): the dimensions of a model input for the random inputs checks run on. */
import { CliError } from "../cli-error.ts";
import type { ModelProto } from "../../training/onnx/model-io.ts";
import type { InputShapes } from "../../training/compress/random-feeds.ts";

export function parseInputShapes(texts: readonly string[] | undefined, model: ModelProto): InputShapes {
  const graph = model.graph ?? {};
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).flatMap((i) => (i.name && !initializers.has(i.name) ? [i.name] : []));
  const shapes: InputShapes = {};
  for (const text of texts ?? []) {
    const match = /^(.+)=(\d+(?:,\d+)*)$/.exec(text);
    if (!match) throw new CliError(`--shape must be NAME=D,D,... with positive integers (got ${text})`);
    const [, name, dims] = match;
    if (!inputs.includes(name)) throw new CliError(`--shape ${text}: the model has no input "${name}" (inputs: ${inputs.join(", ")})`);
    const values = dims.split(",").map(Number);
    if (values.some((d) => d < 1)) throw new CliError(`--shape ${text}: dimensions must be positive`);
    shapes[name] = values;
  }
  return shapes;
}
