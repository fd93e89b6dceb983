/** Learning-rate schedules, evaluated per optimizer step. */
export const SCHEDULES = ["constant", "cosine", "step"] as const;
export type Schedule = (typeof SCHEDULES)[number];

/**
 * constant: lr; cosine: lr·½(1 + cos(π·step/total)) (as torch's CosineAnnealingLR: near 0, not 0, at the last step);
 * step: lr, then ×0.1 after half the steps and ×0.01 after three quarters.
 */
export function scheduledRate(schedule: Schedule, lr: number, step: number, totalSteps: number): number {
  const progress = totalSteps > 1 ? step / totalSteps : 0;
  switch (schedule) {
    case "constant":
      return lr;
    case "cosine":
      return lr * 0.5 * (1 + Math.cos(Math.PI * progress));
    case "step":
      return progress < 0.5 ? lr : progress < 0.75 ? lr * 0.1 : lr * 0.01;
  }
}
