/**
 * Human-readable output: a run's summary and the side-by-side comparison of variants.
 */
import type { Scenario } from '../run/scenario.ts';
import type { RunEnded } from '../app/run-end.ts';
import type { RunResult } from '../run/runner.ts';
import { formatCostPerHour, rankByCost } from '../world/cost.ts';

const DEFAULT_KEYS = ['availability', 'latencyMs.p50', 'latencyMs.p99', 'requests'];

export function metricAt(metrics: Record<string, unknown>, path: string): unknown {
  let v: unknown = metrics;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/**
 * An integer with commas between groups of three digits, as `toLocaleString('en-US')` prints it,
 * without loading ICU's number formatting (about 16 ms of a command's start-up on first use).
 */
export function groupThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

export function formatValue(v: unknown): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v)) return groupThousands(v);
    const a = Math.abs(v);
    if (a >= 1000) return v.toFixed(0);
    if (a >= 1) return v.toFixed(3).replace(/\.?0+$/, '');
    return v.toPrecision(4).replace(/\.?0+$/, '');
  }
  if (v === undefined || v === null) return '-';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function keyMetricsOf(scenario: Scenario<any>): string[] {
  return [...(scenario.keyMetrics ?? DEFAULT_KEYS)];
}

function mark(status: string, expected: string): string {
  const sym = status === 'ok' ? 'ok  ' : status === 'fail' ? 'FAIL' : '??  ';
  return status === expected ? sym : `${sym} (expected ${expected})`;
}

export function formatRunSummary(scenario: Scenario<any>, r: RunResult, ended?: RunEnded): string {
  const lines: string[] = [];
  lines.push(`${scenario.title}`);
  const events = groupThousands(r.stats.events);
  const simulated = formatValue(r.stats.simTimeMs / 1000);
  lines.push(`scenario ${r.scenario} · variant ${r.variant} · seed ${r.seed} · ${events} events · ${simulated} s simulated · ${r.stats.wallMs} ms wall`);
  const vdesc = scenario.variants[r.variant]?.description;
  if (vdesc) lines.push(`design: ${vdesc}`);
  if (ended && ended.reason !== 'until') lines.push(`the run ${ended.detail}`);
  lines.push('');
  const keys = keyMetricsOf(scenario);
  // a run with alert rules: its detection figures too (docs/ALERTING.md)
  if ('falseAlerts' in r.metrics) for (const k of ['timeToDetectMs', 'timeToAcknowledgeMs', 'timeToRecoverMs', 'falseAlerts']) if (k in r.metrics && !keys.includes(k)) keys.push(k);
  const w = Math.max(...keys.map((k) => k.length));
  for (const k of keys) lines.push(`  ${k.padEnd(w)}  ${formatValue(metricAt(r.metrics, k))}`);
  if (r.faults.length) {
    lines.push('');
    lines.push(`faults (${r.faults.length}):`);
    for (const f of r.faults.slice(0, 12)) lines.push(`  ${JSON.stringify(f)}`);
    if (r.faults.length > 12) lines.push(`  … ${r.faults.length - 12} more (see --json)`);
  }
  lines.push('');
  lines.push('checks:');
  for (const c of r.checks) lines.push(`  ${mark(c.status, c.expected)}  ${c.name}: ${c.detail}${c.firstFailedAtMs != null ? ` (first failed at ${formatValue(c.firstFailedAtMs / 1000)} s)` : ''}`);
  if (r.checks.length === 0) lines.push('  (none)');
  if (typeof r.metrics.costPerHourUsd === 'number') {
    const c = r.metrics.cost as { computePerHourUsd: number; transferPerHourUsd: number; prices: string };
    lines.push('');
    lines.push(`cost: ${formatCostPerHour(r.metrics.costPerHourUsd)} (compute ${formatCostPerHour(c.computePerHourUsd)}, transfer ${formatCostPerHour(c.transferPerHourUsd)}; prices of ${c.prices}, --prices for yours)`);
  }
  const differs = r.checks.filter((c) => c.status !== c.expected);
  lines.push('');
  lines.push(differs.length === 0 ? 'verdict: every check came out as this variant expects' : `verdict: ${differs.length} check(s) differ from this variant's expectation`);
  lines.push(`replay: ${r.replay}`);
  lines.push(`trace hash: ${r.traceHash}`);
  return lines.join('\n') + '\n';
}

