import { describe, expect, it } from 'vitest';
import { Gauge, Histogram, RandomStreams, Series, percentile, percentileOfValues } from '../../sim/index.ts';
import { RequestStats, WINDOW_HISTOGRAMS_MAX } from '../../sim/observe/requests.ts';

describe('Histogram and percentile()', () => {
  it('is exact below 256 and follows the nearest-rank definition', () => {
    const h = new Histogram();
    const values = [5, 1, 3, 2, 4, 100, 7, 9, 8, 6];
    for (const v of values) h.record(v);
    for (const q of [0.1, 0.25, 0.5, 0.9, 0.95, 0.99]) expect(percentile(h, q)).toBe(percentileOfValues(values, q));
    expect(percentile(h, 0)).toBe(1);
    expect(percentile(h, 1)).toBe(100);
  });

  it('stays within 0.8% of the exact nearest-rank value on a wide distribution', () => {
    const r = new RandomStreams(3).get('h');
    const h = new Histogram();
    const values: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      const v = Math.floor(r.lognormal(10, 1.5));
      values.push(v);
      h.record(v);
    }
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const exact = percentileOfValues(values, q);
      const approx = percentile(h, q);
      expect(approx).toBeGreaterThanOrEqual(exact);
      expect((approx - exact) / exact).toBeLessThan(1 / 128);
    }
  });

  it('memory is bounded by the value range, not the count', () => {
    const h = new Histogram();
    for (let i = 0; i < 1_000_000; i++) h.record(1000 + (i % 7));
    expect(h.buckets.length).toBeLessThan(2000);
    expect(h.count).toBe(1_000_000);
  });

  it('puts each value in the HdrHistogram bucket of its defining formula, bucketed once or not', () => {
    // HdrHistogram's log-linear layout: below 256 one bucket per integer; above, 128 equal
    // buckets per power of two, so bucket = 256 + (e - 8) * 128 + floor((x - 2^e) / 2^(e - 7))
    const reference = (x: number): number => {
      if (x < 256) return x;
      const e = Math.floor(Math.log2(x));
      return 256 + (e - 8) * 128 + Math.floor((x - 2 ** e) / 2 ** (e - 7));
    };
    const r = new RandomStreams(5).get('b');
    const edges = [0, 255, 256, 257, 511, 512, 2 ** 20 - 1, 2 ** 20, 2 ** 31 - 1, 2 ** 31, 2 ** 40 + 12345];
    for (let i = 0; i < 2000; i++) edges.push(Math.floor(r.lognormal(9, 3)));
    for (const x of edges) expect(Histogram.bucketOf(x)).toBe(reference(x));
    const once = new Histogram(8);
    const plain = new Histogram();
    for (const x of edges) {
      once.recordInBucket(x, Histogram.bucketOf(x));
      plain.record(x);
    }
    for (const q of [0.01, 0.5, 0.9, 0.999]) expect(percentile(once, q)).toBe(percentile(plain, q));
    expect([once.count, once.sum, once.min, once.max]).toEqual([plain.count, plain.sum, plain.min, plain.max]);
  });

  it('an empty histogram reports NaN, a single value reports itself', () => {
    expect(percentile(new Histogram(), 0.5)).toBeNaN();
    const h = new Histogram();
    h.record(123_456);
    expect(percentile(h, 0.5)).toBe(123_456);
    expect(percentile(h, 0.99)).toBe(123_456);
  });
});

describe('sparse histograms (one per series window)', () => {
  it('give the nearest-rank percentiles of the raw values before and after they turn dense, and merge like dense ones', () => {
    const r = new RandomStreams(5).get('sparse');
    for (const n of [1, 7, 300, 1_900, 5_000]) {
      // integers below 256 are exact buckets, so percentiles must equal those of the raw values
      const values = Array.from({ length: n }, () => r.int(0, 255));
      const sparse = Histogram.sparse();
      for (const v of values) sparse.record(v);
      for (const q of [0.01, 0.25, 0.5, 0.9, 0.99, 0.999]) expect(percentile(sparse, q)).toBe(percentileOfValues(values, q));
      // merged into a sparse and into a dense histogram holding more raw values (two sparse lists
      // that fit in one, and ones that do not: 1,900 + 200)
      const more = Array.from({ length: 200 }, () => r.int(0, 255));
      const intoSparse = Histogram.sparse();
      const intoDense = new Histogram();
      for (const v of more) {
        intoSparse.record(v);
        intoDense.record(v);
      }
      intoSparse.merge(sparse);
      intoDense.merge(sparse);
      const all = more.concat(values);
      for (const h of [intoSparse, intoDense]) {
        expect([h.count, h.min, h.max]).toEqual([all.length, Math.min(...all), Math.max(...all)]);
        for (const q of [0.1, 0.5, 0.95]) expect(percentile(h, q)).toBe(percentileOfValues(all, q));
      }
    }
  });
});

describe('Gauge', () => {
  it('mean(now) is the time-weighted average', () => {
    const g = new Gauge(0);
    g.set(0, 2);
    g.set(10, 4);
    // 2 for 10 us, 4 for 30 us: (20 + 120) / 40 = 3.5
    expect(g.mean(40)).toBeCloseTo(3.5, 12);
    expect(g.max).toBe(4);
  });
});

