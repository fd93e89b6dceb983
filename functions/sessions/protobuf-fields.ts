/**
 * Just enough protobuf to walk an ONNX file's fields without decoding it: the Worker only needs a
 * few fields (initializers' raw bytes, node op types) and must not copy the weights to find them.
 */

export const WIRE_VARINT = 0;
export const WIRE_LENGTH_DELIMITED = 2;

export interface Field {
  number: number;
  wireType: number;
  /** The whole field, tag included. */
  start: number;
  end: number;
  /** For length-delimited fields: where the payload starts. */
  payloadStart: number;
  /** For varint fields: the value. */
  value: number;
}

function readVarint(bytes: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let i = pos; i < bytes.length && i < pos + 10; i++) {
    const byte = bytes[i];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, i + 1];
    scale *= 128;
  }
  throw new Error("malformed protobuf varint");
}

/** The fields of the message in bytes[start, end). */
export function* fields(bytes: Uint8Array, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const fieldStart = pos;
    const [tag, afterTag] = readVarint(bytes, pos);
    const number = Math.floor(tag / 8);
    const wireType = tag % 8;
    let payloadStart = afterTag;
    let value = 0;
    switch (wireType) {
      case WIRE_VARINT:
        [value, pos] = readVarint(bytes, afterTag);
        break;
      case 1:
        pos = afterTag + 8;
        break;
      case WIRE_LENGTH_DELIMITED: {
        const [length, afterLength] = readVarint(bytes, afterTag);
        payloadStart = afterLength;
        pos = afterLength + length;
        break;
      }
      case 5:
        pos = afterTag + 4;
        break;
      default:
        throw new Error(`unsupported protobuf wire type ${wireType}`);
    }
    if (pos > end) throw new Error("truncated protobuf message");
    yield { number, wireType, start: fieldStart, end: pos, payloadStart, value };
  }
}
