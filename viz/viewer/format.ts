/** Number and time formatting for labels, ticks and tooltips (sim time is µs, not wall time). */

export function formatTimeUs(us: number): string {
  const a = Math.abs(us);
  if (a === 0) return '0';
  if (a >= 3_600_000_000) return `${trim(us / 3_600_000_000)}h`;
  if (a >= 600_000_000 && a % 60_000_000 === 0) return `${trim(us / 60_000_000)}min`;
  if (a >= 1_000_000) return `${trim(us / 1_000_000)}s`;
  if (a >= 1_000) return `${trim(us / 1_000)}ms`;
  return `${trim(us)}µs`;
}

function trim(x: number): string {
  return String(+x.toFixed(3));
}

export function formatNumber(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e7 || a < 1e-3)) return v.toExponential(2);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return (+v.toPrecision(digits + 1)).toLocaleString('en-US', { maximumFractionDigits: 4 });
}

export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '–';
  if (fraction === 1) return '100%';
  return `${(fraction * 100).toFixed(fraction > 0.999 ? 3 : 2)}%`;
}

export function valueText(v: unknown): string {
  if (typeof v === 'string') return v;
  return JSON.stringify(v) ?? String(v);
}

/** Shorten a label to `max` characters (the full text goes in a tooltip or title). */
export function clipLabel(s: string, max = 18): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
