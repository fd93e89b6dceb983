/**
 * A tiny ONNX classifier (x[batch,16] → MatMul+Add → Relu → MatMul+Add → Softmax over the last axis, opset 17), written with a
 * few lines of protobuf instead of a bundled file or protobufjs (kept out of the Worker bundle).
 * Its only job is to run onnxruntime-web's one-time start-up paths; its weights are arbitrary.
 * Field numbers are those of onnx.proto.
 */
const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const FLOAT = 1; // TensorProto.DataType
const encoder = new TextEncoder();

function varint(value: number): number[] {
  const out: number[] = [];
  while (value > 0x7f) {
    out.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

type Message = number[];
const int = (field: number, value: number): Message => [...varint((field << 3) | WIRE_VARINT), ...varint(value)];
const bytesField = (field: number, payload: ArrayLike<number>): Message => [
  ...varint((field << 3) | WIRE_LENGTH_DELIMITED),
  ...varint(payload.length),
  ...Array.from(payload),
];
const text = (field: number, value: string): Message => bytesField(field, encoder.encode(value));

function tensor(name: string, dims: number[], seed: number): Message {
  const count = dims.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({ length: count }, (_, i) => Math.sin(seed + i) / 4);
  return [...dims.flatMap((d) => int(1, d)), ...int(2, FLOAT), ...text(8, name), ...bytesField(9, new Uint8Array(values.buffer))];
}

function node(op: string, inputs: string[], output: string): Message {
  return [...inputs.flatMap((i) => text(1, i)), ...text(2, output), ...text(4, op)];
}

/** ValueInfoProto of a float tensor whose first dim is symbolic. */
function floatInput(name: string, dims: (number | string)[]): Message {
  const shape = dims.flatMap((d) => bytesField(1, typeof d === "number" ? int(1, d) : text(2, d)));
  const tensorType = [...int(1, FLOAT), ...bytesField(2, shape)];
  return [...text(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

export function warmUpModel(): Uint8Array {
  const hidden = 16;
  const graph: Message = [
    ...bytesField(1, node("MatMul", ["x", "w1"], "h1")),
    ...bytesField(1, node("Add", ["h1", "b1"], "z1")),
    ...bytesField(1, node("Relu", ["z1"], "a1")),
    ...bytesField(1, node("MatMul", ["a1", "w2"], "h2")),
    ...bytesField(1, node("Add", ["h2", "b2"], "logits")),
    ...bytesField(1, node("Softmax", ["logits"], "y")),
    ...text(2, "warm-up"),
    ...bytesField(5, tensor("w1", [hidden, hidden], 1)),
    ...bytesField(5, tensor("b1", [hidden], 2)),
    ...bytesField(5, tensor("w2", [hidden, 4], 3)),
    ...bytesField(5, tensor("b2", [4], 4)),
    ...bytesField(11, floatInput("x", ["batch", hidden])),
    ...bytesField(12, floatInput("y", ["batch", 4])),
  ];
  const model: Message = [...int(1, 8 /* ir_version */), ...text(2, "edge-maas"), ...bytesField(7, graph), ...bytesField(8, int(2, 17 /* opset */))];
  return Uint8Array.from(model);
}
