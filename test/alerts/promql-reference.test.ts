// rate() and histogram_quantile() as faultline's alert rules evaluate them, against values
// computed here from the run's trace (its `request` records) with the formulas of the
// Prometheus documentation, not with faultline's code:
// - with scrapes every second, a window [r] holds the samples at t-r+1s … t (left-open); the
//   first lies within 1.1 sample spacings of the window's start, so rate() extrapolates the
//   increase to the whole window: rate = (c(t) - c(t-r+1s)) · r/(r-1s) / r, unless a counter
//   would be below zero at the window's start: then it extrapolates back only to where it was 0
//   (start distance (r-1s)·c(t-r+1s)/increase);
// - histogram_quantile(φ) finds the bucket where the cumulative count reaches φ·total and
//   interpolates linearly between its lower and upper bound (0 below the first bucket).
import { describe, expect, it } from 'vitest';
import { parseExpr } from '../../sim/alerts/expr.ts';
import { evaluate, histogramQuantile } from '../../sim/alerts/promql.ts';
import { runDetailed } from '../../sim/run/runner.ts';
import fixture from './fixture.ts';

const S = 1_000_000;
const art = runDetailed(fixture, {
  traceLevel: 'full',
  alerting: { groups: [{ name: 'g', rules: [{ alert: 'Errors', expr: 'sum(rate(faultline_requests_total{outcome="error"}[10s])) > 1' }] }] },
});
const requests = art.records.filter((r) => r.kind === 'request') as { time: number; ok: boolean; latencyUs: number }[];
const store = art.alerting!.alerting.store;
const value = (expr: string, tUs: number): number => {
  const v = evaluate(parseExpr(expr), store, tUs);
  if (v.type !== 'vector' || v.samples.length !== 1) throw new Error(`${expr} at ${tUs}: ${JSON.stringify(v)}`);
  return v.samples[0]!.value;
};
const count = (tUs: number, pick: (r: (typeof requests)[number]) => boolean): number => requests.filter((r) => r.time <= tUs && pick(r)).length;

describe('alert rule values against the trace', () => {
  it('no request finishes exactly at a scrape instant (so which side of the scrape it falls is unambiguous)', () => {
    expect(requests.length).toBeGreaterThan(2500);
    expect(requests.filter((r) => r.time % S === 0)).toEqual([]);
  });

  it('the exposed counter equals the requests recorded up to each scrape', () => {
    for (const t of [5, 12, 20]) {
      expect(value('faultline_requests_total{outcome="ok"}', t * S)).toBe(count(t * S, (r) => r.ok));
    }
    expect(value('sum(faultline_requests_total{outcome="error"})', 20 * S)).toBe(count(20 * S, (r) => !r.ok));
  });

  it('rate(counter[10s]) extrapolates (c(t) − c(t−9s)) to the 10 s window', () => {
    const ok = (r: (typeof requests)[number]): boolean => r.ok;
    for (const t of [12, 20, 29]) {
      const expected = ((count(t * S, ok) - count((t - 9) * S, ok)) * (10 / 9)) / 10;
      expect(value('rate(faultline_requests_total{outcome="ok"}[10s])', t * S)).toBeCloseTo(expected, 9);
      expect(value('increase(faultline_requests_total{outcome="ok"}[10s])', t * S)).toBeCloseTo(expected * 10, 9);
    }
    const bad = (r: (typeof requests)[number]): boolean => !r.ok;
    const errors = ((count(20 * S, bad) - count(11 * S, bad)) * (10 / 9)) / 10;
    expect(errors).toBeGreaterThan(1);
    expect(value('sum(rate(faultline_requests_total{outcome="error"}[10s]))', 20 * S)).toBeCloseTo(errors, 9);
  });

  it('histogram_quantile over rate() of the buckets interpolates inside the bucket of the rank', () => {
    const bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, Infinity];
    for (const t of [12, 29]) {
      const latency = (from: number, to: number): number[] => requests.filter((r) => r.time > from && r.time <= to).map((r) => r.latencyUs / 1e6);
      const before = latency(-1, (t - 9) * S);
      const inWindow = latency((t - 9) * S, t * S);
      // each bucket's rate, extrapolated as the file's comment says (per bucket: a bucket that was
      // near zero at the window's start is extrapolated less)
      const cumulative = bounds.map((le) => {
        const first = before.filter((x) => x <= le).length;
        const increase = inWindow.filter((x) => x <= le).length;
        let toStart = 1;
        if (increase > 0 && first >= 0) toStart = Math.min(toStart, (9 * first) / increase);
        return (increase * ((9 + toStart) / 9)) / 10;
      });
      for (const q of [0.5, 0.9, 0.99]) {
        const rank = q * cumulative[cumulative.length - 1]!;
        const i = cumulative.findIndex((c) => c >= rank);
        expect(i).toBeLessThan(bounds.length - 1);
        const lower = i === 0 ? 0 : bounds[i - 1]!;
        const below = i === 0 ? 0 : cumulative[i - 1]!;
        const expected = lower + (bounds[i]! - lower) * ((rank - below) / (cumulative[i]! - below));
        const got = value(`histogram_quantile(${q}, sum by (le) (rate(faultline_request_duration_seconds_bucket[10s])))`, t * S);
        expect(got).toBeCloseTo(expected, 9);
      }
    }
  });

  it('histogramQuantile matches a published example (ClickHouse quantilePrometheusHistogram docs: 0.35)', () => {
    const b = [
      { le: 0, count: 6 },
      { le: 0.5, count: 11 },
      { le: 1, count: 14 },
      { le: Infinity, count: 19 },
    ];
    expect(histogramQuantile(0.5, b)).toBeCloseTo(0.35, 12);
    // a rank in the +Inf bucket gives the largest finite bound; out-of-range φ gives ±Inf
    expect(histogramQuantile(0.99, b)).toBe(1);
    expect(histogramQuantile(-0.1, b)).toBe(-Infinity);
    expect(histogramQuantile(1.1, b)).toBe(Infinity);
  });
});
