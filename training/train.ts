/**
 * The trainer's programmatic API: fit an MLP to in-memory matrices, or to a batch source (rows
 * streamed from a file's encoded rows, see data/training-rows.ts). Every step runs as one ONNX
 * graph (forward, backward, optimizer update) on onnxruntime-node; parameters and optimizer state
 * are fed in and read back between steps. Same seed and data → bit-identical weights.
 *
 * Inputs are the model-side matrices (already imputed and standardised — see `pipeline.ts` for the
 * file/records → rows → ONNX path). `compress/` builds `prune --finetune` (initialWeights + masks) and
 * `distill` (distillation) on this function.
 */
import { Rng } from "./util/rng.ts";
import { cloneWeights, flattenParams, initWeights, layerSizes, type Activation, type LossKind, type MlpWeights } from "./model/mlp.ts";
import { lossScale } from "./model/graph-loss.ts";
import { stateNames, stepScalarNames, stepScalarValues, type OptimizerSpec } from "./model/optimizer.ts";
import { createSession, floatFeed, scalarFeed, ort } from "./model/ort-session.ts";
import { scheduledRate, type Schedule } from "./model/schedule.ts";
import { buildEvalGraph, buildStepGraph, nextName, STEP_INPUTS } from "./model/step-graph.ts";
import { matrixSource, type BatchSource, type ChunkSource } from "./model/batch-source.ts";

/** A row-major float32 matrix. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export interface TrainOptions {
  /** Model inputs [rows, features] (or `source`). */
  x?: Matrix;
  /** Targets [rows, outputs]: one-hot or soft class probabilities (softmax-ce), 0/1 (bce), values (mse). */
  y?: Matrix;
  /** The training rows as batches (instead of x and y): e.g. streamed from a disk cache. */
  source?: BatchSource;
  /** Held-out rows for the validation loss and early stopping. */
  validation?: { x: Matrix; y: Matrix } | ChunkSource;
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
  /** Called after each batch with the rows done so far in the current epoch. */
  onBatch?: (rowsDone: number, rowsPerEpoch: number, epoch: number) => void;
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

function trainingSource(o: TrainOptions): BatchSource {
  if (o.source) {
    if (o.distillation) throw new Error("distillation needs x and y matrices");
    return o.source;
  }
  if (!o.x || !o.y) throw new Error("train needs x and y, or a source");
  if (o.x.rows !== o.y.rows) throw new Error(`x has ${o.x.rows} rows but y has ${o.y.rows}`);
  if (o.distillation && o.distillation.softTargets.rows !== o.x.rows) throw new Error("softTargets must have one row per training row");
  return matrixSource(o.x, o.y, o.distillation?.softTargets);
}

function checkOptions(o: TrainOptions, source: BatchSource): void {
  if (source.rows === 0) throw new Error("no training rows");
  if (!(o.batchSize >= 1)) throw new Error("batchSize must be at least 1");
  if (o.loss === "bce" && source.yCols !== 1) throw new Error("bce needs exactly one target column");
  if (o.distillation && o.loss !== "softmax-ce") throw new Error("distillation needs the softmax-ce loss");
  const sizes = layerSizes(source.xCols, o.hidden, source.yCols);
  if (o.initialWeights && o.initialWeights.sizes.join() !== sizes.join()) {
    throw new Error(`initialWeights have sizes ${o.initialWeights.sizes.join("-")}, expected ${sizes.join("-")}`);
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
  const source = trainingSource(options);
  checkOptions(options, source);
  const { loss, activation, optimizer } = options;
  const rng = new Rng(options.seed);
  const sizes = layerSizes(source.xCols, options.hidden, source.yCols);
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

  const rows = source.rows;
  const batchSize = Math.min(options.batchSize, rows);
  const batchesPerEpoch = Math.ceil(rows / batchSize);
  const totalSteps = batchesPerEpoch * options.epochs;
  const shuffle = options.shuffle ?? true;
  const history: EpochRecord[] = [];
  let best = { loss: Infinity, epoch: 0, weights: weights };
  let stoppedEarly = false;
  let step = 0;
  const started = performance.now();

  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const epochStart = performance.now();
    let lossSum = 0;
    let done = 0;
    let learningRate = options.learningRate;
    const batches = source.epoch(rng, batchSize, shuffle)[Symbol.asyncIterator]();
    let next = batches.next();
    for (;;) {
      const { value: batch, done: finished } = await next;
      if (finished) break;
      const count = batch.count;
      learningRate = scheduledRate(options.schedule ?? "constant", options.learningRate, step, totalSteps);
      step += 1;
      const feeds: Record<string, ort.Tensor> = {
        [STEP_INPUTS.x]: floatFeed(batch.x, [count, source.xCols]),
        [STEP_INPUTS.y]: floatFeed(batch.y, [count, source.yCols]),
        [STEP_INPUTS.scale]: scalarFeed(lossScale(loss, count, source.yCols)),
        [STEP_INPUTS.lr]: scalarFeed(learningRate),
      };
      stepScalarValues(optimizer, step).forEach((value, k) => (feeds[scalarNames[k]] = scalarFeed(value)));
      if (distillation) feeds[STEP_INPUTS.ySoft] = floatFeed(batch.soft!, [count, distillation.softTargets.cols]);
      for (const [name, t] of state) feeds[name] = floatFeed(t.values, t.dims);
      const running = stepSession.run(feeds);
      // Requests the next batch now: onnxruntime-node runs the step synchronously on this thread
      // from a setImmediate, so the gathering (synchronous up to the source's first await) comes
      // before the step, not beside it; a source's own I/O (the disk cache's reads) overlaps it.
      next = batches.next();
      next.catch(() => undefined); // awaited above on the next turn; not unhandled if this step throws
      const out = await running;
      for (const [name, t] of state) t.values = out[nextName(name)].data as Float32Array;
      const batchLoss = Number(out.loss.data[0]);
      if (!Number.isFinite(batchLoss)) throw new Error(`the loss became ${batchLoss} at epoch ${epoch}; lower the learning rate`);
      lossSum += batchLoss * count;
      done += count;
      options.onBatch?.(done, rows, epoch);
    }
    weights = weightsFromState(sizes, state);
    const record: EpochRecord = { epoch, trainLoss: lossSum / rows, learningRate, seconds: (performance.now() - epochStart) / 1000 };
    if (options.validation && evalSession) {
      record.validationLoss = await validationLoss(weights, activation, loss, options.validation, evalSession);
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

/** The mean loss over the validation rows: one run for a matrix, chunk by chunk for a source. */
async function validationLoss(
  weights: MlpWeights,
  activation: Activation,
  loss: LossKind,
  validation: NonNullable<TrainOptions["validation"]>,
  session: ort.InferenceSession,
): Promise<number> {
  if ("x" in validation) return (await evaluateMlp(weights, activation, loss, validation.x, validation.y, session)).loss;
  let sum = 0;
  for await (const chunk of validation.chunks()) {
    const yCols = chunk.y.length / chunk.count;
    const x = { data: chunk.x, rows: chunk.count, cols: chunk.x.length / chunk.count };
    sum += (await evaluateMlp(weights, activation, loss, x, { data: chunk.y, rows: chunk.count, cols: yCols }, session)).loss * chunk.count;
  }
  return sum / validation.rows;
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
