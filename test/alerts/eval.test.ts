import { describe, expect, it } from 'vitest';
import { runDetailed } from '../../sim/run/runner.ts';
import fixture from './fixture.ts';

const states = (alerting: Record<string, unknown>): { time: number; from: string; to: string }[] =>
  runDetailed(fixture, { traceLevel: 'summary', alerting }).records.filter((r) => r.kind === 'alert-state') as never;

describe('alert states (Prometheus rules/alerting.go semantics)', () => {
  const rule = (extra: Record<string, unknown>): Record<string, unknown> => ({
    groups: [{ name: 'g', rules: [{ alert: 'Errors', expr: 'sum(rate(faultline_requests_total{outcome="error"}[5s])) > 5', labels: { severity: 'page' }, ...extra }] }],
  });

  it('pending first, firing once active for `for`, resolved when the expression stops holding', () => {
    const s = states(rule({ for: '3s' }));
    expect(s.map((x) => x.to)).toEqual(['pending', 'firing', 'resolved']);
    expect(s[1]!.time - s[0]!.time).toBe(3_000_000);
    // the bad config lasts from 8 s to 14 s: the 5 s window holds errors until about 19 s
    expect(s[0]!.time).toBeGreaterThanOrEqual(9_000_000);
    expect(s[2]!.time).toBeGreaterThan(14_000_000);
    expect(s[2]!.time).toBeLessThanOrEqual(20_000_000);
  });

  it('keep_firing_for holds a firing alert after its expression clears; a `for` longer than the signal never fires', () => {
    const plain = states(rule({}));
    const kept = states(rule({ keep_firing_for: '4s' }));
    expect(kept.at(-1)!.to).toBe('resolved');
    expect(kept.at(-1)!.time - plain.at(-1)!.time).toBe(4_000_000);
    expect(states(rule({ for: '1m' })).map((x) => x.to)).toEqual(['pending', 'inactive']);
  });

  it('a run without rules schedules nothing (the same trace hash as before alerting existed)', () => {
    const a = runDetailed(fixture, {});
    const b = runDetailed(fixture, { alerting: rule({}) });
    expect(a.alerting).toBeNull();
    expect(b.result.stats.events).toBeGreaterThan(a.result.stats.events);
    // the model's own records are untouched: requests and outcomes agree
    expect(b.result.metrics.ok).toBe(a.result.metrics.ok);
    expect(b.result.metrics.latencyMs).toEqual(a.result.metrics.latencyMs);
  });
});
