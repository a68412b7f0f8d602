/**
 * Who won. The conclusion line at the top of the report, and the variant comparison (several
 * runs, e.g. `--all-variants`): a table with one column per variant, whose rows say which checks
 * each variant *met* (apart from whether that was expected) and its key figures with the best
 * value of each row highlighted; and builders for overlaid panels (one colour per variant on the
 * shared time axis). Pure functions of (runs, container).
 */
import { bestRuns, cheapestMeetingEveryCheck, checkMet, conclusion, metricDirection } from '../compare.ts';
import type { GridSeries, MetricPanelView, RunView } from '../model.ts';
import { axisBottom, axisLeft, format, scaleLinear, select } from 'd3';
import { breakable, el } from './dom.ts';
import { formatNumber, formatPercent } from './format.ts';
import { runColor } from './palette.ts';

export function runLabel(run: RunView, runs: readonly RunView[]): string {
  const same = runs.filter((r) => r.variant === run.variant).length > 1;
  return same ? `${run.variant} (seed ${run.seed})` : run.variant;
}

/** The one-line conclusion: variant names in bold, check names as code. */
export function renderConclusion(container: HTMLElement, runs: readonly RunView[]): void {
  const c = conclusion(runs);
  const p = el('p', { class: 'conclusion', 'data-conclusion': c.text });
  for (const s of c.spans) p.appendChild(s.kind === 'variant' ? el('strong', { class: 'variant-name' }, s.text) : s.kind === 'check' ? el('code', {}, s.text) : document.createTextNode(s.text));
  container.appendChild(p);
  const line = costConclusion(runs);
  if (line) container.appendChild(el('p', { class: 'cost-conclusion', 'data-cost-conclusion': line }, line));
}

/** "Cheapest design that meets every check: a at $0.61/h; cheaper, failing a check: b $0.37/h." */
export function costConclusion(runs: readonly RunView[]): string | null {
  const priced = runs.filter((r) => r.cost !== null);
  if (priced.length < 2) return null;
  const i = cheapestMeetingEveryCheck(runs);
  const price = (r: RunView): string => `$${formatNumber(r.cost!.perHourUsd)}/h`;
  if (i === null) return `No design meets every check; by cost: ${[...priced].sort((a, b) => a.cost!.perHourUsd - b.cost!.perHourUsd).map((r) => `${runLabel(r, runs)} ${price(r)}`).join(', ')}.`;
  const best = runs[i]!;
  const cheaper = priced.filter((r) => r !== best && r.cost!.perHourUsd < best.cost!.perHourUsd);
  return `Cheapest design that meets every check: ${runLabel(best, runs)} at ${price(best)}${cheaper.length ? `; cheaper, but failing a check: ${cheaper.map((r) => `${runLabel(r, runs)} ${price(r)}`).join(', ')}` : ''}.`;
}

const MET_TEXT = { met: '✓ met', failed: '✗ failed', undecided: '? undecided' } as const;
const MET_CLASS = { met: 'ok', failed: 'fail', undecided: 'unknown' } as const;

/** A variant's outcome in a few words: "meets all 3 checks", "fails 2 of 3". */
export function outcomeText(run: RunView): string {
  const n = run.checks.length;
  if (n === 0) return 'no checks';
  const failed = run.checks.filter((c) => c.status === 'fail').length;
  const undecided = run.checks.filter((c) => c.status === 'unknown').length;
  if (failed) return `fails ${failed} of ${n}`;
  if (undecided) return `${undecided} of ${n} undecided`;
  return n === 1 ? 'meets its check' : `meets all ${n} checks`;
}

interface MetricRow {
  label: string;
  title?: string;
  values: (string | number | boolean | null | undefined)[];
  better?: 'higher' | 'lower';
  format: (v: string | number | boolean | null | undefined) => string;
}

