// sloWindows' per-window p99 against the nearest-rank p99 of the raw latencies that finished in
// each window (the histogram's bucket bounds the error: at most 1/128 above, never below, never
// over the window's largest latency), on a run short enough for one latency histogram per window
// and on one long enough that each SLO window spans two (its series coarsened first).
import { describe, expect, it } from 'vitest';
import { RequestStats } from '../../sim/observe/requests.ts';
import { percentileOfValues } from '../../sim/observe/metrics.ts';
import { sloWindows } from '../../sim/check/slo.ts';

/** A small deterministic generator (the test's own data, not the simulator's streams). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function feed(seconds: number, perSecond: number): { stats: RequestStats; raw: { t: number; lat: number; ok: boolean }[] } {
  const stats = new RequestStats(1_000_000);
  const next = lcg(seconds);
  const raw: { t: number; lat: number; ok: boolean }[] = [];
  for (let s = 0; s < seconds; s++) {
    for (let k = 0; k < perSecond; k++) {
      const t = s * 1_000_000 + Math.floor((k / perSecond) * 1_000_000);
      // mostly fast, a slow tail that moves from second to second
      const lat = Math.floor(next() < 0.05 + 0.04 * Math.sin(s) ? 200_000 + next() * 800_000 : 1_000 + next() * 20_000);
      const ok = next() > 0.01;
      stats.record(t, ok, lat, ok ? undefined : 'error');
      raw.push({ t, lat, ok });
    }
  }
  return { stats, raw };
}

function expectP99sMatch(seconds: number, perSecond: number, histogramsPerWindow: number): void {
  const { stats, raw } = feed(seconds, perSecond);
  for (const slo of [{ availabilityMin: 0.99 }, { availabilityMin: 0.99, latencyMsP99Max: 500 }]) {
    const windows = sloWindows(stats, slo);
    expect(windows.length).toBeGreaterThan(0);
    expect(windows[0]!.endUs - windows[0]!.startUs).toBe(histogramsPerWindow * stats.windowLatencyWidthUs);
    for (const w of windows) {
      const inside = raw.filter((r) => r.t >= w.startUs && r.t < w.endUs);
      expect(w.requests).toBe(inside.length);
      expect(w.ok).toBe(inside.filter((r) => r.ok).length);
      const lats = inside.map((r) => r.lat);
      const exact = percentileOfValues(lats, 0.99);
      const gotUs = w.latencyMsP99 * 1000;
      expect(gotUs).toBeGreaterThanOrEqual(exact - 1e-6); // (µs → ms → µs in floating point)
      expect(gotUs).toBeLessThanOrEqual(Math.min(Math.max(...lats), exact * (1 + 1 / 128)) + 1e-6);
      if (slo.latencyMsP99Max !== undefined && w.latencyMsP99 > slo.latencyMsP99Max) expect(w.pass).toBe(false);
    }
  }
}

describe('sloWindows: p99 per window', () => {
  it('one latency histogram per window (100 s): the raw nearest-rank p99 to the bucket', () => {
    expectP99sMatch(100, 200, 1);
  });

  it('windows spanning two latency histograms (3,000 s: the series coarsened to 2 s): the raw p99 of both together', () => {
    expectP99sMatch(3000, 20, 2);
  });
});
