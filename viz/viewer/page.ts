/**
 * `renderReport(root, data)`: the whole report as a function of its data. It lays out the
 * document (header and conclusion, overview and brush, the scenario and the variant comparison,
 * then per run: card, fault ribbon, swimlanes, messages, metric panels, checks, percentiles) and
 * registers every timeline panel with one TimeController. Calling it again (new data, a new
 * width) replaces what it drew: the report page calls it on load and on resize, and a page that
 * makes runs in the browser can call it after every run.
 */
import { pointer, select } from 'd3';
import type { MetricPanelView, ReportData, RunView } from '../model.ts';
import { el } from './dom.ts';
import { formatTimeUs } from './format.ts';
import { LANE_ROW_KINDS } from '../model.ts';
import { faultColorScale, runColor, segmentColor, seriesColor, seriesWidth } from './palette.ts';
import { createPanel, LABEL_W, RIGHT_PAD, type PanelFrame } from './panel.ts';
import { renderAlertsPanel } from './renderAlerts.ts';
import { renderAxis } from './renderAxis.ts';
import { renderChecks } from './renderChecks.ts';
import { overlayPanel, renderComparisonTable, renderConclusion, renderCostChart, runLabel } from './renderComparison.ts';
import { renderFaultRibbon, ribbonHeight } from './renderFaultRibbon.ts';
import { renderFaultShading, renderMarks } from './renderFaultShading.ts';
import { divergenceText, renderDivergenceMarks } from './renderDivergence.ts';
import { renderLegend, type LegendItem } from './renderLegend.ts';
import { messagesHeight, renderMessages } from './renderMessages.ts';
import { renderMetricPanel } from './renderMetricPanel.ts';
import { OVERVIEW_H, renderOverview } from './renderOverview.ts';
import { renderPercentiles } from './renderPercentiles.ts';
import { renderMarkdown } from './markdown.ts';
import { renderRunCard } from './renderRunCard.ts';
import { laneLayout, renderSwimlanes } from './renderSwimlanes.ts';
import { historyHeight, HISTORY_COLORS, renderHistory } from './renderHistory.ts';
import { LEASE_OVERLAP_COLOR, renderRoles, ROLE_OVERLAP_COLOR, rolesHeight } from './renderRoles.ts';
import { TimeController, TimeCursor, type TimeScale } from './timeController.ts';

interface Page {
  data: ReportData;
  width: number;
  time: TimeController;
  faultColor: (kind: string) => string;
  cursorUs: number | null;
  /** The time cursor shared with the playground's playback (`RenderOptions.cursor`); it sets `cursorUs`. */
  cursor: TimeCursor;
  /** Each timeline panel's cursor rule, redrawn when the cursor moves. */
  cursorRules: (() => void)[];
  cursorDrawnMs: number;
  cursorTimer: ReturnType<typeof setTimeout> | undefined;
}

function drawCursorRules(page: Page): void {
  page.cursorDrawnMs = performance.now();
  for (const r of page.cursorRules) r();
}

export interface RenderOptions {
  /** Start zoomed to this window (a re-render keeps the reader's window). */
  domainUs?: [number, number];
  /** Indices of the runs whose whole section (card, timeline, metrics, checks) is drawn; default every run. */
  runSections?: readonly number[];
  /** A time cursor shared with other views (the playground's playback); default one of the report's own. */
  cursor?: TimeCursor;
}

export interface RenderedReport {
  /** The window every panel shows now. */
  domainUs(): [number, number];
  /** Zoom every panel around a moment, with a cursor there (what `#t=<µs>` does). */
  goTo(timeUs: number): void;
  /** The time cursor the panels draw (the one given in the options, or the report's own). */
  cursor: TimeCursor;
  /** The time window every panel shares. */
  time: TimeController;
}

/** Each root's cursor listener, removed when the root is drawn again. */
const cursorListeners = new WeakMap<HTMLElement, () => void>();

