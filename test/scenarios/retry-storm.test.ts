import { describe, expect, it } from 'vitest';
import { run, runDetailed, type RunArtifacts } from '../../sim/index.ts';
import scenario from '../../scenarios/retry-storm.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';

/** Sum of a request series' counts over the whole windows in [fromS, toS). */
function countBetween(windows: readonly { startUs: number; count: number }[], fromS: number, toS: number): number {
  return windows.filter((w) => w.startUs >= fromS * 1e6 && w.startUs < toS * 1e6).reduce((a, w) => a + w.count, 0);
}

function counter(d: RunArtifacts, name: string): number {
  return d.metrics.counters.get(name)?.value ?? 0;
}

describe('retry-storm', () => {
  itMeetsVariantExpectations(scenario);

  // The default plan: the backend limps from 3 s to 6 s; clients stop at 20 s.
  it('naive retries: after the trigger, retries outnumber first tries and the busy backend serves nobody', () => {
    for (const seed of [1, 2, 3]) {
      const d = runDetailed(scenario, { seed, variant: 'naive-retries' });
      const first = countBetween(d.requests.firstTries.windows(), 7, 20);
      const retries = countBetween(d.requests.retrySends.windows(), 7, 20);
      expect(retries).toBeGreaterThan(5 * first);
      const m = d.result.metrics as Record<string, number>;
      // the backend (≈100 req/s) stays saturated with work whose callers have given up
      expect(m.backendServedPerSecAfter).toBeGreaterThan(85);
      expect(m.goodputPerSecAfter).toBe(0);
      expect(m.recoveredAfterMs).toBeNull();
    }
  });

  it('without the trigger the naive design is healthy at the same load: the bad state needs a push (metastability)', () => {
    for (const seed of [1, 2, 3]) {
      const r = run(scenario, { seed, variant: 'naive-retries', faults: [] });
      expect(r.checks.map((c) => [c.name, c.status])).toEqual([
        ['healthy-before-trigger', 'ok'],
        ['recovers-after-trigger', 'ok'],
        ['backend-load-bounded', 'ok'],
      ]);
      expect(r.metrics.availability).toBe(1);
    }
  });

  it('backoff with jitter spreads retries but sends as many: the backend load per request is the same as naive', () => {
    const naive = run(scenario, { seed: 4, variant: 'naive-retries' }).metrics as Record<string, number>;
    const jitter = run(scenario, { seed: 4, variant: 'backoff-jitter' }).metrics as Record<string, number>;
    expect(jitter.backendAttemptsPerRequestAfter).toBeGreaterThan(8);
    expect(Math.abs(jitter.backendAttemptsPerRequestAfter! - naive.backendAttemptsPerRequestAfter!)).toBeLessThan(0.5);
  });

  it('gRPC retry throttling refuses retries during the storm and recovers within seconds of the trigger ending', () => {
    for (const seed of [1, 2, 3]) {
      const d = runDetailed(scenario, { seed, variant: 'backoff-jitter-budget' });
      const refused = counter(d, 'retry.client/client→frontend.budget-refusals') + counter(d, 'retry.frontend/frontend→backend.budget-refusals');
      expect(refused).toBeGreaterThan(50);
      const m = d.result.metrics as Record<string, number>;
      expect(m.retriesPerRequest).toBeLessThan(0.05);
      expect(m.recoveredAfterMs).toBeLessThanOrEqual(5000);
      expect(m.availabilityAfterTrigger).toBe(1);
    }
  });

  it('the circuit breaker opens during the trigger and is closed again at the end', () => {
    for (const seed of [1, 2, 3]) {
      const d = runDetailed(scenario, { seed, variant: 'circuit-breaker', traceLevel: 'summary' });
      const changes = d.records.filter((r) => r.kind === 'breaker-state') as unknown as { time: number; to: string }[];
      const opened = changes.filter((r) => r.to === 'open');
      expect(opened.length).toBeGreaterThan(0);
      expect(opened[0]!.time).toBeGreaterThanOrEqual(3_000_000);
      expect(opened[0]!.time).toBeLessThan(6_000_000);
      expect(changes.at(-1)!.to).toBe('closed');
      expect(changes.at(-1)!.time).toBeLessThan(9_000_000);
    }
  });
});
