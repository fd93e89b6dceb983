/**
 * Training charts for model cards, drawn by the same code as the trainer's report.html
 * (shared/charts.ts). The page reads the data from the public metadata endpoint and posts
 * it here, so this renders only what the caller sends: no model access, nothing to authorize.
 */
import * as z from "zod";
import { confusionMatrixChart, lineChart } from "../../shared/charts.ts";

const MAX_EPOCHS = 10_000;
/** The largest epoch number drawn: the x axis gets one slot per epoch up to the last one. */
const MAX_EPOCH_NUMBER = 100_000;
const MAX_CLASSES = 64;

const epochSchema = z.object({
  /** 1-based; the trainer keeps only some epochs of long runs in the model file. */
  epoch: z.number().int().min(1).max(MAX_EPOCH_NUMBER).optional(),
  trainLoss: z.number().optional(),
  validationLoss: z.number().optional(),
  learningRate: z.number().optional(),
});

export const chartsRequestSchema = z.object({
  /** Per-epoch records, as the trainer keeps them (training/train.ts EpochRecord). */
  history: z.array(epochSchema).max(MAX_EPOCHS).optional(),
  /** confusion[actual][predicted], with the class names in order. */
  confusion: z.array(z.array(z.number().int().nonnegative()).max(MAX_CLASSES)).max(MAX_CLASSES).optional(),
  labels: z.array(z.string().max(200)).max(MAX_CLASSES).optional(),
});
export type ChartsRequest = z.infer<typeof chartsRequestSchema>;

export interface ChartsResponse {
  /** SVG text of each chart that the data allows, absent otherwise. */
  loss?: string;
  confusion?: string;
}

type Epoch = z.infer<typeof epochSchema>;

/**
 * One value per epoch 1..last. When the records carry epoch numbers, a curve that keeps only every
 * k-th epoch leaves gaps (undefined, which lineChart bridges), so the x axis counts epochs, not records.
 */
function perEpoch(history: readonly Epoch[], value: (e: Epoch) => number | undefined): (number | undefined)[] {
  if (!history.every((e) => e.epoch !== undefined)) return history.map(value);
  const values = new Array<number | undefined>(Math.max(...history.map((e) => e.epoch!))).fill(undefined);
  for (const e of history) values[e.epoch! - 1] = value(e);
  return values;
}

export function renderCharts(request: ChartsRequest): ChartsResponse {
  const charts: ChartsResponse = {};
  const history = request.history ?? [];
  if (history.length) {
    const series = [{ name: "train loss", values: perEpoch(history, (e) => e.trainLoss), color: "#2563eb" }];
    if (history.some((e) => e.validationLoss !== undefined)) {
      series.push({ name: "validation loss", values: perEpoch(history, (e) => e.validationLoss), color: "#ea580c" });
    }
    charts.loss = lineChart(series, { title: "Loss per epoch", yLabel: "loss", width: 520, height: 260 });
  }
  const { confusion, labels } = request;
  if (confusion?.length && labels?.length === confusion.length && confusion.every((row) => row.length === labels.length)) {
    charts.confusion = confusionMatrixChart(confusion, labels, { cell: 64 }); // wide enough for 10-letter class names
  }
  return charts;
}
