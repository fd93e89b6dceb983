/**
 * The trainer's programmatic API: fit an MLP to an in-memory matrix. Every step runs as one ONNX
 * graph (forward, backward, optimizer update) on onnxruntime-node; parameters and optimizer state
 * are fed in and read back between steps. Same seed and data → bit-identical weights.
 *
 * Inputs are the model-side matrices (already imputed and standardised — see `pipeline.ts` for the
 * records → matrix → ONNX path). `compress/` builds `prune --finetune` (initialWeights + masks) and
 * `distill` (distillation) on this function.
 */
import { Rng } from "./util/rng.ts";
import { cloneWeights, flattenParams, initWeights, layerSizes, type Activation, type LossKind, type MlpWeights } from "./model/mlp.ts";
import { lossScale } from "./model/graph-loss.ts";
import { stateNames, stepScalarNames, stepScalarValues, type OptimizerSpec } from "./model/optimizer.ts";
import { createSession, floatFeed, scalarFeed, ort } from "./model/ort-session.ts";
import { scheduledRate, type Schedule } from "./model/schedule.ts";
import { buildEvalGraph, buildStepGraph, nextName, STEP_INPUTS } from "./model/step-graph.ts";

/** A row-major float32 matrix. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export interface TrainOptions {
  /** Model inputs [rows, features]. */
  x: Matrix;
  /** Targets [rows, outputs]: one-hot or soft class probabilities (softmax-ce), 0/1 (bce), values (mse). */
  y: Matrix;
  /** Held-out rows for the validation loss and early stopping. */
  validation?: { x: Matrix; y: Matrix };
  hidden: number[];
  activation: Activation;
  loss: LossKind;
  optimizer: OptimizerSpec;
  learningRate: number;
  schedule?: Schedule;
  epochs: number;
  batchSize: number;
  seed: number;
  /** Reshuffle the rows every epoch (default true). */
  shuffle?: boolean;
  /** Stop when the validation loss has not improved for this many epochs; the best weights are kept. */
  patience?: number;
  clipNorm?: number;
  /** Start from these weights instead of a seeded initialisation (sizes must match). */
  initialWeights?: MlpWeights;
  /** Per layer, a 0/1 mask [in, out]: masked weights get no gradient and stay zero (pruning fine-tune). */
  masks?: Array<Float32Array | undefined>;
  /** Knowledge distillation (softmax-ce): α·CE(y) + (1 − α)·T²·CE(softTargets, softmax(z/T)). */
  distillation?: { softTargets: Matrix; alpha: number; temperature: number };
  /** onnxruntime intra-op threads; fixed for reproducibility across runs (default: ORT's choice). */
  threads?: number;
  onEpoch?: (record: EpochRecord, epochs: number) => void;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  validationLoss?: number;
  learningRate: number;
  seconds: number;
}

export interface TrainResult {
  weights: MlpWeights;
  history: EpochRecord[];
  /** The epoch whose weights were kept (the best validation loss, or the last epoch). */
  bestEpoch: number;
  stoppedEarly: boolean;
  steps: number;
  samplesPerSecond: number;
}

function checkOptions(o: TrainOptions): void {
  if (o.x.rows !== o.y.rows) throw new Error(`x has ${o.x.rows} rows but y has ${o.y.rows}`);
  if (o.x.rows === 0) throw new Error("no training rows");
  if (!(o.batchSize >= 1)) throw new Error("batchSize must be at least 1");
  if (o.loss === "bce" && o.y.cols !== 1) throw new Error("bce needs exactly one target column");
  if (o.distillation && o.loss !== "softmax-ce") throw new Error("distillation needs the softmax-ce loss");
  if (o.distillation && o.distillation.softTargets.rows !== o.x.rows) throw new Error("softTargets must have one row per training row");
  const sizes = layerSizes(o.x.cols, o.hidden, o.y.cols);
  if (o.initialWeights && o.initialWeights.sizes.join() !== sizes.join()) {
    throw new Error(`initialWeights have sizes ${o.initialWeights.sizes.join("-")}, expected ${sizes.join("-")}`);
  }
}

/** Copies the rows `order[start..end)` of a matrix into `out`. */
function gatherRows(source: Matrix, order: Uint32Array, start: number, end: number, out: Float32Array): void {
  const cols = source.cols;
  for (let r = start; r < end; r++) {
    const from = order[r] * cols;
    out.set(source.data.subarray(from, from + cols), (r - start) * cols);
  }
}

