/** The percentile table: count, mean, min, p50/p90/p99/p99.9 and max per latency distribution. */
import type { PercentileRow } from '../model.ts';
import { el } from './dom.ts';
import { formatNumber } from './format.ts';

export function renderPercentiles(container: HTMLElement, rows: readonly PercentileRow[]): void {
  const head = ['distribution', 'count', 'mean', 'min', 'p50', 'p90', 'p99', 'p99.9', 'max'];
  const table = el('table', { class: 'data percentiles' }, el('thead', {}, el('tr', {}, ...head.map((h, i) => el('th', {}, i > 1 ? `${h} (ms)` : h)))));
  const body = el('tbody');
  for (const r of rows) {
    body.appendChild(
      el(
        'tr',
        {},
        el('td', {}, r.label),
        el('td', {}, formatNumber(r.count)),
        ...[r.meanMs, r.minMs, r.p50Ms, r.p90Ms, r.p99Ms, r.p999Ms, r.maxMs].map((v) => el('td', {}, formatNumber(v))),
      ),
    );
  }
  table.appendChild(body);
  container.appendChild(table);
  container.appendChild(
    el(
      'p',
      { class: 'caption' },
      'Nearest-rank percentiles (the smallest recorded value with at least ⌈q·n⌉ observations at or below it) from log-linear histograms whose buckets are within 0.8% of their value; min and max are exact.',
    ),
  );
}
