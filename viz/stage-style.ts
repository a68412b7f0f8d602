/**
 * The stylesheet of the topology, its playback and the guided tour (viewer/renderTopology.ts,
 * renderPlayback.ts, renderTour.ts). Sized to be read on a projector from the back of a room:
 * node names 17 px bold, the tour's current step 19 px.
 */
export const STAGE_CSS = `
#pg-stage { margin: 10px 0 18px; }
#pg-stage h2 { margin: 6px 0; }
.play-controls { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 16px; margin: 6px 0 10px; font-size: 15px; }
.play-controls button.play-toggle { font-size: 17px; font-weight: 700; padding: 6px 16px; min-width: 7.5em; background: var(--accent, #0b63c5); color: #fff; border-color: var(--accent, #0b63c5); }
.play-controls button.play-toggle[aria-pressed=true] { background: #fff; color: var(--accent, #0b63c5); }
.play-controls label.speed { display: flex; align-items: center; gap: 6px; font-weight: 600; }
.play-controls label.scrub { flex: 1 1 320px; display: flex; }
.play-controls label.scrub input { width: 100%; }
.play-controls .speed-label { min-width: 3.2em; font-weight: 700; }
.play-controls .play-time { font-size: 16px; font-weight: 700; min-width: 10em; }
.tour { border: 2px solid var(--accent, #0b63c5); border-radius: 8px; padding: 10px 14px; margin: 0 0 12px; background: #f5f9ff; }
.tour-head { display: flex; flex-wrap: wrap; align-items: center; gap: 10px; font-size: 15px; }
.tour-head button { font-size: 15px; padding: 4px 12px; }
.tour-counter { color: var(--muted); }
.tour-step { font-size: 19px; line-height: 1.45; margin: 8px 0 6px; }
.tour-step .tour-when { color: var(--accent, #0b63c5); font-weight: 700; }
.tour-all { font-size: 14px; }
.tour-all ol { margin: 4px 0 0; padding-left: 1.6em; max-height: 8.5em; overflow-y: auto; }
.tour-all li.passed { color: var(--muted); }
.tour-all li.current { font-weight: 700; color: var(--ink); }
.tour-all button.tour-item { all: unset; display: block; cursor: pointer; white-space: normal; }
.tour-all button.tour-item:hover, .tour-all button.tour-item:focus-visible { text-decoration: underline; }
.stage-grid { display: grid; grid-template-columns: 1fr; gap: 12px; }
.stage-grid.n2 { grid-template-columns: 1fr 1fr; }
.stage-grid.n3, .stage-grid.n4 { grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); }
@media (max-width: 900px) { .stage-grid.n2 { grid-template-columns: 1fr; } }
.topology { border: 1px solid var(--rule); border-radius: 8px; background: #fff; padding: 6px 8px; min-width: 0; }
.topo-head { display: flex; align-items: baseline; gap: 12px; font-size: 17px; margin-bottom: 2px; }
.topo-clock { color: var(--muted); font-size: 15px; }
.topo-summary { color: #b3261e; font-weight: 700; font-size: 15px; }
.topo-stage { position: relative; width: fit-content; max-width: 100%; }
.topo-stage svg { display: block; max-width: 100%; height: auto; }
.topo-dots { position: absolute; left: 0; top: 0; pointer-events: none; }
.topo-stage svg.topo-over { position: absolute; left: 0; top: 0; width: 100%; height: auto; }
.topo-zone rect { fill: #f4f6f9; stroke: #9aa4b2; stroke-dasharray: 5 3; }
.topo-zone text { font-size: 14px; font-weight: 600; fill: #4a5361; }
.topo-link { stroke: #9aa4b2; stroke-linecap: round; }
.topo-link.reply { stroke: #b9c7b9; }
.topo-link.cut { stroke: #d81b60; stroke-dasharray: 4 6; opacity: 0.7; }
.topo-link.dropping { stroke: #e57a9b; }
.topo-cut line { stroke: #d81b60; stroke-width: 6; stroke-linecap: round; }
.topo-body { stroke: #5b6472; stroke-width: 1.5; }
.topo-node.ejected .topo-body { stroke: #6b4f2a; stroke-width: 4; stroke-dasharray: 7 4; }
.topo-node.breaker-open .topo-body, .topo-node.breaker-forced-open .topo-body { stroke: #1f4e8c; stroke-width: 5; }
.topo-node.breaker-half-open .topo-body { stroke: #7aa6d8; stroke-width: 5; stroke-dasharray: 8 4; }
.topo-ring { fill: none; stroke: #0b63c5; stroke-width: 4; }
.topo-name { font-size: 17px; font-weight: 700; fill: #111; }
.topo-status { font-size: 13px; fill: #333; }
.topo-bar-bg { fill: rgba(255,255,255,0.75); stroke: #8d96a3; stroke-width: 0.8; }
.topo-bar.queue { fill: #6a8fd0; }
.topo-bar.queue.high { fill: #d81b60; }
.topo-bar.busy { fill: #7fb77e; }
.topo-bar-text { font-size: 10.5px; font-weight: 700; fill: #111; pointer-events: none; }
.topo-fault rect { fill: #fff; stroke: #b3261e; stroke-width: 1.5; }
.topo-fault text { font-size: 12.5px; font-weight: 700; fill: #b3261e; }
.topo-fault.active rect { fill: #b3261e; }
.topo-fault.active text { fill: #fff; }
.topo-fault.planned { opacity: 0.75; }
.topo-fault.over { opacity: 0.4; }
.topo-note { color: var(--muted); font-size: 13px; }
.topo-legend { display: flex; flex-wrap: wrap; gap: 6px 16px; font-size: 14px; margin: 8px 0 0; color: #333; }
.topo-legend .item { display: inline-flex; align-items: center; gap: 6px; }
.topo-legend .note { color: var(--muted); }
.topo-legend .swatch { width: 12px; height: 12px; display: inline-block; }
.topo-legend .swatch.dot { border-radius: 50%; background: var(--c); }
.topo-legend .swatch.box { border-radius: 3px; background: var(--c); border: 1px solid #5b6472; }
.topo-legend .swatch.cross { background: linear-gradient(45deg, transparent 42%, var(--c) 42%, var(--c) 58%, transparent 58%), linear-gradient(-45deg, transparent 42%, var(--c) 42%, var(--c) 58%, transparent 58%); }
`;