/** Runs the forward graph over a whole matrix: mean loss and logits. */
export async function evaluateMlp(
  weights: MlpWeights,
  activation: Activation,
  loss: LossKind,
  x: Matrix,
  y: Matrix,
  session?: ort.InferenceSession,
): Promise<{ loss: number; logits: Float32Array }> {
  const own = session ?? (await createSession(buildEvalGraph({ sizes: weights.sizes, activation, loss })));
  const feeds: Record<string, ort.Tensor> = {
    [STEP_INPUTS.x]: floatFeed(x.data, [x.rows, x.cols]),
    [STEP_INPUTS.y]: floatFeed(y.data, [y.rows, y.cols]),
    [STEP_INPUTS.scale]: scalarFeed(lossScale(loss, y.rows, y.cols)),
  };
  for (const p of flattenParams(weights)) feeds[p.name] = floatFeed(p.values, p.dims);
  const out = await own.run(feeds);
  if (!session) await own.release();
  return { loss: Number(out.loss.data[0]), logits: out.logits.data as Float32Array };
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  checkOptions(options);
  const { x, y, loss, activation, optimizer } = options;
  const rng = new Rng(options.seed);
  const sizes = layerSizes(x.cols, options.hidden, y.cols);
  let weights = options.initialWeights ? cloneWeights(options.initialWeights) : initWeights(sizes, activation, rng);
  if (options.masks) {
    weights.layers.forEach((layer, i) => {
      const mask = options.masks![i];
      if (mask) for (let k = 0; k < mask.length; k++) layer.weight[k] *= mask[k];
    });
  }

  const distillation = options.distillation;
  const stepSession = await createSession(
    buildStepGraph({
      sizes,
      activation,
      loss,
      optimizer,
      clipNorm: options.clipNorm,
      masks: options.masks,
      distillation: distillation && { alpha: distillation.alpha, temperature: distillation.temperature },
    }),
    options.threads,
  );
  const evalSession = options.validation ? await createSession(buildEvalGraph({ sizes, activation, loss }), options.threads) : undefined;

  // Parameters and optimizer state, by graph name; replaced by the step's outputs after each run.
  const params = flattenParams(weights);
  const state = new Map<string, { dims: number[]; values: Float32Array }>();
  for (const p of params) {
    state.set(p.name, { dims: p.dims, values: p.values });
    for (const s of stateNames(optimizer, p.name)) state.set(s, { dims: p.dims, values: new Float32Array(p.values.length) });
  }
  const scalarNames = stepScalarNames(optimizer);

  const rows = x.rows;
  const batchSize = Math.min(options.batchSize, rows);
  const batchesPerEpoch = Math.ceil(rows / batchSize);
  const totalSteps = batchesPerEpoch * options.epochs;
  const order = Uint32Array.from({ length: rows }, (_, i) => i);
  const shuffle = options.shuffle ?? true;
  const history: EpochRecord[] = [];
  let best = { loss: Infinity, epoch: 0, weights: weights };
  let stoppedEarly = false;
  let step = 0;
  const started = performance.now();

  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const epochStart = performance.now();
    if (shuffle) rng.shuffle(order);
    let lossSum = 0;
    let learningRate = options.learningRate;
    for (let start = 0; start < rows; start += batchSize) {
      const end = Math.min(rows, start + batchSize);
      const count = end - start;
      const whole = count === rows && !shuffle;
      const xb = whole ? x.data : new Float32Array(count * x.cols);
      const yb = whole ? y.data : new Float32Array(count * y.cols);
      if (!whole) {
        gatherRows(x, order, start, end, xb);
        gatherRows(y, order, start, end, yb);
      }
      learningRate = scheduledRate(options.schedule ?? "constant", options.learningRate, step, totalSteps);
      step += 1;
      const feeds: Record<string, ort.Tensor> = {
        [STEP_INPUTS.x]: floatFeed(xb, [count, x.cols]),
        [STEP_INPUTS.y]: floatFeed(yb, [count, y.cols]),
        [STEP_INPUTS.scale]: scalarFeed(lossScale(loss, count, y.cols)),
        [STEP_INPUTS.lr]: scalarFeed(learningRate),
      };
      stepScalarValues(optimizer, step).forEach((value, k) => (feeds[scalarNames[k]] = scalarFeed(value)));
      if (distillation) {
        const soft = distillation.softTargets;
        const sb = whole ? soft.data : new Float32Array(count * soft.cols);
        if (!whole) gatherRows(soft, order, start, end, sb);
        feeds[STEP_INPUTS.ySoft] = floatFeed(sb, [count, soft.cols]);
      }
      for (const [name, t] of state) feeds[name] = floatFeed(t.values, t.dims);
      const out = await stepSession.run(feeds);
      for (const [name, t] of state) t.values = out[nextName(name)].data as Float32Array;
      const batchLoss = Number(out.loss.data[0]);
      if (!Number.isFinite(batchLoss)) throw new Error(`the loss became ${batchLoss} at epoch ${epoch}; lower the learning rate`);
      lossSum += batchLoss * count;
    }
    weights = weightsFromState(sizes, state);
    const record: EpochRecord = { epoch, trainLoss: lossSum / rows, learningRate, seconds: (performance.now() - epochStart) / 1000 };
    if (options.validation && evalSession) {
      const v = options.validation;
      record.validationLoss = (await evaluateMlp(weights, activation, loss, v.x, v.y, evalSession)).loss;
      if (record.validationLoss < best.loss) best = { loss: record.validationLoss, epoch, weights: cloneWeights(weights) };
    }
    history.push(record);
    options.onEpoch?.(record, options.epochs);
    if (options.patience !== undefined && options.validation && epoch - best.epoch >= options.patience) {
      stoppedEarly = true;
      break;
    }
  }
  await stepSession.release();
  await evalSession?.release();
  const seconds = (performance.now() - started) / 1000;
  const kept = options.validation ? best : { epoch: history.length, weights };
  return {
    weights: kept.weights,
    history,
    bestEpoch: kept.epoch,
    stoppedEarly,
    steps: step,
    samplesPerSecond: (step === 0 ? 0 : history.length * rows) / seconds,
  };
}

function weightsFromState(sizes: number[], state: Map<string, { values: Float32Array }>): MlpWeights {
  return {
    sizes: [...sizes],
    layers: sizes.slice(1).map((_, i) => ({
      weight: state.get(`layer${i}.weight`)!.values,
      bias: state.get(`layer${i}.bias`)!.values,
    })),
  };
}

export type { Activation, LossKind, MlpWeights, OptimizerSpec, Schedule };