describe('Series', () => {
  it('buckets by simulated time and coarsens instead of growing without bound', () => {
    const s = new Series(1000, 8);
    for (let t = 0; t < 8000; t += 100) s.add(t, 1);
    expect(s.windows().map((w) => w.count)).toEqual([10, 10, 10, 10, 10, 10, 10, 10]);
    s.add(20_000, 5);
    expect(s.widthUs).toBe(4000);
    const w = s.windows();
    expect(w.length).toBeLessThanOrEqual(8);
    expect(w.reduce((a, x) => a + x.count, 0)).toBe(81);
    expect(w[5]!.max).toBe(5);
  });
});

describe('Series windows (the current window is remembered between values)', () => {
  /** The windows a value lands in by plain division, as a Series without a current window would. */
  function reference(widthUs: number, windowsMax: number, values: [number, number][]): { widthUs: number; counts: number[]; sums: number[] } {
    let w = widthUs;
    let counts: number[] = [];
    let sums: number[] = [];
    for (const [t, v] of values) {
      let idx = Math.floor(t / w);
      while (idx >= windowsMax) {
        const c: number[] = [];
        const s: number[] = [];
        for (let i = 0; i < counts.length; i += 2) {
          c.push(counts[i]! + (counts[i + 1] ?? 0));
          s.push(sums[i]! + (sums[i + 1] ?? 0));
        }
        counts = c;
        sums = s;
        w *= 2;
        idx = Math.floor(t / w);
      }
      while (counts.length <= idx) {
        counts.push(0);
        sums.push(0);
      }
      counts[idx]!++;
      sums[idx]! += v;
    }
    return { widthUs: w, counts, sums };
  }

  it('puts every value in the window plain division gives, at window edges, fractional times and widths, backwards and far ahead', () => {
    const r = new RandomStreams(11).get('series');
    for (const widthUs of [1, 1000, 1_000_000, 2.5, 1000.75]) {
      const values: [number, number][] = [];
      let t = 0;
      for (let i = 0; i < 3000; i++) {
        const step = r.next();
        if (step < 0.2) t = Math.ceil(t / widthUs) * widthUs; // an edge exactly
        else if (step < 0.3) t = Math.ceil(t / widthUs) * widthUs - 1; // the window's last microsecond
        else if (step < 0.35) t = Math.max(0, t - widthUs * 3 * r.next()); // back into earlier windows
        else if (step < 0.36) t += widthUs * 500; // far ahead: coarsens
        else t += r.exponential(widthUs / 7);
        if (step > 0.9) t += r.next(); // fractional
        values.push([t, Math.round(r.exponential(100))]);
      }
      const s = new Series(widthUs, 64);
      for (const [t, v] of values) s.add(t, v);
      const ref = reference(widthUs, 64, values);
      expect(s.widthUs).toBe(ref.widthUs);
      expect(s.windows().map((w) => w.count)).toEqual(ref.counts);
      expect(s.windows().map((w) => w.sum)).toEqual(ref.sums);
    }
  });

  it('RequestStats per-window histograms agree with plain division too', () => {
    const r = new RandomStreams(12).get('requests');
    const stats = new RequestStats(1_000);
    const byWindow = new Map<number, number[]>();
    let t = 0;
    for (let i = 0; i < 5000; i++) {
      t = r.next() < 0.1 ? Math.max(0, t - 2_500 * r.next()) : t + (r.next() < 0.2 ? 999 : r.exponential(300));
      const latency = Math.round(r.exponential(5_000));
      stats.record(t, true, latency);
      const w = Math.floor(t / 1_000);
      byWindow.set(w, [...(byWindow.get(w) ?? []), latency]);
    }
    expect(stats.windowLatencyWidthUs).toBe(1_000);
    for (const [w, values] of byWindow) {
      const h = stats.windowLatency[w]!;
      expect(h.count).toBe(values.length);
      for (const q of [0.5, 0.99]) expect(percentile(h, q)).toBe(percentile(histogramOf(values), q));
    }
    expect(stats.windowLatency.reduce((a, h) => a + h.count, 0)).toBe(5000);
  });
});

function histogramOf(values: number[]): Histogram {
  const h = new Histogram();
  for (const v of values) h.record(v);
  return h;
}

describe('RequestStats per-window latency', () => {
  it('a run longer than the window cap merges neighbouring windows instead of dropping requests', () => {
    const stats = new RequestStats(1_000);
    // 10,000 windows of 1 ms: one request per window, latency = 10 µs × its window index
    for (let i = 0; i < 10_000; i++) stats.record(i * 1_000 + 500, true, 10 * i);
    expect(stats.windowLatency.length).toBeLessThanOrEqual(WINDOW_HISTOGRAMS_MAX);
    expect(stats.windowLatencyWidthUs).toBe(4_000);
    let total = 0;
    for (const h of stats.windowLatency) total += h.count;
    expect(total).toBe(10_000);
    // the last window, 9,996–10,000 ms at index 2,499, holds requests 9,996..9,999
    const last = stats.windowLatency[2_499]!;
    expect([last.count, last.min, last.max]).toEqual([4, 99_960, 99_990]);
  });

  it('a short run keeps one histogram per series window', () => {
    const stats = new RequestStats(1_000_000);
    for (let i = 0; i < 50; i++) stats.record(i * 100_000, i % 2 === 0, 1_000 + i);
    expect(stats.windowLatencyWidthUs).toBe(1_000_000);
    expect(stats.windowLatency.map((h) => h.count)).toEqual([10, 10, 10, 10, 10]);
  });
});
