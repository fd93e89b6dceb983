/** Held-out metrics: classification (accuracy, macro-F1, log-loss, confusion) and regression (RMSE, MAE, R²). */

export interface ClassificationMetrics {
  accuracy: number;
  macroF1: number;
  logLoss: number;
  /** confusion[actual][predicted] */
  confusion: number[][];
}

export interface RegressionMetrics {
  rmse: number;
  mae: number;
  /** Averaged over target columns. */
  r2: number;
}

export function classificationMetrics(actual: readonly number[], predicted: readonly number[], probabilities: ArrayLike<number>, classes: number): ClassificationMetrics {
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  let logLoss = 0;
  actual.forEach((a, i) => {
    confusion[a][predicted[i]]++;
    if (a === predicted[i]) correct++;
    logLoss -= Math.log(Math.max(probabilities[i * classes + a], 1e-15));
  });
  let f1Sum = 0;
  for (let c = 0; c < classes; c++) {
    const tp = confusion[c][c];
    const predictedC = confusion.reduce((n, row) => n + row[c], 0);
    const actualC = confusion[c].reduce((n, v) => n + v, 0);
    const precision = predictedC ? tp / predictedC : 0;
    const recall = actualC ? tp / actualC : 0;
    f1Sum += precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  }
  const n = actual.length || 1;
  return { accuracy: correct / n, macroF1: f1Sum / classes, logLoss: logLoss / n, confusion };
}

export function regressionMetrics(actual: ArrayLike<number>, predicted: ArrayLike<number>, cols: number): RegressionMetrics {
  const rows = actual.length / cols;
  let squares = 0;
  let absolute = 0;
  let r2Sum = 0;
  for (let c = 0; c < cols; c++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += actual[r * cols + c] / rows;
    let residual = 0;
    let total = 0;
    for (let r = 0; r < rows; r++) {
      const a = actual[r * cols + c];
      const d = a - predicted[r * cols + c];
      residual += d * d;
      total += (a - mean) ** 2;
      absolute += Math.abs(d);
    }
    squares += residual;
    r2Sum += total > 0 ? 1 - residual / total : 0;
  }
  const n = actual.length || 1;
  return { rmse: Math.sqrt(squares / n), mae: absolute / n, r2: r2Sum / cols };
}
