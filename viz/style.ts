/**
 * The report's stylesheet, inlined into the HTML by `report.ts`. Outcome colours follow the
 * Jepsen/Maelstrom convention: ok blue, unknown orange, fail pink.
 */
export const REPORT_CSS = `
:root {
  --ink: #1d2330; --muted: #5b6475; --faint: #8a93a3; --rule: #e3e6ec; --bg: #ffffff; --panel: #fafbfc;
  --ok: #2b7bd6; --ok-bg: #dcebfd; --unknown: #b86e00; --unknown-bg: #ffe9c7; --fail: #c2185b; --fail-bg: #fde0ec;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--ink); }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 0 20px 60px; }
h1 { font-size: 26px; margin: 18px 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 19px; margin: 34px 0 8px; padding-top: 8px; border-top: 2px solid var(--ink); }
h3 { font-size: 14px; margin: 0; }
code, pre, .mono { font-family: var(--mono); font-size: 12.5px; }
pre { background: #f3f4f7; padding: 8px 10px; border-radius: 4px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; margin: 4px 0; }
a { color: var(--ok); }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 11px; color: var(--muted); margin-top: 18px; }
.subtitle { color: var(--muted); margin: 0 0 10px; }
.chip { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.chip.ok { background: var(--ok-bg); color: var(--ok); }
.chip.unknown { background: var(--unknown-bg); color: var(--unknown); }
.chip.fail { background: var(--fail-bg); color: var(--fail); }
.cost-conclusion { margin: -6px 0 10px; color: var(--muted); }
.chip.cheapest { background: #fff3c4; color: #7a5b00; }
.cost-scatter { max-width: 100%; height: auto; }
.cost-scatter .dot-label { font-size: 12px; fill: var(--text, #1a1d23); }
.cost-scatter .axis-label { font-size: 11px; fill: var(--muted); }
.chip.neutral { background: #eceef2; color: var(--muted); font-weight: 500; }
.card { display: grid; grid-template-columns: minmax(0, 1.25fr) minmax(0, 1fr); gap: 22px; margin: 10px 0 4px; }
@media (max-width: 900px) { .card { grid-template-columns: 1fr; } }
.card .description p { margin: 0 0 9px; }
.card .description { max-width: 70ch; }
.facts { border-collapse: collapse; width: 100%; margin-bottom: 12px; }
.facts th, .facts td { text-align: left; padding: 3px 10px 3px 0; vertical-align: top; border-bottom: 1px solid var(--rule); }
.facts th { color: var(--muted); font-weight: 500; width: 36%; overflow-wrap: break-word; }
.facts td { overflow-wrap: anywhere; }
.facts { table-layout: fixed; }
.facts td.num { font-variant-numeric: tabular-nums; }
.small-h { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 12px 0 4px; }
ul.plain { list-style: none; padding: 0; margin: 0; }
ul.plain li { padding: 2px 0; }
.scenario .description { max-width: 95ch; }
ul.plan li { overflow-wrap: anywhere; }
.conclusion { font-size: 17px; line-height: 1.4; margin: 6px 0 6px; max-width: 100ch; }
.conclusion code { font-size: 14.5px; background: #f1f3f6; padding: 0 3px; border-radius: 3px; }
.variant-lead { font-size: 15px; margin: 0 0 8px; }
.params details { margin-top: 4px; }
.params summary { cursor: pointer; color: var(--muted); font-size: 12.5px; }
.param-list .param { padding: 4px 0; border-bottom: 1px solid var(--rule); }
.param-line { overflow-wrap: break-word; }
.param-name { font-weight: 600; }
.param-default { color: var(--faint); font-size: 12px; }
.param-description { color: var(--muted); font-size: 12.5px; overflow-wrap: break-word; }
.param.changed .param-value { font-weight: 600; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; vertical-align: -1px; margin-right: 5px; }
.sticky { position: sticky; top: 0; z-index: 10; background: #fff; border-bottom: 1px solid var(--rule); padding: 6px 0 2px; margin: 0 -20px; padding-left: 20px; padding-right: 20px; }
.sticky .controls { display: flex; gap: 10px; align-items: center; font-size: 12px; color: var(--muted); }
.sticky button, .checks button { font: inherit; font-size: 12px; border: 1px solid #c9ced8; background: #fff; border-radius: 4px; padding: 1px 8px; cursor: pointer; color: var(--ink); }
.sticky button:hover { background: #f1f3f6; }
.panel { position: relative; margin: 12px 0 0; }
.panel-head { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; }
.caption { color: var(--muted); margin: 1px 0 3px; font-size: 12.5px; max-width: 95ch; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: var(--muted); }
.legend span.item { white-space: nowrap; }
.legend .legend-group { display: inline-flex; flex-wrap: wrap; gap: 4px 10px; align-items: baseline; }
.legend .legend-name { color: var(--faint); }
.notice { font-size: 12px; color: var(--unknown); background: var(--unknown-bg); padding: 2px 8px; border-radius: 4px; display: inline-block; margin: 2px 0; }
.empty { font-size: 12.5px; color: var(--faint); font-style: italic; margin: 2px 0 6px; }
svg { display: block; overflow: visible; }
svg text { font: 11px system-ui, sans-serif; fill: var(--ink); }
svg .axis text { fill: var(--muted); font-size: 10.5px; }
svg .axis path, svg .axis line { stroke: #b8bec9; }
svg .grid line { stroke: #eef0f3; }
svg .lane-label { font-weight: 600; }
svg .row-label { fill: var(--faint); font-size: 10px; }
svg .hover-line { stroke: #333; stroke-width: 1; stroke-dasharray: 2 2; pointer-events: none; }
svg .mark-rule { stroke-width: 1.5; pointer-events: none; }
svg .mark-rule.check-failed { stroke: var(--fail); stroke-dasharray: 4 3; }
svg .mark-rule.note { stroke: #7a7f8a; stroke-dasharray: 1 3; }
svg .cursor-rule { stroke: var(--fail); stroke-width: 2; pointer-events: none; }
svg .zoom-area { fill: transparent; cursor: grab; }
svg .message line { stroke-width: 1.1; }
svg .message:hover line { stroke-width: 2.5; }
.tooltip { position: fixed; pointer-events: none; z-index: 50; background: #1d2330; color: #fff; padding: 6px 9px; border-radius: 4px; font-size: 12px; line-height: 1.4; max-width: 420px; box-shadow: 0 2px 10px rgba(0,0,0,.2); white-space: pre-wrap; }
.tooltip .t-head { font-weight: 600; }
table.data { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 6px 0; max-width: 100%; }
table.data th, table.data td { padding: 3px 10px 3px 0; text-align: right; border-bottom: 1px solid var(--rule); overflow-wrap: break-word; }
table.percentiles th:first-child, table.percentiles td:first-child { min-width: 9em; }
table.comparison { width: 100%; table-layout: fixed; }
table.comparison th.row-head, table.comparison tbody th { width: 26%; text-align: left; font-weight: 500; color: var(--ink); }
table.comparison thead th { vertical-align: bottom; text-align: right; font-size: 13px; color: var(--ink); font-weight: 600; }
table.comparison thead th .chip { margin-top: 3px; }
table.comparison tr.group th { text-align: left; padding-top: 12px; color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .06em; font-weight: 500; border-bottom: 1px solid #c9ced8; }
table.comparison td.best { font-weight: 700; background: #e4f3e1; color: #1f5c1a; }
table.comparison .direction { color: var(--faint); }
table.comparison .met { font-weight: 600; }
table.comparison .chip { white-space: normal; }
table.comparison .met.ok { color: var(--ok); }
table.comparison .met.fail { color: var(--fail); }
table.comparison .met.unknown { color: var(--unknown); }
table.comparison .expectation { color: var(--faint); font-size: 11.5px; }
table.comparison td .chip { margin-left: 4px; }
table.data th:first-child, table.data td:first-child { text-align: left; }
table.data th { color: var(--muted); font-weight: 500; font-size: 12px; }
.stack > * + * { margin-top: 18px; }
table.percentiles td { white-space: nowrap; }
.checks li { padding: 6px 0; border-bottom: 1px solid var(--rule); }
.checks .detail { color: var(--muted); font-size: 12.5px; }
.verdict-banner { padding: 8px 12px; border-radius: 6px; margin: 8px 0; font-weight: 600; }
.verdict-banner.ok { background: var(--ok-bg); color: var(--ok); }
.verdict-banner.fail { background: var(--fail-bg); color: var(--fail); }
.verdict-banner.unknown { background: var(--unknown-bg); color: var(--unknown); }
.footer { margin-top: 40px; color: var(--faint); font-size: 12px; }
.error-banner { background: var(--fail-bg); color: var(--fail); padding: 10px; border-radius: 6px; margin: 12px 0; }
@media print { .sticky { position: static; } .tooltip { display: none; } }
`;
