/**
 * The alerts lane: one row per alert rule (a light bar while pending, a red one while firing,
 * ending where it resolved), an on-call row (pages, acknowledgements, escalations as marks;
 * runbook actions as bars from start to effect, mistakes in dark red) and one row per probe
 * series (a green or red tick per run of the flow).
 */
import type { AlertsView, RunView } from '../model.ts';
import { clipLabel, formatTimeUs } from './format.ts';
import type { G, PanelFrame } from './panel.ts';
import type { TimeScale } from './timeController.ts';
import { hideTooltip, showTooltip } from './tooltip.ts';

const ROW_H = 14;
const GAP = 5;

type Episode = AlertsView['episodes'][number];
type OncallEvent = AlertsView['oncall'][number];

interface Row {
  label: string;
  kind: 'alert' | 'oncall' | 'probe';
}

function rows(a: AlertsView): Row[] {
  return [
    ...a.alerts.map((label) => ({ label, kind: 'alert' as const })),
    ...(a.oncall.length ? [{ label: 'on-call', kind: 'oncall' as const }] : []),
    ...a.probes.map((p) => ({ label: `${p.flow}@${p.location}`, kind: 'probe' as const })),
  ];
}

/** The lane's height for its rows. */
export function alertsHeight(a: AlertsView): number {
  return Math.max(1, rows(a).length) * (ROW_H + GAP) + 2;
}

/** Caption, legend and drawing of the lane; `panel` makes the timeline panel (zoom, shading, axis). */
export function renderAlertsPanel(
  run: RunView,
  panel: (o: { id: string; title: string; caption: string; plotH: number; shade: boolean }, draw: (f: PanelFrame, x: TimeScale) => void) => PanelFrame,
): void {
  const a = run.alerts!;
  const frame = panel(
    {
      id: `${run.id}-alerts`,
      title: 'Alerts, on-call and probes',
      caption:
        'One row per alert rule (light: pending, red: firing, until resolved), the on-call row (▲ page, ● acknowledgement, ◆ escalation; bars are runbook actions from start to effect, dark red a mistake) and one row per synthetic probe (a tick per run: green ok, red failed).' +
        (a.leftOut > 0 ? ` ${a.leftOut} records beyond the lane's bounds are not drawn.` : ''),
      plotH: alertsHeight(a),
      shade: true,
    },
    (f, x) => renderAlerts(f.content, f.labels, a, x, run.endUs),
  );
  frame.root.setAttribute('data-panel', 'alerts');
}

