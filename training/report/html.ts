/** The human-readable report: metrics table, loss curves and (classification) the confusion matrix. */
import type { TrainingReport } from "../pipeline.ts";
import { confusionMatrixChart, lineChart } from "../../shared/charts.ts";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function formatMetric(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}

export function reportHtml(report: TrainingReport): string {
  const metricRows = Object.entries(report.metrics)
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${formatMetric(v as number)}</td></tr>`)
    .join("");
  const curves = lineChart(
    [
      { name: "training loss", values: report.history.map((h) => h.trainLoss), color: "#1f77b4" },
      { name: "validation loss", values: report.history.map((h) => h.validationLoss), color: "#ff7f0e" },
    ],
    { title: "Loss per epoch", yLabel: report.model.loss },
  );
  const confusion = report.metrics.confusion && report.classes ? confusionMatrixChart(report.metrics.confusion, report.classes) : "";
  const d = report.data;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>maas train — ${escapeHtml(report.target)}</title>
<style>body{font-family:sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse}th,td{padding:.2rem .8rem;text-align:left;border-bottom:1px solid #ddd}</style>
</head><body>
<h1>${escapeHtml(report.task)} of “${escapeHtml(report.target)}”</h1>
<p>MLP ${report.model.sizes.join("–")}, ${escapeHtml(report.model.activation)}, ${escapeHtml(report.model.loss)}, ${escapeHtml(report.model.optimizer.kind)} lr ${report.model.learningRate};
${report.history.length} epochs (kept epoch ${report.bestEpoch}${report.stoppedEarly ? ", stopped early" : ""}).</p>
<p>Rows: ${d.rows} (${d.droppedRows} dropped for a missing target) — train ${d.train}, validation ${d.validation}, test ${d.test}.</p>
<h2>Metrics on the ${report.evaluatedOn} split</h2>
<table>${metricRows}</table>
<h2>Training curves</h2>
${curves}
${confusion ? `<h2>Confusion matrix</h2>\n${confusion}` : ""}
</body></html>
`;
}
