/**
 * SVG chart builders shared by the trainer's report.html (training/report/html.ts) and the Worker's
 * playground (functions/ui/charts.ts) — pure functions returning SVG text, no Node or DOM APIs, so
 * both import them from here and neither reaches into the other.
 */

export interface Series {
  name: string;
  values: ReadonlyArray<number | undefined>;
  color: string;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function tick(value: number): string {
  return Math.abs(value) >= 100 || value === 0 ? value.toFixed(0) : value.toPrecision(3);
}

/** A line chart of per-epoch values (x = 1..n); undefined values are gaps. */
export function lineChart(series: readonly Series[], options: { title: string; width?: number; height?: number; yLabel?: string }): string {
  const width = options.width ?? 560;
  const height = options.height ?? 300;
  const pad = { left: 56, right: 16, top: 28, bottom: 36 };
  const finite = series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  const count = Math.max(1, ...series.map((s) => s.values.length));
  const low = finite.length ? Math.min(...finite) : 0;
  const high = finite.length ? Math.max(...finite) : 1;
  const span = high - low || 1;
  const px = (i: number): number => pad.left + (count > 1 ? (i / (count - 1)) * (width - pad.left - pad.right) : 0);
  const py = (v: number): number => pad.top + (1 - (v - low) / span) * (height - pad.top - pad.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13">${escapeXml(options.title)}</text>`,
    `<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="#888"/>`,
    `<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${height - pad.bottom}" stroke="#888"/>`,
  ];
  for (let k = 0; k <= 4; k++) {
    const v = low + (span * k) / 4;
    parts.push(`<text x="${pad.left - 4}" y="${py(v) + 4}" text-anchor="end">${tick(v)}</text>`);
  }
  parts.push(`<text x="${px(0)}" y="${height - pad.bottom + 14}" text-anchor="middle">1</text>`);
  parts.push(`<text x="${px(count - 1)}" y="${height - pad.bottom + 14}" text-anchor="middle">${count}</text>`);
  parts.push(`<text x="${(pad.left + width - pad.right) / 2}" y="${height - 6}" text-anchor="middle">epoch</text>`);
  if (options.yLabel) parts.push(`<text x="12" y="${height / 2}" transform="rotate(-90 12 ${height / 2})" text-anchor="middle">${escapeXml(options.yLabel)}</text>`);
  series.forEach((s, k) => {
    const points = s.values
      .map((v, i) => (v === undefined || !Number.isFinite(v) ? undefined : `${px(i).toFixed(1)},${py(v).toFixed(1)}`))
      .filter((p): p is string => p !== undefined);
    if (points.length) parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points.join(" ")}"/>`);
    parts.push(`<rect x="${width - pad.right - 130}" y="${pad.top + k * 16}" width="10" height="10" fill="${s.color}"/>`);
    parts.push(`<text x="${width - pad.right - 115}" y="${pad.top + k * 16 + 9}">${escapeXml(s.name)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("");
}

/** A confusion matrix (rows = actual, columns = predicted) as shaded cells with counts. */
export function confusionMatrixChart(confusion: readonly (readonly number[])[], labels: readonly string[], options: { title?: string; cell?: number } = {}): string {
  const cell = options.cell ?? 48;
  const n = labels.length;
  const left = 110;
  const top = 60;
  const width = left + n * cell + 16;
  const height = top + n * cell + 40;
  const max = Math.max(1, ...confusion.flat());
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13">${escapeXml(options.title ?? "Confusion matrix (test split)")}</text>`,
    `<text x="${left + (n * cell) / 2}" y="34" text-anchor="middle">predicted</text>`,
    `<text x="12" y="${top + (n * cell) / 2}" transform="rotate(-90 12 ${top + (n * cell) / 2})" text-anchor="middle">actual</text>`,
  ];
  labels.forEach((label, i) => {
    parts.push(`<text x="${left + i * cell + cell / 2}" y="${top - 6}" text-anchor="middle">${escapeXml(label.slice(0, 10))}</text>`);
    parts.push(`<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${escapeXml(label.slice(0, 14))}</text>`);
  });
  confusion.forEach((row, a) =>
    row.forEach((count, p) => {
      const shade = Math.round(255 - (count / max) * 200);
      const fill = a === p ? `rgb(${shade},${255},${shade})` : `rgb(255,${shade},${shade})`;
      const x = left + p * cell;
      const y = top + a * cell;
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${count ? fill : "#fafafa"}" stroke="#ccc"/>`);
      parts.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle">${count}</text>`);
    }),
  );
  parts.push("</svg>");
  return parts.join("");
}