export function renderReport(root: HTMLElement, data: ReportData, options: RenderOptions = {}): RenderedReport {
  root.replaceChildren();
  const width = Math.max(600, Math.min(1280, contentWidth(root)));
  const plotW = width - LABEL_W - RIGHT_PAD;
  const allKinds = [...new Set(data.runs.flatMap((r) => r.faultKinds))];
  const cursor = options.cursor ?? new TimeCursor();
  const page: Page = { data, width, time: new TimeController(data.domainUs, plotW), faultColor: faultColorScale(allKinds), cursorUs: cursor.timeUs, cursor, cursorRules: [], cursorDrawnMs: -Infinity, cursorTimer: undefined };
  cursorListeners.get(root)?.();
  cursorListeners.set(
    root,
    cursor.listen((t) => {
      page.cursorUs = t;
      // a playback moves the cursor 30 times a second: the panels' rules follow at most 8 times a second, and at its last place
      clearTimeout(page.cursorTimer);
      const wait = page.cursorDrawnMs + 125 - performance.now();
      if (wait <= 0) drawCursorRules(page);
      else page.cursorTimer = setTimeout(() => drawCursorRules(page), wait);
    }),
  );

  renderHeader(root, data);
  renderSticky(root, page);
  if (data.runs.length > 1) {
    renderComparisonSection(root, page);
    renderScenarioSection(root, data.runs[0]!);
  }
  data.runs.forEach((run, i) => {
    if (options.runSections === undefined || options.runSections.includes(i)) renderRunSection(root, page, run);
  });
  root.appendChild(
    el(
      'p',
      { class: 'footer' },
      `Generated by faultline ${data.runs[0]?.version ?? ''}. Everything on this page comes from the run's trace and metrics; re-run the replay command to reproduce it exactly.`,
    ),
  );
  if (options.domainUs) page.time.setDomain(options.domainUs);
  return {
    domainUs: () => page.time.x.domain() as [number, number],
    goTo: (t) => goTo(page, t),
    cursor,
    time: page.time,
  };
}

/** The width inside the root's padding: what the panels may use. */
function contentWidth(root: HTMLElement): number {
  const style = getComputedStyle(root);
  return root.clientWidth - (parseFloat(style.paddingLeft) || 0) - (parseFloat(style.paddingRight) || 0);
}

function renderHeader(root: HTMLElement, data: ReportData): void {
  const first = data.runs[0]!;
  const scenarios = [...new Set(data.runs.map((r) => r.scenario.name))];
  root.appendChild(el('div', { class: 'eyebrow' }, `faultline report · ${scenarios.join(', ')}`));
  root.appendChild(el('h1', {}, scenarios.length === 1 ? first.scenario.title : `${data.runs.length} runs`));
  renderConclusion(root, data.runs);
  const sub =
    data.runs.length === 1
      ? `variant ${first.variant} · seed ${first.seed} · ${formatTimeUs(first.simTimeUs)} simulated · ${first.faults.length} fault${first.faults.length === 1 ? '' : 's'}`
      : `${data.runs.length} runs compared on one time axis: ${data.runs.map((r) => runLabel(r, data.runs)).join(', ')}`;
  root.appendChild(el('p', { class: 'subtitle' }, sub));
}

function renderSticky(root: HTMLElement, page: Page): void {
  const sticky = el('div', { class: 'sticky' });
  const windowText = el('span', { class: 'window mono' });
  const button = (label: string, title: string, fn: () => void): HTMLButtonElement => {
    const b = el('button', { type: 'button', title }, label);
    b.addEventListener('click', fn);
    return b;
  };
  sticky.appendChild(
    el(
      'div',
      { class: 'controls' },
      el('strong', {}, 'Time window'),
      windowText,
      button('−', 'Zoom out', () => page.time.zoomBy(0.5)),
      button('+', 'Zoom in', () => page.time.zoomBy(2)),
      button('Reset', 'Show the whole run', () => {
        page.cursor.set(null);
        page.time.reset();
      }),
      el('span', {}, 'Brush the strip to zoom every panel · drag a panel to pan · ctrl+wheel to zoom'),
    ),
  );
  root.appendChild(sticky);
  const svg = select(sticky)
    .append('svg')
    .attr('class', 'overview')
    .attr('width', page.width)
    .attr('height', OVERVIEW_H + 22);
  svg.append('text').attr('x', 6).attr('y', 16).attr('class', 'lane-label').text('whole run');
  const plot = svg.append('g').attr('transform', `translate(${LABEL_W},0)`);
  renderOverview(plot, page.data, page.time.x0, page.faultColor);
  page.time.attachBrush(plot.append('g').attr('class', 'brush'), OVERVIEW_H);
  page.time.register((x) => {
    const [a, b] = x.domain() as [number, number];
    windowText.textContent = `${formatTimeUs(Math.round(a))} → ${formatTimeUs(Math.round(b))}`;
  });
}

