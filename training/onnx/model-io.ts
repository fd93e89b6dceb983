/**
 * Reading and writing ONNX files. The one place that touches the protobuf schema; everything else
 * in `training/` works on plain `ModelProto` objects.
 *
 * Decoding and encoding go through the complete current onnx.proto (`onnx-schema.ts`) loaded with
 * protobufjs reflection, so fields newer than the onnx-proto package survive a read → write
 * unchanged. The TypeScript types still come from onnx-proto (a structural subset of the schema).
 */
import onnxProto from "onnx-proto";
import protobuf from "protobufjs";
import { onnxProtoSchema } from "./onnx-schema.ts";

export const { onnx } = onnxProto;
export type ModelProto = onnxProto.onnx.IModelProto;
export type GraphProto = onnxProto.onnx.IGraphProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;

/** ONNX TensorProto.DataType codes, including those added after onnx-proto's ONNX 1.10. */
export const DataType = {
  ...onnx.TensorProto.DataType,
  FLOAT8E4M3FN: 17,
  FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19,
  FLOAT8E5M2FNUZ: 20,
  UINT4: 21,
  INT4: 22,
  FLOAT4E2M1: 23,
  FLOAT8E8M0: 24,
  UINT2: 25,
  INT2: 26,
} as const;

const schemaRoot = protobuf.parse(onnxProtoSchema, { keepCase: false }).root;
const ModelType = schemaRoot.lookupType("onnx.ModelProto");

/** Decodes an ONNX file. Throws (protobufjs's message) when the bytes are not a valid ModelProto. */
export function decodeModel(bytes: Uint8Array): onnxProto.onnx.ModelProto {
  return ModelType.decode(bytes) as unknown as onnxProto.onnx.ModelProto;
}

export function encodeModel(model: ModelProto): Uint8Array {
  return ModelType.encode(ModelType.fromObject(model as Record<string, unknown>)).finish();
}

/** A float32 initializer stored as little-endian raw bytes (what ORT and PyTorch exporters write). */
export function floatTensor(name: string, dims: readonly number[], values: Float32Array): TensorProto {
  const raw = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData: raw };
}

/** An int64 initializer (shapes, axes) as raw little-endian bytes. */
export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): TensorProto {
  const data = new BigInt64Array(values.map((v) => BigInt(v)));
  return { name, dims: [...dims], dataType: DataType.INT64, rawData: new Uint8Array(data.buffer) };
}

/** Reads a float32 tensor's values whether they are stored as raw bytes or in `floatData`. */
export function readFloatTensor(tensor: TensorProto): Float32Array {
  if (tensor.dataType !== DataType.FLOAT) throw new Error(`tensor ${tensor.name} is not float32`);
  if (tensor.rawData && tensor.rawData.length > 0) {
    // Copy: protobufjs hands out Node Buffers whose slice() is a view into the whole file.
    const copy = Uint8Array.from(tensor.rawData);
    return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
  }
  return Float32Array.from(tensor.floatData ?? []);
}

/** Model-level metadata (`metadata_props`) as a plain record. */
export function readMetadata(model: ModelProto): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of model.metadataProps ?? []) if (entry.key) out[entry.key] = entry.value ?? "";
  return out;
}