/**
 * Rows: variants. Columns: key metrics, then each check's outcome. When that is wider than
 * `width` columns (a terminal), the table is transposed: rows are metrics and checks, columns are
 * variants, which fits far more variants than metrics side by side.
 */
export function comparisonTable(scenario: Scenario<any>, results: readonly RunResult[], width = 120, ended: readonly (RunEnded | undefined)[] = []): string {
  const keys = keyMetricsOf(scenario);
  if (results.some((r) => 'falseAlerts' in r.metrics)) for (const k of ['timeToDetectMs', 'timeToAcknowledgeMs', 'timeToRecoverMs', 'falseAlerts']) if (results.some((r) => k in r.metrics) && !keys.includes(k)) keys.push(k);
  const checkNames = scenario.checks?.map((c) => c.name) ?? [];
  const cell = (r: RunResult, n: string): string => {
    const c = r.checks.find((x) => x.name === n);
    if (!c) return '-';
    const s = c.status === 'ok' ? 'ok' : c.status === 'fail' ? 'FAIL' : '??';
    return c.status === c.expected ? s : `${s}!`;
  };
  const render = (header: string[], rows: string[][]): string[] => {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  };
  let table = render(
    ['variant', ...keys, ...checkNames],
    results.map((r) => [r.variant, ...keys.map((k) => formatValue(metricAt(r.metrics, k))), ...checkNames.map((n) => cell(r, n))]),
  );
  if (Math.max(...table.map((l) => l.length)) > width) {
    table = render(
      ['', ...results.map((r) => r.variant)],
      [
        ...keys.map((k) => [k, ...results.map((r) => formatValue(metricAt(r.metrics, k)))]),
        ...checkNames.map((n) => [`check ${n}`, ...results.map((r) => cell(r, n))]),
      ],
    );
  }
  const out: string[] = [];
  out.push(`${scenario.title} — seed ${results[0]?.seed}`);
  out.push('');
  out.push(...table);
  out.push('');
  for (const r of results) {
    const d = scenario.variants[r.variant]?.description;
    if (d) out.push(`  ${r.variant}: ${d}`);
  }
  const endings = results.map((r, i) => [r.variant, ended[i]] as const).filter(([, e]) => e !== undefined && e.reason !== 'until');
  if (endings.length > 0) {
    if (out.at(-1) !== '') out.push('');
    if (endings.length === results.length && endings.every(([, e]) => e!.reason === 'drained')) {
      out.push(`each run ended when its workloads had stopped and drained: ${endings.map(([v, e]) => `${v} at ${+(e!.atUs / 1e6).toFixed(3)}s`).join(', ')}`);
    } else {
      for (const [v, e] of endings) out.push(`  ${v}: the run ${e!.detail}`);
    }
  }
  const cost = costLine(results);
  if (cost) {
    if (out.at(-1) !== '') out.push('');
    out.push(cost);
  }
  out.push('');
  out.push("checks: ok = held, FAIL = violated (expected for designs meant to fail); a trailing ! marks an outcome that differs from the variant's expectation.");
  const differs = results.filter((r) => r.checks.some((c) => c.status !== c.expected));
  out.push(differs.length === 0 ? 'verdict: every variant behaved as expected' : `verdict: ${differs.map((r) => r.variant).join(', ')} differ from expectation`);
  out.push(`replay one: ${results[0]?.replay}`);
  return out.join('\n') + '\n';
}

/** The cheapest design that meets every check, against the others' cost; null without costs. */
function costLine(results: readonly RunResult[]): string | null {
  const rank = rankByCost(results);
  if (rank.rows.length < 2) return null;
  const all = rank.rows.map((r) => `${r.variant} ${formatCostPerHour(r.costPerHourUsd)}${r.meetsEveryCheck ? '' : ' (fails a check)'}`).join(', ');
  const head = rank.cheapestPassing === null ? 'no design meets every check' : `cheapest design that meets every check: ${rank.cheapestPassing}`;
  return `cost: ${head}; by cost: ${all} (prices of ${rank.prices}, --prices for yours)`;
}