function goTo(page: Page, timeUs: number): void {
  const [d0, d1] = page.time.x0.domain() as [number, number];
  const half = Math.max(500, (d1 - d0) * 0.05);
  page.cursor.set(timeUs);
  let lo = timeUs - half;
  let hi = timeUs + half;
  if (lo < d0) [lo, hi] = [d0, d0 + 2 * half];
  if (hi > d1) [lo, hi] = [Math.max(d0, d1 - 2 * half), d1];
  page.time.setDomain([lo, hi]);
}

/** A timeline panel: frame, fault shading, marks, axis, and its own renderer, all redrawn on zoom. */
function timelinePanel(
  parent: HTMLElement,
  page: Page,
  run: RunView | null,
  o: { id: string; title: string; caption: string; plotH: number; shade: boolean },
  draw: (frame: PanelFrame, x: TimeScale) => void,
): PanelFrame {
  const frame = createPanel(parent, { id: o.id, title: o.title, caption: o.caption, width: page.width, plotH: o.plotH });
  page.time.attachZoom(frame.plot);
  const cursorRule = (x: TimeScale): void => {
    frame.marks
      .selectAll<SVGLineElement, number>('line.cursor-rule')
      .data(page.cursorUs === null ? [] : [page.cursorUs])
      .join('line')
      .attr('class', 'cursor-rule')
      .attr('x1', (t) => x(t))
      .attr('x2', (t) => x(t))
      .attr('y1', 0)
      .attr('y2', frame.plotH);
  };
  page.cursorRules.push(() => cursorRule(page.time.x));
  // a click (not a drag) on a panel puts the shared time cursor there
  frame.plot.on('click.cursor', (event: MouseEvent) => page.cursor.set(Math.round(page.time.x.invert(pointer(event)[0]))));
  page.time.register((x) => {
    renderAxis(frame.axis, frame.grid, x, frame.plotH, frame.plotW);
    if (run && o.shade) renderFaultShading(frame.shading, run.faults, x, frame.plotH, page.faultColor);
    if (run) renderMarks(frame.marks, run.marks, x, frame.plotH, page.cursorUs);
    else if (page.data.divergences?.length) renderDivergenceMarks(frame.marks, page.data.divergences, x, frame.plotH, runColor);
    if (!run) cursorRule(x);
    draw(frame, x);
  });
  return frame;
}

/** A panel with nothing to draw: its title and why it is empty. */
function emptyPanel(panelId: string, title: string, text: string, id?: string): HTMLElement {
  return el('div', { class: 'panel', 'data-panel': panelId, ...(id ? { id } : {}) }, el('h3', {}, title), el('p', { class: 'empty' }, text));
}

function metricPanel(
  parent: HTMLElement,
  page: Page,
  run: RunView | null,
  panel: MetricPanelView,
  idPrefix: string,
  color: (name: string, i: number) => string,
  width: (name: string, i: number) => number = seriesWidth,
): void {
  if (panel.series.length === 0) {
    parent.appendChild(emptyPanel(panel.id, panel.title, panel.emptyText, `${idPrefix}-${panel.id}`));
    return;
  }
  const frame = timelinePanel(
    parent,
    page,
    run,
    { id: `${idPrefix}-${panel.id}`, title: `${panel.title}${panel.unit ? ` (${panel.unit}${panel.scale === 'log' ? ', log scale' : ''})` : ''}`, caption: panel.caption, plotH: 110, shade: true },
    (f, x) => renderMetricPanel(f.content, f.labels, f.hover, f.plot, panel, { x, plotW: f.plotW, plotH: f.plotH, color, width }),
  );
  renderLegend(
    frame.legend,
    panel.series.map((s, i) => ({ label: s.name, color: color(s.name, i) })),
  );
}

/** A comparison's shared context, once: the scenario's description (each variant's card says what differs). */
function renderScenarioSection(root: HTMLElement, first: RunView): void {
  const section = el('section', { class: 'scenario', id: 'scenario' }, el('h2', {}, 'The scenario'));
  const description = el('div', { class: 'description' });
  renderMarkdown(description, first.scenario.description);
  section.appendChild(description);
  root.appendChild(section);
}

