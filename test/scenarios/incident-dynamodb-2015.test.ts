import { describe, expect, it } from 'vitest';
import { run, runDetailed } from '../../sim/index.ts';
import scenario, { clockOf } from '../../scenarios/incident-dynamodb-2015.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';

/** Share of disqualified storage servers per incident minute (one simulated second each). */
function errorRateByMinute(seed: number, variant: string): number[] {
  const d = runDetailed(scenario, { seed, variant });
  return d.metrics.series.get('storage.disqualified-share')!.windows().map((w) => (w.count ? w.sum / w.count : 0));
}

/** "7:10" → minutes after 2:00. */
function minutesOf(clock: string): number {
  const [h, m] = clock.split(':').map(Number);
  return (h! - 2) * 60 + m!;
}

describe('incident-dynamodb-2015', () => {
  itMeetsVariantExpectations(scenario);

  it('clockOf maps simulated seconds to the incident clock from 2:00 am', () => {
    expect(clockOf(19_000_000)).toBe('2:19');
    expect(clockOf(186_000_000)).toBe('5:06');
    expect(clockOf(310_500_000)).toBe('7:10');
  });

  it('as it happened: healthy before 2:19, ~55% errors from about 2:37, held up by retries until operators act at 5:06, normal again by about 7:10', () => {
    for (const seed of [1, 2, 3]) {
      const rate = errorRateByMinute(seed, 'as-it-happened');
      expect(Math.max(...rate.slice(0, 19))).toBe(0);
      // far beyond normal by 2:37 (the network has been fine since 2:24)
      expect(rate[37]!).toBeGreaterThan(0.25);
      // the plateau: stays near 55% for the 2.5 hours before the operators act
      const plateau = rate.slice(40, 186);
      const mean = plateau.reduce((a, b) => a + b, 0) / plateau.length;
      expect(mean).toBeGreaterThan(0.45);
      expect(mean).toBeLessThan(0.65);
      expect(Math.min(...plateau)).toBeGreaterThan(0.3);
      const m = run(scenario, { seed, variant: 'as-it-happened' }).metrics;
      const normal = minutesOf(m.normalAgainAt as string);
      expect(normal).toBeGreaterThan(minutesOf('6:30'));
      expect(normal).toBeLessThanOrEqual(minutesOf('7:15'));
      // the timeouts exceeding the allowance, and the metadata service working for nobody
      expect(m.membershipTimeouts as number).toBeGreaterThan(500);
      expect(m.metadataWorkWasted as number).toBeGreaterThan(0.8);
    }
  });

  it('without the administrative actions the overload never ends', () => {
    const m = run(scenario, { seed: 4, variant: 'without-intervention' }).metrics;
    expect(m.normalAgainAt).toBe('never');
    expect(m.errorRatePlateau as number).toBeGreaterThan(0.45);
  });

  it('with the postmortem’s corrective actions the same disruption is over within minutes', () => {
    for (const variant of ['longer-allowance', 'corrective-actions']) {
      for (const seed of [1, 2, 3]) {
        const m = run(scenario, { seed, variant }).metrics;
        expect(minutesOf(m.normalAgainAt as string)).toBeLessThanOrEqual(minutesOf('2:35'));
        expect(m.errorRatePlateau).toBe(0);
        expect(m.metadataWorkWasted).toBe(0);
      }
    }
  });
});
