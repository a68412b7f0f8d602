// The report's variant comparison marks where each variant's trace first parts from the first
// variant's: found while the runs go (viz/divergence.ts), at the record `faultline diff` names.
import { describe, expect, it } from 'vitest';
import { ReportCollector } from '../../viz/collect.ts';
import { runDetailed } from '../../sim/run/runner.ts';
import { compareTraces } from '../../sim/run/diff.ts';
import retryStorm from '../../scenarios/retry-storm.ts';

describe('report divergence marks', () => {
  it('mark the first record where each variant parts from the first, as compareTraces finds it', () => {
    const variants = ['naive-retries', 'backoff-jitter', 'circuit-breaker'];
    const collector = new ReportCollector({ divergence: true });
    const kept = variants.map((variant) => {
      const feed = collector.next();
      const art = runDetailed(retryStorm, { seed: 1, variant, traceLevel: 'full', traceSink: feed.sink, traceAlsoInMemory: true });
      collector.finish(feed.fold, art);
      return art.records;
    });
    const marks = collector.data().divergences!;
    expect(marks.map((m) => m.run)).toEqual([1, 2]);
    for (const m of marks) {
      const p = compareTraces(kept[0]! as never, kept[m.run]! as never).firstDivergence!;
      expect([m.index, m.timeUs]).toEqual([p.index, Math.min(p.a!.time as number, p.b!.time as number)]);
      expect(m.timeUs).toBeGreaterThan(3_000_000); // after the trigger starts
    }
  });

  it('a run against an identical one gets no mark, and a single run no divergences at all', () => {
    const collector = new ReportCollector({ divergence: true });
    for (let i = 0; i < 2; i++) {
      const feed = collector.next();
      collector.finish(feed.fold, runDetailed(retryStorm, { seed: 1, traceLevel: 'full', traceSink: feed.sink, params: { durationMs: 5000 } }));
    }
    expect(collector.data().divergences).toEqual([]);
    const one = new ReportCollector({ divergence: true });
    const feed = one.next();
    one.finish(feed.fold, runDetailed(retryStorm, { seed: 1, traceLevel: 'full', traceSink: feed.sink, params: { durationMs: 5000 } }));
    expect(one.data().divergences).toBeUndefined();
  });
});
