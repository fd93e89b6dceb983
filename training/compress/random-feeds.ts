/**
 * Seeded random inputs that match a model's declared inputs: float tensors ~ N(0, 1), integer
 * tensors uniform in [0, 10), bool tensors fair coins. Symbolic dimensions get `batch` on the first
 * axis and 1 elsewhere, unless `shapes` gives an input's dimensions (an image model's height and
 * width: a 1x1 image does not get through most CNNs).
 */
import { DataType, type ModelProto } from "../onnx/model-io.ts";
import { Rng } from "../util/rng.ts";
import type { Feeds, PlainTensor } from "./run-model.ts";

export class UnsupportedInputError extends Error {
  override name = "UnsupportedInputError";
}

/** Dimensions given per input name (`--shape x=1,3,64,64`). */
export type InputShapes = Record<string, number[]>;

export function randomFeeds(model: ModelProto, seed: number, batch: number, shapes: InputShapes = {}): Feeds {
  const graph = model.graph!;
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const rng = new Rng(seed);
  const feeds: Feeds = {};
  for (const input of graph.input ?? []) {
    if (!input.name || initializers.has(input.name)) continue;
    const tensorType = input.type?.tensorType;
    if (!tensorType) throw new UnsupportedInputError(`input "${input.name}" is not a tensor`);
    const declared = tensorType.shape?.dim ?? [];
    const given = shapes[input.name];
    if (given && given.length !== declared.length) throw new Error(`input "${input.name}" has rank ${declared.length}; the shape given for it has ${given.length} dimensions`);
    const dims = given ?? declared.map((d, axis) => {
      const value = d.dimValue === undefined || d.dimValue === null ? NaN : Number(d.dimValue);
      return Number.isFinite(value) && value > 0 ? value : axis === 0 ? batch : 1;
    });
    const count = dims.reduce((n, d) => n * d, 1);
    feeds[input.name] = randomTensor(input.name, tensorType.elemType ?? 0, dims, count, rng);
  }
  return feeds;
}

function randomTensor(name: string, elemType: number, dims: number[], count: number, rng: Rng): PlainTensor {
  switch (elemType) {
    case DataType.FLOAT:
      return { type: "float32", dims, data: Float32Array.from({ length: count }, () => rng.normal()) };
    case DataType.DOUBLE:
      return { type: "float64", dims, data: Float64Array.from({ length: count }, () => rng.normal()) };
    case DataType.INT64:
      return { type: "int64", dims, data: BigInt64Array.from({ length: count }, () => BigInt(Math.floor(rng.uniform() * 10))) };
    case DataType.INT32:
      return { type: "int32", dims, data: Int32Array.from({ length: count }, () => Math.floor(rng.uniform() * 10)) };
    case DataType.BOOL:
      return { type: "bool", dims, data: Uint8Array.from({ length: count }, () => (rng.uniform() < 0.5 ? 1 : 0)) };
    default:
      throw new UnsupportedInputError(`input "${name}" has element type ${elemType}, which random inputs do not cover`);
  }
}
