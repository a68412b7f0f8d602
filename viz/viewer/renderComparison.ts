/**
 * Variant comparison (several runs, e.g. `--all-variants`): a table of each run's key figures and
 * verdict, and builders for overlaid panels (one colour per variant on the shared time axis).
 */
import type { GridSeries, MetricPanelView, RunView } from '../model.ts';
import { el } from './dom.ts';
import { formatNumber, formatPercent } from './format.ts';
import { runColor } from './palette.ts';

export function runLabel(run: RunView, runs: readonly RunView[]): string {
  const same = runs.filter((r) => r.variant === run.variant).length > 1;
  return same ? `${run.variant} (seed ${run.seed})` : run.variant;
}

export function renderComparisonTable(container: HTMLElement, runs: readonly RunView[]): void {
  const keyNames = [...new Set(runs.flatMap((r) => r.keyMetrics.map((k) => k.name)))];
  const head = ['variant', 'verdict', 'requests', 'availability', 'p50 ms', 'p99 ms', 'max ms', 'retries', ...keyNames];
  const body = el('tbody');
  runs.forEach((r) => {
    const sw = el('span', { class: 'swatch' });
    sw.style.background = runColor(runs.indexOf(r));
    body.appendChild(
      el(
        'tr',
        { 'data-run': r.id },
        el('td', {}, sw, el('a', { href: `#${r.id}` }, runLabel(r, runs))),
        el('td', {}, el('span', { class: `chip ${r.verdict}` }, r.verdict)),
        el('td', {}, formatNumber(r.summary.requests)),
        el('td', {}, formatPercent(r.summary.availability)),
        el('td', {}, formatNumber(r.summary.latencyMs.p50)),
        el('td', {}, formatNumber(r.summary.latencyMs.p99)),
        el('td', {}, formatNumber(r.summary.latencyMs.max)),
        el('td', {}, formatNumber(r.summary.retries)),
        ...keyNames.map((k) => {
          const v = r.keyMetrics.find((m) => m.name === k)?.value;
          return el('td', {}, v === undefined || v === null ? '–' : typeof v === 'number' ? formatNumber(v) : String(v));
        }),
      ),
    );
  });
  container.appendChild(el('table', { class: 'data comparison' }, el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))), body));
}

/** An overlay panel: the named series of one panel from every run, renamed to the run's label. */
export function overlayPanel(runs: readonly RunView[], panelId: string, seriesName: string, title: string, caption: string): MetricPanelView | null {
  const series: GridSeries[] = [];
  let unit = '';
  let scale: MetricPanelView['scale'] = 'linear';
  for (const r of runs) {
    const p = r.panels.find((q) => q.id === panelId);
    const s = p?.series.find((q) => q.name === seriesName);
    if (!p || !s) continue;
    unit = p.unit;
    scale = p.scale;
    series.push({ ...s, name: runLabel(r, runs) });
  }
  if (series.length === 0) return null;
  return { id: `${panelId}-${seriesName}`, title, caption, unit, scale, series, emptyText: '' };
}