export function renderComparisonTable(container: HTMLElement, runs: readonly RunView[]): void {
  const num = (v: string | number | boolean | null | undefined): string => (v === undefined || v === null ? '–' : typeof v === 'number' ? formatNumber(v) : String(v));
  const pct = (v: string | number | boolean | null | undefined): string => (typeof v === 'number' ? formatPercent(v) : num(v));
  // Key metrics the standard rows already show are not repeated.
  const standard = new Set(['requests', 'availability', 'latencyMs.p50', 'latencyMs.p99', 'latencyMs.max', 'retries', 'costPerHourUsd']);
  const keyNames = [...new Set(runs.flatMap((r) => r.keyMetrics.map((k) => k.name)))].filter((k) => !standard.has(k));
  const rows: MetricRow[] = [
    { label: 'requests', values: runs.map((r) => r.summary.requests), format: num },
    { label: 'availability', values: runs.map((r) => r.summary.availability), better: 'higher', format: pct },
    { label: 'p50 latency (ms)', values: runs.map((r) => r.summary.latencyMs.p50), better: 'lower', format: num },
    { label: 'p99 latency (ms)', values: runs.map((r) => r.summary.latencyMs.p99), better: 'lower', format: num },
    { label: 'max latency (ms)', values: runs.map((r) => r.summary.latencyMs.max), better: 'lower', format: num },
    { label: 'retries', values: runs.map((r) => r.summary.retries), better: 'lower', format: num },
    ...keyNames.map((k): MetricRow => {
      const better = runs.flatMap((r) => r.keyMetrics.filter((m) => m.name === k && m.better)).map((m) => m.better)[0] ?? metricDirection(k);
      return { label: k, values: runs.map((r) => r.keyMetrics.find((m) => m.name === k)?.value), ...(better ? { better } : {}), format: /availability/i.test(k) ? pct : num };
    }),
  ];
  const checkNames = [...new Set(runs.flatMap((r) => r.checks.map((c) => c.name)))];
  const priced = runs.some((r) => r.cost !== null);
  const cheapest = cheapestMeetingEveryCheck(runs);
  const usd = (v: string | number | boolean | null | undefined): string => (typeof v === 'number' ? `$${formatNumber(v)}` : num(v));
  const costRows: MetricRow[] = priced
    ? [
        { label: 'cost per hour (USD)', values: runs.map((r) => r.cost?.perHourUsd), better: 'lower', format: usd },
        { label: 'compute per hour', values: runs.map((r) => r.cost?.computePerHourUsd), format: usd },
        { label: 'transfer per hour', values: runs.map((r) => r.cost?.transferPerHourUsd), format: usd },
      ]
    : [];

  const head = el(
    'tr',
    {},
    el('th', { class: 'row-head', scope: 'col' }, ''),
    ...runs.map((r, i) => {
      const sw = el('span', { class: 'swatch' });
      sw.style.background = runColor(i);
      const failing = r.checks.some((c) => c.status === 'fail');
      return el(
        'th',
        { scope: 'col', 'data-run': r.id },
        sw,
        el('a', { href: `#${r.id}` }, breakable(runLabel(r, runs))),
        el('div', {}, el('span', { class: `chip ${failing ? 'fail' : r.checks.some((c) => c.status === 'unknown') ? 'unknown' : 'ok'}`, 'data-outcome': outcomeText(r) }, outcomeText(r))),
        i === cheapest ? el('div', {}, el('span', { class: 'chip cheapest', 'data-cheapest': 'true', title: 'the cheapest design that meets every check' }, 'cheapest passing')) : null,
      );
    }),
  );
  const body = el('tbody');
  const group = (text: string): void => void body.appendChild(el('tr', { class: 'group' }, el('th', { colspan: runs.length + 1, scope: 'colgroup' }, text)));
  if (checkNames.length) {
    group('Checks: what each variant met');
    for (const name of checkNames) {
      const description = runs.flatMap((r) => r.checks.filter((c) => c.name === name && c.description)).map((c) => c.description)[0];
      body.appendChild(
        el(
          'tr',
          { 'data-check': name },
          el('th', { scope: 'row', ...(description ? { title: description } : {}) }, el('code', {}, breakable(name))),
          ...runs.map((r) => {
            const c = r.checks.find((x) => x.name === name);
            if (!c) return el('td', {}, '–');
            const met = checkMet(c);
            return el(
              'td',
              { 'data-met': met, 'data-as-expected': String(c.asExpected) },
              el('span', { class: `met ${MET_CLASS[met]}` }, MET_TEXT[met]),
              c.asExpected ? (c.expected === 'fail' ? el('span', { class: 'expectation' }, ' as designed') : null) : el('span', { class: 'chip fail' }, 'unexpected'),
            );
          }),
        ),
      );
    }
    body.appendChild(
      el(
        'tr',
        { 'data-row': 'as-expected' },
        el('th', { scope: 'row', title: "Each check's outcome matches the variant's expectation: a design meant to fail a check fails it." }, 'behaved as designed'),
        ...runs.map((r) => el('td', {}, el('span', { class: `chip ${r.verdict}` }, r.verdict === 'ok' ? 'yes' : r.verdict === 'fail' ? 'no' : 'undecided'))),
      ),
    );
  }
  group('Results (best of each row highlighted where higher or lower is clearly better)');
  for (const row of [...rows, ...costRows]) {
    if (row === costRows[0]) group(`Cost per hour of the run (prices of ${runs.find((r) => r.cost)?.cost?.prices ?? ''}; illustrative unless given with --prices)`);
    const best = new Set(bestRuns(row.values.map((v) => (typeof v === 'number' ? v : null)), row.better));
    body.appendChild(
      el(
        'tr',
        { 'data-metric': row.label, ...(row.better ? { 'data-better': row.better } : {}) },
        el('th', { scope: 'row' }, breakable(row.label), row.better ? el('span', { class: 'direction', title: `${row.better} is better` }, row.better === 'higher' ? ' ↑' : ' ↓') : null),
        ...row.values.map((v, i) => el('td', best.has(i) ? { class: 'best', title: 'best of the variants' } : {}, row.format(v))),
      ),
    );
  }
  const table = el('table', { class: 'data comparison' }, el('thead', {}, head), body);
  container.appendChild(el('div', { class: 'table-wrap' }, table));
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

/**
 * Availability against cost: one dot per variant (its colour), the cheapest design that meets
 * every check ringed. Drawn only when at least two runs have a cost. An architect reads it as a
 * Pareto picture: up is better, left is cheaper.
 */
export function renderCostChart(container: HTMLElement, runs: readonly RunView[]): void {
  const priced = runs.map((r, i) => ({ r, i })).filter((x) => x.r.cost !== null);
  if (priced.length < 2) return;
  const cheapest = cheapestMeetingEveryCheck(runs);
  const W = 560;
  const H = 220;
  const m = { l: 56, r: 150, t: 12, b: 36 };
  const maxCost = Math.max(...priced.map((x) => x.r.cost!.perHourUsd));
  const minAvail = Math.min(...priced.map((x) => x.r.summary.availability));
  const x = scaleLinear().domain([0, maxCost * 1.08 || 1]).nice().range([m.l, W - m.r]);
  const y = scaleLinear().domain([Math.max(0, Math.floor(minAvail * 20) / 20 - 0.05), 1]).range([H - m.b, m.t]);
  const wrap = el('div', { class: 'panel cost-chart', 'data-panel': 'cost' });
  wrap.appendChild(el('h3', {}, 'Availability against cost'));
  wrap.appendChild(
    el('p', { class: 'caption' }, 'One dot per variant: up is more available, left is cheaper.' + (cheapest !== null ? ` Ringed: ${runLabel(runs[cheapest]!, runs)}, the cheapest design that meets every check.` : ' No design meets every check.')),
  );
  const svg = select(wrap).append('svg').attr('viewBox', `0 0 ${W} ${H}`).attr('width', W).attr('height', H).attr('class', 'cost-scatter');
  svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${H - m.b})`).call(axisBottom(x).ticks(5).tickFormat((v) => `$${formatNumber(Number(v))}`));
  svg.append('g').attr('class', 'axis').attr('transform', `translate(${m.l},0)`).call(axisLeft(y).ticks(4).tickFormat(format('.0%')));
  svg.append('text').attr('class', 'axis-label').attr('x', (m.l + W - m.r) / 2).attr('y', H - 4).attr('text-anchor', 'middle').text('cost per hour (USD)');
  for (const { r, i } of priced) {
    const cx = x(r.cost!.perHourUsd);
    const cy = y(r.summary.availability);
    const g = svg.append('g').attr('data-run', r.id).attr('data-cost', r.cost!.perHourUsd);
    if (i === cheapest) g.append('circle').attr('cx', cx).attr('cy', cy).attr('r', 9).attr('fill', 'none').attr('stroke', '#1a1d23').attr('stroke-width', 1.5).attr('data-cheapest', 'true');
    g.append('circle').attr('cx', cx).attr('cy', cy).attr('r', 5).attr('fill', runColor(i));
    g.append('text').attr('x', cx + 12).attr('y', cy + 4).attr('class', 'dot-label').text(runLabel(r, runs));
    g.append('title').text(`${runLabel(r, runs)}: $${formatNumber(r.cost!.perHourUsd)}/h, availability ${formatPercent(r.summary.availability)}`);
  }
  container.appendChild(wrap);
}