function renderComparisonSection(root: HTMLElement, page: Page): void {
  const runs = page.data.runs;
  const section = el('section', { class: 'comparison', id: 'comparison' });
  section.appendChild(el('h2', {}, 'Variant comparison'));
  section.appendChild(
    el('p', { class: 'caption' }, 'The same scenario under each variant, on the shared time axis. Each variant keeps its colour in every overlaid panel; its full timeline follows below.'),
  );
  renderComparisonTable(section, runs);
  for (const m of page.data.divergences ?? []) {
    const text = divergenceText(m, (i) => (runs[i] ? runLabel(runs[i]!, runs) : `run ${i}`));
    section.appendChild(el('p', { class: 'divergence-note', 'data-divergence': text }, `First divergence: ${text}; marked on the panels below.`));
  }
  renderCostChart(section, runs);
  root.appendChild(section);
  const colorOf = (_: string, i: number): string => runColor(i);
  // Variants often coincide for a while: each line is narrower than the ones drawn before it.
  const widthOf = (_: string, i: number): number => 1.4 + 0.9 * Math.max(0, Math.min(4, runs.length - 1) - i);
  const overlays = [
    overlayPanel(runs, 'throughput', 'goodput', 'Goodput by variant', 'Successful requests per second, one line per variant.'),
    overlayPanel(runs, 'latency', 'p99', 'p99 latency by variant', 'p99 of the requests finished in each window, log scale.'),
    overlayPanel(runs, 'attempts', 'retries', 'Retries by variant', 'Retry attempts per second: the amplification each variant adds.'),
  ];
  for (const p of overlays) if (p) metricPanel(section, page, null, p, 'compare', colorOf, widthOf);
}