export function renderAlerts(content: G, labels: G, a: AlertsView, x: TimeScale, endUs: number): void {
  const rs = rows(a);
  const y = (i: number): number => i * (ROW_H + GAP) + 1;
  labels
    .selectAll<SVGTextElement, Row>('text.alert-label')
    .data(rs)
    .join('text')
    .attr('class', 'alert-label band-label')
    .attr('x', 6)
    .attr('y', (_r, i) => y(i) + ROW_H / 2 + 4)
    .text((r) => clipLabel(r.label, 20));
  content
    .selectAll<SVGRectElement, Row>('rect.alert-row-bg')
    .data(rs)
    .join('rect')
    .attr('class', 'alert-row-bg')
    .attr('x', 0)
    .attr('width', Math.max(0, x.range()[1]! - x.range()[0]!))
    .attr('y', (_r, i) => y(i))
    .attr('height', ROW_H)
    .attr('fill', '#f4f5f7');

  const rowOfAlert = (name: string): number => a.alerts.indexOf(name);
  const epEnd = (e: Episode): number => e.endUs ?? endUs;
  const tip = (e: Episode): string[] => [
    `pending ${formatTimeUs(e.pendingUs)}${e.firingUs !== null ? ` · firing ${formatTimeUs(e.firingUs)}` : ''}${e.endUs !== null ? ` · ${e.end} ${formatTimeUs(e.endUs)}` : ' · still open at the end'}`,
    e.labels,
    ...(e.summary ? [e.summary] : []),
  ];
  const eps = a.episodes.filter((e) => rowOfAlert(e.alert) >= 0);
  content
    .selectAll<SVGRectElement, Episode>('rect.alert-pending')
    .data(eps)
    .join('rect')
    .attr('class', 'alert-pending')
    .attr('data-alert', (e) => e.alert)
    .attr('x', (e) => x(e.pendingUs))
    .attr('width', (e) => Math.max(2, x(e.firingUs ?? epEnd(e)) - x(e.pendingUs)))
    .attr('y', (e) => y(rowOfAlert(e.alert)) + 2)
    .attr('height', ROW_H - 4)
    .attr('fill', '#f2b8a2')
    .on('mousemove', (ev: MouseEvent, e) => showTooltip(ev, `${e.alert} (${e.severity || 'no severity'})`, tip(e)))
    .on('mouseleave', hideTooltip);
  content
    .selectAll<SVGRectElement, Episode>('rect.alert-firing')
    .data(eps.filter((e) => e.firingUs !== null))
    .join('rect')
    .attr('class', 'alert-firing')
    .attr('data-alert', (e) => e.alert)
    .attr('data-firing-us', (e) => e.firingUs!)
    .attr('x', (e) => x(e.firingUs!))
    .attr('width', (e) => Math.max(2, x(epEnd(e)) - x(e.firingUs!)))
    .attr('y', (e) => y(rowOfAlert(e.alert)))
    .attr('height', ROW_H)
    .attr('rx', 2)
    .attr('fill', '#d62728')
    .on('mousemove', (ev: MouseEvent, e) => showTooltip(ev, `${e.alert} firing`, tip(e)))
    .on('mouseleave', hideTooltip);

  // on-call: runbook bars (start → end), then marks
  const oncallRow = a.alerts.length;
  const oy = y(oncallRow);
  const starts = a.oncall.filter((e) => e.kind === 'runbook-start');
  const ends = a.oncall.filter((e) => e.kind === 'runbook-end');
  const bars = starts.map((s, i) => ({ s, e: ends[i] }));
  content
    .selectAll<SVGRectElement, { s: OncallEvent; e: OncallEvent | undefined }>('rect.runbook')
    .data(a.oncall.length ? bars : [])
    .join('rect')
    .attr('class', 'runbook')
    .attr('x', (b) => x(b.s.timeUs))
    .attr('width', (b) => Math.max(3, x(b.e?.timeUs ?? endUs) - x(b.s.timeUs)))
    .attr('y', oy + 3)
    .attr('height', ROW_H - 6)
    .attr('fill', (b) => (b.s.mistake ? '#7f1d1d' : '#2f6fb0'))
    .on('mousemove', (ev: MouseEvent, b) => showTooltip(ev, 'runbook', [`${formatTimeUs(b.s.timeUs)}: ${b.s.text}`, ...(b.e ? [`${formatTimeUs(b.e.timeUs)}: ${b.e.text}`] : [])]))
    .on('mouseleave', hideTooltip);
  const marks = a.oncall.filter((e) => e.kind === 'page' || e.kind === 'page-ack' || e.kind === 'page-escalated' || e.kind === 'blast-radius');
  const shape = (e: OncallEvent, cx: number): string => {
    const m = oy + ROW_H / 2;
    if (e.kind === 'page') return `M${cx},${oy}L${cx + 5},${oy + ROW_H}L${cx - 5},${oy + ROW_H}Z`;
    if (e.kind === 'page-ack') return `M${cx - 4},${m}a4,4 0 1,0 8,0a4,4 0 1,0 -8,0`;
    return `M${cx},${oy}L${cx + 5},${m}L${cx},${oy + ROW_H}L${cx - 5},${m}Z`;
  };
  content
    .selectAll<SVGPathElement, OncallEvent>('path.oncall-mark')
    .data(marks)
    .join('path')
    .attr('class', (e) => `oncall-mark oncall-${e.kind}`)
    .attr('d', (e) => shape(e, x(e.timeUs)))
    .attr('fill', (e) => (e.kind === 'page' ? '#e67e22' : e.kind === 'page-ack' ? '#2ca02c' : e.mistake ? '#7f1d1d' : '#8e44ad'))
    .on('mousemove', (ev: MouseEvent, e) => showTooltip(ev, e.kind, [`${formatTimeUs(e.timeUs)}: ${e.text}`]))
    .on('mouseleave', hideTooltip);

  // probes: one tick per run
  const base = a.alerts.length + (a.oncall.length ? 1 : 0);
  const ticks = a.probes.flatMap((p, i) => p.results.map((r) => ({ r, row: base + i, p })));
  content
    .selectAll<SVGRectElement, (typeof ticks)[number]>('rect.probe-result')
    .data(ticks)
    .join('rect')
    .attr('class', (t) => `probe-result ${t.r.ok ? 'probe-ok' : 'probe-fail'}`)
    .attr('x', (t) => x(t.r.timeUs) - 1.5)
    .attr('width', 3)
    .attr('y', (t) => y(t.row) + 1)
    .attr('height', ROW_H - 2)
    .attr('fill', (t) => (t.r.ok ? '#2ca02c' : '#d62728'))
    .on('mousemove', (ev: MouseEvent, t) => showTooltip(ev, `${t.p.flow} @ ${t.p.location}`, [`${formatTimeUs(t.r.timeUs)}: ${t.r.ok ? 'ok' : `failed at ${t.r.failedStep ?? '?'}`}`]))
    .on('mouseleave', hideTooltip);
}
