/** The fault editor's stylesheet (the dock under the report, the marks over the Nodes lanes), added to the playground's. */
export const FAULT_EDITOR_CSS = `
.fe-dock { position: sticky; bottom: 0; z-index: 20; background: #fff; border: 1px solid var(--rule); border-top: 3px solid var(--accent); border-radius: 6px 6px 0 0; padding: 6px 10px 8px; margin-top: 10px; box-shadow: 0 -3px 10px rgba(20, 30, 50, 0.1); max-height: 46vh; overflow-y: auto; }
.fe-row { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
.fe-dock label.inline { font-size: 12.5px; color: var(--muted); }
.fe-dock select, .fe-dock input { font: inherit; font-size: 12.5px; padding: 2px 5px; background: #fff; color: var(--ink); border: 1px solid #b8bfca; border-radius: 4px; }
.fe-dock button:disabled { opacity: 0.45; cursor: default; background: #fff; }
.fe-hint { color: var(--muted); font-size: 12px; }
.fe-list { display: flex; flex-wrap: wrap; gap: 4px; margin: 6px 0 2px; max-height: 5.6em; overflow-y: auto; padding: 2px; }
.fe-entry { border-left: 6px solid var(--kind, #999); font-variant-numeric: tabular-nums; }
.fe-entry[aria-pressed=true] { background: #e8f0fb; border-color: var(--accent); border-left-color: var(--kind, #999); font-weight: 600; }
.fe-message { margin: 4px 0; padding: 4px 8px; background: var(--fail-bg); border-radius: 4px; overflow-wrap: anywhere; }
.fe-form { border-top: 1px solid var(--rule); margin-top: 4px; }
.fe-form:empty { display: none; }
.fe-form-head { display: flex; gap: 10px; align-items: baseline; margin: 5px 0; }
.fe-desc { color: var(--muted); font-size: 12px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; flex: 1; }
.fe-fields { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 4px 10px; margin-bottom: 6px; }
.fe-field label { display: block; font-size: 12px; font-weight: 600; overflow-wrap: anywhere; }
.fe-field input, .fe-field select { width: 100%; }
.fe-dock [aria-invalid=true] { border-color: var(--bad); background: var(--fail-bg); }
g.plot.fe-armed, g.plot.fe-armed .zoom-area, g.plot.fe-armed .seg { cursor: crosshair; }
.plan-mark { cursor: grab; }
g.plot.fe-armed .plan-mark { pointer-events: none; }
.plan-mark .handle { cursor: ew-resize; }
.plan-mark.selected .body { stroke: #111; stroke-width: 3; }
.plan-mark.every-lane .body { stroke-dasharray: 5 3; fill-opacity: 0.12; }
.fe-mark-label { font-size: 11px; font-weight: 600; fill: #1d2330; paint-order: stroke; stroke: rgba(255, 255, 255, 0.75); stroke-width: 3px; }
.fe-guide-label { font-size: 11.5px; font-weight: 600; fill: #111; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
`;
