import { describe, expect, it } from 'vitest';
import { run } from '../../sim/index.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';
import scenario from '../../scenarios/incident-kinesis-2020.ts';

type M = Record<string, number>;

describe('incident-kinesis-2020', () => {
  itMeetsVariantExpectations(scenario);

  it('as it happened: the whole fleet fails after the addition, alarms before 5:15 PST, recovers near 10:23 PM PST', () => {
    for (const seed of [1, 2, 3]) {
      const m = run(scenario, { seed, variant: 'as-it-happened' }).metrics as M;
      // nothing crosses the limit until most of the new servers are known: late in the 2:44–3:47 addition
      expect(m.firstOverLimitHourPst).toBeGreaterThan(3.5);
      expect(m.firstAlarmHourPst).toBeGreaterThan(3.5);
      expect(m.firstAlarmHourPst).toBeLessThanOrEqual(5.25);
      expect(m.serversBrokenPeak).toBe(m.fleetPeak);
      // postmortem: fully recovered at 22:23 PST (22.38 h)
      expect(Math.abs(m.recoveredHourPst! - 22.38)).toBeLessThan(0.5);
      expect(m.outageHours).toBeGreaterThan(15);
    }
  });

  it('the same addition is harmless to a smaller fleet: the limit is crossed by fleet size, not by the change', () => {
    const r = run(scenario, { seed: 1, variant: 'as-it-happened', params: { servers: 400 } });
    expect(r.checks.map((c) => c.status)).toEqual(['ok', 'ok']);
  });

  it('fewer, larger servers move the cliff; a bounded peer pool removes it', () => {
    const bigger = run(scenario, { seed: 1, variant: 'fewer-larger-servers', params: { addServers: 400 } });
    expect(bigger.checks.find((c) => c.name === 'threads-within-os-limit')!.status).toBe('fail');
    const bounded = run(scenario, { seed: 1, variant: 'bounded-threads', params: { addServers: 300 } });
    expect(bounded.checks.map((c) => c.status)).toEqual(['ok', 'ok']);
    expect((bounded.metrics as M).threadsPeak).toBe(300 + 64);
  });

  it('a misconfigured fleet that is over the limit before the addition is rejected with a clear message', () => {
    expect(() => run(scenario, { seed: 1, params: { threadsMax: 500 } })).toThrow(/raise threadsMax/);
  });
});
