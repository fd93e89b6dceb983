/**
 * The benchmark's models: plain MLPs (MatMul+Add+Relu layers, dynamic batch) written with the
 * project's ONNX writer, sized by their layer widths. Weights are seeded, so every run serves the
 * same bytes.
 */
import { DataType, encodeModel, floatTensor, type NodeProto, type TensorProto } from "../../training/onnx/model-io.ts";
import { seededRandom } from "../../test/fixtures/random.ts";

export interface BenchModel {
  name: string;
  /** Layer widths, input first: [10, 64, 3] is 10 → 64 → 3. */
  widths: readonly number[];
  bytes: Uint8Array;
  parameters: number;
}

function valueInfo(name: string, width: number) {
  return { name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: "batch" }, { dimValue: width }] } } } };
}

/** Fast seeded weights scaled 1/sqrt(fan-in) so activations stay finite through deep stacks. */
function weights(count: number, fanIn: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const scale = Math.sqrt(3 / fanIn);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = (random() * 2 - 1) * scale;
  return values;
}

export function mlp(name: string, widths: readonly number[]): BenchModel {
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  let current = "x";
  let parameters = 0;
  for (let layer = 0; layer + 1 < widths.length; layer++) {
    const [fanIn, fanOut] = [widths[layer], widths[layer + 1]];
    const last = layer + 2 === widths.length;
    initializers.push(floatTensor(`W${layer}`, [fanIn, fanOut], weights(fanIn * fanOut, fanIn, 100 + layer)));
    initializers.push(floatTensor(`b${layer}`, [fanOut], weights(fanOut, fanIn, 200 + layer)));
    parameters += fanIn * fanOut + fanOut;
    nodes.push({ opType: "MatMul", input: [current, `W${layer}`], output: [`m${layer}`] });
    const sum = last ? "y" : `a${layer}`;
    nodes.push({ opType: "Add", input: [`m${layer}`, `b${layer}`], output: [sum] });
    if (!last) {
      nodes.push({ opType: "Relu", input: [sum], output: [`h${layer}`] });
      current = `h${layer}`;
    }
  }
  const bytes = encodeModel({
    irVersion: 8,
    producerName: "edge-maas-bench",
    producerVersion: "1",
    opsetImport: [{ domain: "", version: 17 }],
    graph: { name, node: nodes, initializer: initializers, input: [valueInfo("x", widths[0])], output: [valueInfo("y", widths[widths.length - 1])] },
  });
  return { name, widths, bytes, parameters };
}

/** A row-major batch of inputs for a model, as JSON numbers (the v2 request's `data`). */
export function inputRows(widths: readonly number[], batch: number, seed = 1): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: batch * widths[0] }, () => Math.round((random() * 2 - 1) * 1e4) / 1e4);
}