function renderRunSection(root: HTMLElement, page: Page, run: RunView): void {
  const section = el('section', { class: 'run', id: run.id, 'data-run': run.id });
  root.appendChild(section);
  section.appendChild(el('h2', {}, page.data.runs.length > 1 ? `Variant ${runLabel(run, page.data.runs)}` : 'The run'));
  renderRunCard(section, run, { showScenario: page.data.runs.length === 1 });
  for (const note of run.traceNotes) section.appendChild(el('p', { class: 'notice' }, note));

  section.appendChild(el('h2', {}, 'Timeline'));
  // Fault ribbon.
  const kinds = run.faultKinds;
  if (kinds.length === 0) {
    section.appendChild(emptyPanel('faults', 'Faults', 'No faults were injected in this run.'));
  } else {
    const ribbon = timelinePanel(
      section,
      page,
      run,
      {
        id: `${run.id}-faults`,
        title: 'Faults',
        caption: 'One band per fault kind; bars are active intervals, diamonds instant faults. The same intervals are shaded behind every panel below.',
        plotH: ribbonHeight(kinds),
        shade: false,
      },
      (f, x) => renderFaultRibbon(f.content, f.labels, run.faults, kinds, x, page.faultColor),
    );
    ribbon.root.setAttribute('data-panel', 'faults');
    renderLegend(
      ribbon.legend,
      kinds.map((k) => ({ label: k, color: page.faultColor(k) })),
    );
  }

  // Swimlanes.
  if (run.nodes.length === 0) {
    section.appendChild(emptyPanel('swimlanes', 'Nodes', 'The trace names no nodes (this scenario writes no node-state, breaker or message records, or the trace level was "off").'));
  } else {
    const { height } = laneLayout(run.nodes);
    const lanes = timelinePanel(
      section,
      page,
      run,
      {
        id: `${run.id}-swimlanes`,
        title: 'Nodes',
        caption: 'Each node’s lifecycle over time (thick row), then thin rows for its role, partition side, circuit breakers and load-balancer ejection. Ticks above a lane are other events the node recorded.',
        plotH: height,
        shade: true,
      },
      (f, x) => renderSwimlanes(f.content, f.labels, run.nodes, x),
    );
    lanes.root.setAttribute('data-panel', 'swimlanes');
    renderLegend(lanes.legend, laneLegend(run));
  }

  // Roles of replicated stores and the clients' operation history.
  const focus = { check: null as string | null };
  renderRolesAndHistory(section, page, run, focus);

  // Alerts, on-call and probes (runs with alert rules or probes).
  if (run.alerts) renderAlertsPanel(run, (o, draw) => timelinePanel(section, page, run, o, draw));

  // Messages.
  if (run.messages.total > 0) {
    const names = run.nodes.map((n) => n.name);
    const arrowId = `arrow-${run.id}`;
    let canvas: HTMLCanvasElement | null = null;
    const frame = timelinePanel(
      section,
      page,
      run,
      {
        id: `${run.id}-messages`,
        title: `Messages (${run.messages.total.toLocaleString('en-US')}, ${run.messages.dropped.toLocaleString('en-US')} dropped)`,
        caption:
          'Lamport diagram on the time axis: an arrow from the sender at send time to the receiver at delivery time. A red line ending in ✕ is a dropped message (hover for the reason); a dashed line was never delivered.',
        plotH: messagesHeight(names),
        shade: true,
      },
      (f, x) => {
        if (!canvas) {
          canvas = el('canvas', { class: 'density' });
          canvas.style.position = 'absolute';
          canvas.style.pointerEvents = 'none';
          canvas.style.left = `${LABEL_W}px`;
          f.root.appendChild(canvas);
        }
        renderMessages(f.content, f.labels, canvas, f.notice, run.messages, names, { x, endUs: run.simTimeUs, plotW: f.plotW, plotH: f.plotH, arrowId });
        // The notice above the diagram may have changed height: keep the canvas on the plot.
        canvas.style.top = `${(f.svg.node() as SVGSVGElement).getBoundingClientRect().top - f.root.getBoundingClientRect().top + 2}px`;
      },
    );
    frame.root.setAttribute('data-panel', 'messages');
    frame.svg
      .select('defs')
      .append('marker')
      .attr('id', arrowId)
      .attr('viewBox', '0 0 10 10')
      .attr('refX', 9)
      .attr('refY', 5)
      .attr('markerWidth', 6)
      .attr('markerHeight', 6)
      .attr('orient', 'auto-start-reverse')
      .append('path')
      .attr('d', 'M0,0L10,5L0,10Z')
      .attr('fill', '#4a5263');
    renderLegend(frame.legend, [
      { label: 'delivered', color: '#4a5263' },
      { label: 'dropped ✕', color: '#d81b60' },
      { label: 'never delivered', color: '#9aa1ad', dashed: true },
    ]);
  }

  // Metric panels.
  section.appendChild(el('h2', {}, 'Metrics'));
  for (const p of run.panels) metricPanel(section, page, run, p, run.id, seriesColor);

  // Checks and percentiles.
  section.appendChild(el('h2', {}, 'Checks and latency distribution'));
  const two = el('div', { class: 'stack' });
  const checks = el('div', { 'data-panel': 'checks' }, el('h3', {}, 'Checks'));
  renderChecks(
    checks,
    run,
    (t) => {
      goTo(page, t);
      document.getElementById(`${run.id}-faults`)?.scrollIntoView({ block: 'start' }) ?? document.getElementById(`${run.id}-swimlanes`)?.scrollIntoView();
    },
    (check) => showFlagged(page, run, focus, check),
  );
  const pct = el('div', { 'data-panel': 'percentiles' }, el('h3', {}, 'Latency percentiles'));
  renderPercentiles(pct, run.percentiles);
  two.append(checks, pct);
  section.appendChild(two);
  if (run.otherKinds.length) {
    section.appendChild(el('h3', {}, 'Other trace records'));
    section.appendChild(
      el('p', { class: 'caption' }, 'Record kinds this report does not draw as a view of their own; those that name a node appear as ticks on its lane.'),
    );
    section.appendChild(el('ul', { class: 'plain mono' }, ...run.otherKinds.map((k) => el('li', {}, `${k.kind}: ${k.count.toLocaleString('en-US')}`))));
  }
}

/** The swimlane legend: the values the rows show, grouped by row kind in drawing order (at most 24). */
export function laneLegend(run: RunView): LegendItem[] {
  const seen = new Map<string, Set<string>>();
  for (const n of run.nodes) {
    for (const r of n.rows) {
      const group = r.kind === 'breaker' ? 'breaker' : r.kind;
      let values = seen.get(group);
      if (!values) seen.set(group, (values = new Set()));
      for (const s of r.segments) values.add(s.value.startsWith('ejected') ? 'ejected' : s.value.startsWith('leader') ? 'leader' : s.value);
    }
  }
  const items: LegendItem[] = [];
  for (const kind of LANE_ROW_KINDS) for (const v of seen.get(kind) ?? []) items.push({ label: v, color: segmentColor(v), group: kind });
  return items.slice(0, 24);
}

