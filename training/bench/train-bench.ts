/**
 * `npm run bench:train` — samples/second of the trainer vs numpy on the same loop: MLP
 * 784-256-128-10, ReLU, softmax cross-entropy, Adam, batch 128, 5 epochs over 20,000 synthetic
 * rows. Both run in this invocation; the ratio is printed (goal ≥ 1.0x numpy).
 */
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { train } from "../train.ts";
import { Rng } from "../util/rng.ts";

const ROWS = 20_000;
const FEATURES = 784;
const CLASSES = 10;
const HIDDEN = [256, 128];
const BATCH = 128;
const EPOCHS = 5;

function syntheticData(): { x: Float32Array; y: Float32Array } {
  const rng = new Rng(1);
  const x = Float32Array.from({ length: ROWS * FEATURES }, () => rng.normal());
  const y = new Float32Array(ROWS * CLASSES);
  for (let r = 0; r < ROWS; r++) y[r * CLASSES + (r % CLASSES)] = 1;
  return { x, y };
}

async function trainer(threads: number): Promise<{ samplesPerSecond: number; seconds: number; losses: number[] }> {
  const { x, y } = syntheticData();
  const started = performance.now();
  const result = await train({
    x: { data: x, rows: ROWS, cols: FEATURES },
    y: { data: y, rows: ROWS, cols: CLASSES },
    hidden: HIDDEN,
    activation: "relu",
    loss: "softmax-ce",
    optimizer: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    learningRate: 1e-3,
    epochs: EPOCHS,
    batchSize: BATCH,
    seed: 1,
    threads,
  });
  const seconds = (performance.now() - started) / 1000;
  return { samplesPerSecond: result.samplesPerSecond, seconds, losses: result.history.map((h) => h.trainLoss) };
}

function numpy(): { samplesPerSecond: number; seconds: number; losses: number[] } {
  const script = join(import.meta.dirname, "numpy-mlp.py");
  const out = execFileSync("python3", [script, `${ROWS}`, `${FEATURES}`, `${CLASSES}`, HIDDEN.join(","), `${BATCH}`, `${EPOCHS}`, "1"], { encoding: "utf8" });
  return JSON.parse(out);
}

const threads = availableParallelism();
process.stdout.write(`MLP ${[FEATURES, ...HIDDEN, CLASSES].join("-")}, ReLU, softmax-CE, Adam, batch ${BATCH}, ${EPOCHS} epochs × ${ROWS} rows\n`);
const ours = await trainer(threads);
process.stdout.write(`maas trainer (onnxruntime-node, ${threads} threads): ${ours.samplesPerSecond.toFixed(0)} samples/s (${ours.seconds.toFixed(2)} s), loss ${ours.losses[0].toFixed(4)} → ${ours.losses.at(-1)!.toFixed(4)}\n`);
let reference;
try {
  reference = numpy();
} catch (error) {
  process.stdout.write(`numpy reference unavailable (${(error as Error).message.split("\n")[0]})\n`);
}
if (reference) {
  process.stdout.write(`numpy (float32, same loop):       ${reference.samplesPerSecond.toFixed(0)} samples/s (${reference.seconds.toFixed(2)} s), loss ${reference.losses[0].toFixed(4)} → ${reference.losses.at(-1)!.toFixed(4)}\n`);
  process.stdout.write(`ratio: ${(ours.samplesPerSecond / reference.samplesPerSecond).toFixed(2)}x numpy (goal ≥ 1.0x)\n`);
}
