// The variant comparison's first-divergence search (viz/divergence.ts) against the plain
// definition: the first index where two record streams differ, and the earlier of the two times
// there; the first run's times come back exactly however they were stored.
import { describe, expect, it } from 'vitest';
import { DivergenceWatch, RecordDigests } from '../../viz/divergence.ts';
import type { TraceKind } from '../../sim/observe/trace.ts';

const FIELDS = ['node', 'n'] as const;
type Rec = { time: number; node: string; n: number };

function feed(sink: RecordDigests | DivergenceWatch, recs: readonly Rec[]): void {
  for (const r of recs) sink.writeFields('message-send' as TraceKind, FIELDS, r.time, r.node, r.n);
}

/** Records at increasing whole-microsecond times, with a few that break the pattern. */
function stream(count: number): Rec[] {
  const out: Rec[] = [];
  let t = 0;
  for (let i = 0; i < count; i++) {
    t += i % 1000 === 7 ? 2 ** 33 + 5 : i % 3; // an occasional gap wider than 32 bits, same-time runs
    out.push({ time: i % 5000 === 11 ? t + 0.25 : t, node: `n${i % 7}`, n: i });
  }
  return out;
}

describe('first-divergence marks', () => {
  it('keeps every time of the first run exactly: same-time runs, gaps wider than 32 bits, fractions, steps back, across chunks', () => {
    const recs = stream(150_000);
    recs[70_000]!.time -= 10; // a record earlier than the one before it
    const base = new RecordDigests();
    feed(base, recs);
    expect(base.count).toBe(recs.length);
    for (const i of [0, 1, 6, 7, 8, 11, 12, 65_535, 65_536, 65_537, 69_999, 70_000, 70_001, 131_072, 149_999]) {
      expect(base.timeAt(i)).toBe(recs[i]!.time);
    }
  });

  it('finds the first differing record and the earlier time there, as a direct comparison does', () => {
    const a = stream(100_000);
    for (const at of [0, 5, 65_536, 99_999]) {
      const b = a.map((r) => ({ ...r }));
      b[at] = { ...b[at]!, n: -1, time: b[at]!.time + 3 };
      for (const later of [at + 1, at + 2]) if (later < b.length) b[later]!.node = 'elsewhere'; // later differences do not move the mark
      const base = new RecordDigests();
      feed(base, a);
      const watch = new DivergenceWatch(base);
      feed(watch, b);
      const expected = b.findIndex((r, i) => r.n !== a[i]!.n || r.node !== a[i]!.node || r.time !== a[i]!.time);
      expect(expected).toBe(at);
      expect(watch.point).toEqual({ index: at, timeUs: Math.min(a[at]!.time, b[at]!.time) });
    }
  });

  it('a run that ends first parts where the first run goes on; one that goes on parts at its next record; an identical one does not part', () => {
    const a = stream(80_000);
    const base = new RecordDigests();
    feed(base, a);
    const shorter = new DivergenceWatch(base);
    feed(shorter, a.slice(0, 66_000));
    expect(shorter.point).toEqual({ index: 66_000, timeUs: a[66_000]!.time });
    const longer = new DivergenceWatch(base);
    feed(longer, [...a, { time: 9e15, node: 'n1', n: 1 }]);
    expect(longer.point).toEqual({ index: 80_000, timeUs: 9e15 });
    const same = new DivergenceWatch(base);
    feed(same, a);
    expect(same.point).toBeNull();
  });
});