/** The roles lane of each replicated service, then the history view (`fold-history.ts`, `renderRoles.ts`, `renderHistory.ts`). */
function renderRolesAndHistory(section: HTMLElement, page: Page, run: RunView, focus: { check: string | null }): void {
  for (const view of run.roles ?? []) {
    const frame = timelinePanel(
      section,
      page,
      run,
      {
        id: `${run.id}-roles-${view.service}`,
        title: `Roles: ${view.service || 'leader'}`,
        caption: `Who claims to lead ${view.service || 'the service'} (primary or leader) over time, labelled with the term or epoch it claims; red on the top row where two claims overlap (a split brain), orange where two read leases overlapped in true time; ▼ marks a replica refusing a deposed leader's older epoch (a fencing token at work).${view.notDrawn ? ` ${view.notDrawn} claims or marks beyond the view's bound are not drawn.` : ''}`,
        plotH: rolesHeight(view),
        shade: true,
      },
      (f, x) => renderRoles(f.content, f.labels, view, x),
    );
    frame.root.setAttribute('data-panel', 'roles');
    frame.root.setAttribute('data-testid', 'roles-lane');
    renderLegend(frame.legend, [
      { label: 'claims to lead (colour: term)', color: '#1b8a7a' },
      { label: 'two claims at once', color: ROLE_OVERLAP_COLOR },
      ...(view.leaseOverlaps.length ? [{ label: 'leases overlap', color: LEASE_OVERLAP_COLOR }] : []),
    ]);
  }
  const h = run.history;
  if (!h) return;
  const aggregated = h.binUs > 0;
  const frame = timelinePanel(
    section,
    page,
    run,
    {
      id: `${run.id}-history`,
      title: `History (${h.total.toLocaleString('en-US')} operations: ${h.counts.ok.toLocaleString('en-US')} ok, ${h.counts.info.toLocaleString('en-US')} info, ${h.counts.fail.toLocaleString('en-US')} fail)`,
      caption:
        'One row per client process; each operation is a bar from its invocation to its completion (Jepsen’s timeline): ok took effect, fail did not, info is indeterminate (a timeout; a pale bar never completed). Operations a check flagged are outlined; the checks panel links to them.' +
        (aggregated ? ` More operations than the view draws one by one: each row shows what was in flight per ${formatTimeUs(h.binUs)} (fail, then info, wins), with the flagged operations on top.` : '') +
        (h.notDrawn ? ` ${h.notDrawn.toLocaleString('en-US')} operations beyond the view's bound are counted, not drawn.` : ''),
      plotH: historyHeight(h),
      shade: true,
    },
    (f, x) => renderHistory(f.content, f.labels, h, x, run.endUs, focus.check),
  );
  frame.root.setAttribute('data-panel', 'history');
  frame.root.setAttribute('data-testid', 'history-view');
  renderLegend(frame.legend, [
    { label: 'ok', color: HISTORY_COLORS.ok },
    { label: 'info', color: HISTORY_COLORS.info },
    { label: 'fail', color: HISTORY_COLORS.fail },
    ...(h.flagged.length ? [{ label: 'flagged by a check (outlined)', color: '#111' }] : []),
  ]);
}

/** Zoom to the operations `check` flagged, outline them more boldly, and scroll to the history view. */
function showFlagged(page: Page, run: RunView, focus: { check: string | null }, check: string): void {
  const ops = run.history?.flagged.filter((o) => o.checks?.includes(check)) ?? [];
  if (ops.length === 0) return;
  focus.check = check;
  const lo = Math.min(...ops.map((o) => o.invokeUs));
  const hi = Math.max(...ops.map((o) => o.completeUs ?? run.endUs));
  const pad = Math.max(2000, (hi - lo) * 0.15);
  const [d0, d1] = page.time.x0.domain() as [number, number];
  page.cursorUs = null;
  page.time.setDomain([Math.max(d0, lo - pad), Math.min(d1, hi + pad)]);
  document.getElementById(`${run.id}-history`)?.scrollIntoView({ block: 'start' });
}
