/**
 * Progress on an interactive terminal (cli-progress; silent otherwise): first the read (rows,
 * rate), then training, per epoch and within it (rows, loss, samples/s, ETA).
 */
import cliProgress from "cli-progress";
import type { EpochRecord } from "../../training/train.ts";

export interface ProgressReporter {
  read: (rows: number, totalRows: number) => void;
  batch: (rowsDone: number, rowsPerEpoch: number, epoch: number) => void;
  update: (record: EpochRecord) => void;
  stop: () => void;
}

const THROTTLE_MS = 200;

export function progressReporter(epochs: number): ProgressReporter | undefined {
  if (!process.stderr.isTTY) return undefined;
  const options = { stream: process.stderr, hideCursor: true, etaBuffer: 50 };
  let bar: cliProgress.SingleBar | undefined;
  let phase: "read" | "train" | undefined;
  let last = 0;
  let loss = "-";
  let validation = "-";
  let started = performance.now();
  let trainStarted = 0;
  const rate = (rows: number, since: number) => Math.round(rows / Math.max(1e-3, (performance.now() - since) / 1000)).toLocaleString("en");
  const throttled = () => {
    const now = performance.now();
    if (now - last < THROTTLE_MS) return true;
    last = now;
    return false;
  };
  return {
    read(rows, totalRows) {
      if (phase !== "read") {
        phase = "read";
        started = performance.now();
        bar = new cliProgress.SingleBar({ ...options, format: "reading  [{bar}] {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}" }, cliProgress.Presets.shades_classic);
        bar.start(totalRows, 0, { rate: "-" });
      }
      if (rows < totalRows && throttled()) return;
      bar!.update(rows, { rate: rate(rows, started) });
    },
    batch(rowsDone, rowsPerEpoch, epoch) {
      if (phase !== "train") {
        bar?.stop();
        phase = "train";
        trainStarted = performance.now();
        bar = new cliProgress.SingleBar(
          { ...options, format: "training [{bar}] epoch {epoch}/{epochs} | {percentage}% | loss {loss} | val {val} | {rate} samples/s | ETA {eta_formatted}" },
          cliProgress.Presets.shades_classic,
        );
        bar.start(rowsPerEpoch * epochs, 0, { epoch, epochs, loss, val: validation, rate: "-" });
      }
      if (rowsDone < rowsPerEpoch && throttled()) return;
      const done = (epoch - 1) * rowsPerEpoch + rowsDone;
      bar!.update(done, { epoch, epochs, loss, val: validation, rate: rate(done, trainStarted) });
    },
    update(record) {
      loss = record.trainLoss.toFixed(4);
      validation = record.validationLoss?.toFixed(4) ?? "-";
      bar?.update({ loss, val: validation });
    },
    stop: () => bar?.stop(),
  };
}
