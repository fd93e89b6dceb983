/** A per-epoch progress bar (cli-progress) on an interactive terminal; silent otherwise. */
import cliProgress from "cli-progress";
import type { EpochRecord } from "../../training/train.ts";

export function progressReporter(epochs: number): { update: (record: EpochRecord) => void; stop: () => void } | undefined {
  if (!process.stderr.isTTY) return undefined;
  const bar = new cliProgress.SingleBar(
    { format: "training [{bar}] epoch {value}/{total} | loss {loss} | val {val}", stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(epochs, 0, { loss: "-", val: "-" });
  return {
    update: (record) => bar.update(record.epoch, { loss: record.trainLoss.toFixed(4), val: record.validationLoss?.toFixed(4) ?? "-" }),
    stop: () => bar.stop(),
  };
}
