/** The playground's stylesheet: plain CSS, light, readable, no framework; one column below 700 px (phones from 375 px). */
export const PLAYGROUND_CSS = `
:root { --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --panel: #ffffff; --bg: #f5f7fb; --accent: #2563eb; --good: #16a34a; --bad: #dc2626; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
header { display: flex; align-items: center; gap: 16px; padding: 14px 28px; background: #0f172a; color: #f8fafc; }
header h1 { font-size: 18px; margin: 0; font-weight: 600; letter-spacing: .2px; }
header .sub { color: #94a3b8; font-size: 13px; }
header form { margin-left: auto; display: flex; gap: 8px; align-items: center; }
header label { color: #cbd5e1; font-size: 13px; }
header input { width: 240px; padding: 6px 10px; border-radius: 6px; border: 1px solid #334155; background: #1e293b; color: #f8fafc; }
button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button:hover { filter: brightness(1.08); }
main { display: grid; grid-template-columns: 260px minmax(0, 1fr); gap: 24px; padding: 24px 28px; max-width: 1280px; margin: 0 auto; }
nav h2, .card h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0 0 8px; }
.model-entry { display: block; padding: 10px 12px; margin-bottom: 8px; border: 1px solid var(--line); border-radius: 8px; background: var(--panel); color: inherit; text-decoration: none; }
.model-entry:hover { border-color: var(--accent); }
.model-entry.selected { border-color: var(--accent); box-shadow: inset 3px 0 0 var(--accent); }
.model-entry strong { font-size: 15px; }
.chips { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 4px; }
.chip { font-size: 12px; padding: 1px 8px; border-radius: 999px; background: #eef2ff; color: #3730a3; }
.chip.alias { background: #ecfdf5; color: #065f46; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 12px; padding: 20px 24px; margin-bottom: 24px; box-shadow: 0 1px 2px rgba(15, 23, 42, .04); }
.card-head { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 8px 16px; }
.card-head h2 { margin: 0; font-size: 22px; overflow-wrap: anywhere; }
.picker { display: flex; align-items: center; gap: 6px; font-size: 13px; color: var(--muted); }
.picker select { font: inherit; padding: 4px 8px; border: 1px solid #cbd5e1; border-radius: 6px; background: #fff; color: var(--ink); max-width: 100%; }
.card .meta { color: var(--muted); margin: 2px 0 16px; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin-bottom: 18px; }
.fact { border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; }
.fact .k { font-size: 12px; color: var(--muted); }
.fact .v { font-size: 16px; font-weight: 600; overflow-wrap: anywhere; }
.fact .v.mono { font: 600 14px/24px ui-monospace, SFMono-Regular, Menlo, monospace; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 20px; }
section { margin-bottom: 18px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); font-size: 13px; }
td code, th { overflow-wrap: anywhere; }
th { color: var(--muted); font-weight: 500; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
.note { color: var(--muted); font-size: 13px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.charts svg { max-width: 100%; height: auto; }
.predict { border-top: 1px solid var(--line); padding-top: 16px; }
.fields { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; margin-bottom: 12px; }
.fields label { display: flex; flex-direction: column; justify-content: flex-end; min-width: 0; font-size: 12px; color: var(--muted); gap: 2px; overflow-wrap: anywhere; }
.fields input, .fields select { min-width: 0; width: 100%; }
.fields input, .fields select, textarea { font: inherit; padding: 6px 8px; border: 1px solid #cbd5e1; border-radius: 6px; color: var(--ink); background: #fff; }
textarea { width: 100%; min-height: 120px; font-family: ui-monospace, Menlo, monospace; font-size: 12px; }
.result { margin-top: 14px; padding: 12px 16px; border-radius: 8px; background: #f8fafc; border: 1px solid var(--line); }
.result.error { background: #fef2f2; border-color: #fecaca; color: var(--bad); }
.result .label { font-size: 20px; font-weight: 700; }
.result .headline { display: flex; align-items: baseline; justify-content: space-between; gap: 12px; margin-bottom: 6px; }
.result .latency { color: var(--muted); font-size: 13px; }
.bar { display: grid; grid-template-columns: 120px 1fr 60px; align-items: center; gap: 8px; font-size: 13px; }
.bar .track { height: 8px; background: #e2e8f0; border-radius: 4px; overflow: hidden; }
.bar .fill { height: 100%; background: var(--accent); }
pre { margin: 8px 0 0; font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 240px; overflow: auto; }
#status { color: var(--muted); }
#status.error { color: var(--bad); }
.bar span:first-child { overflow-wrap: anywhere; }
@media (max-width: 700px) {
  header { flex-wrap: wrap; gap: 8px 12px; padding: 12px 14px; }
  header form { margin-left: 0; width: 100%; }
  header input { flex: 1; width: auto; min-width: 0; }
  main { grid-template-columns: minmax(0, 1fr); gap: 14px; padding: 12px; }
  nav #model-list { display: flex; flex-wrap: wrap; gap: 6px; }
  .model-entry { margin-bottom: 0; }
  .card { padding: 14px; }
  .columns { grid-template-columns: minmax(0, 1fr); }
  .fields { grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); }
  .bar { grid-template-columns: 90px 1fr 50px; }
}
`;
