/** Reading tensor values of any float type and building the initializers compression writes. */
import { DataType, type TensorProto } from "./model-io.ts";
import { float16BitsToFloat32 } from "./float16.ts";

export function tensorDims(tensor: TensorProto): number[] {
  return (tensor.dims ?? []).map((d) => Number(d));
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((n, d) => n * d, 1);
}

function rawCopy(tensor: TensorProto): Uint8Array {
  // Copy: protobufjs hands out Node Buffers that are views into the whole file (unaligned offsets).
  return Uint8Array.from(tensor.rawData ?? []);
}

export function isStoredExternally(tensor: TensorProto): boolean {
  return tensor.dataLocation === 1 || (tensor.externalData?.length ?? 0) > 0;
}

/** The values of a FLOAT, FLOAT16 or DOUBLE tensor as float32; undefined for other types. */
export function readAsFloat32(tensor: TensorProto): Float32Array | undefined {
  if (isStoredExternally(tensor)) return undefined;
  const hasRaw = (tensor.rawData?.length ?? 0) > 0;
  switch (tensor.dataType) {
    case DataType.FLOAT: {
      if (!hasRaw) return Float32Array.from(tensor.floatData ?? []);
      const raw = rawCopy(tensor);
      return new Float32Array(raw.buffer, 0, raw.byteLength / 4);
    }
    case DataType.DOUBLE: {
      if (!hasRaw) return Float32Array.from(tensor.doubleData ?? []);
      const raw = rawCopy(tensor);
      return Float32Array.from(new Float64Array(raw.buffer, 0, raw.byteLength / 8));
    }
    case DataType.FLOAT16: {
      // Without raw data, float16 values are stored one per int32_data entry.
      const bits = hasRaw ? new Uint16Array(rawCopy(tensor).buffer) : Uint16Array.from(tensor.int32Data ?? []);
      return Float32Array.from(bits, float16BitsToFloat32);
    }
    default:
      return undefined;
  }
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

export function makeTensor(name: string, dataType: number, dims: readonly number[], data: ArrayBufferView): TensorProto {
  return { name, dims: [...dims], dataType, rawData: bytesOf(data) };
}

/** Bytes the tensor's values occupy in the file (raw or typed fields). */
export function storedByteSize(tensor: TensorProto): number {
  if (tensor.rawData?.length) return tensor.rawData.length;
  const perElement: Record<number, number> = { [DataType.FLOAT]: 4, [DataType.DOUBLE]: 8, [DataType.INT64]: 8 };
  return elementCount(tensorDims(tensor)) * (perElement[tensor.dataType ?? 0] ?? 4);
}
