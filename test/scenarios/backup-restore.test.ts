import { describe, expect, it } from 'vitest';
import { historyFromRecords } from '../../sim/check/history.ts';
import { run, runDetailed } from '../../sim/index.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';
import scenario from '../../scenarios/backup-restore.ts';

describe('backup-restore', () => {
  itMeetsVariantExpectations(scenario);

  it('rpoWrites is the number of acknowledged writes after the last restorable point, by the operation history in the trace', () => {
    for (const variant of scenario.variantNames) {
      for (const seed of [1, 2]) {
        const a = runDetailed(scenario, { seed, variant, traceLevel: 'full' });
        const m = a.result.metrics;
        const pointUs = (m.restorePointMs as number) * 1000;
        const deletedUs = (m.deletedAtMs as number) * 1000;
        const ops = historyFromRecords(a.records);
        expect(ops.length).toBeGreaterThan(5000);
        // invoked after the restorable point and acknowledged before the deletion: not restored
        // (6 writes a minute, a few ms each: none straddles the point)
        const lost = ops.filter((o) => o.op === 'write' && o.outcome === 'ok' && o.invokeUs > pointUs && o.invokeUs < deletedUs);
        expect(m.rpoWrites, `${variant} seed ${seed}`).toBe(lost.length);
      }
    }
  });

  it('nightly snapshots lose the day; log archiving loses at most a minute but replays the day’s log; the delayed replica is back in minutes', () => {
    const [nightly, wal, delayed] = scenario.variantNames.map((variant) => run(scenario, { seed: 1, variant }).metrics);
    // 02:00 to 23:27 of writes at 6/min, about 7,700
    expect(nightly!.rpoWrites as number).toBeGreaterThan(7000);
    // restore of 310 GB + 2 MB/s × 2 h of growth at 125 MB/s, after 2 min of detection
    const copyS = (310e9 + 2e6 * 7200) / 125e6;
    expect(nightly!.rtoMs as number).toBe(Math.round((120 + copyS) * 1000));
    expect(wal!.rpoWrites as number).toBeLessThanOrEqual(12);
    // plus 21.5 h of log at 2 MB/s replayed at 50 MB/s
    expect(wal!.rtoMs as number).toBeGreaterThan((120 + copyS + (21.4 * 3600 * 2) / 50) * 1000);
    expect(delayed!.rpoWrites as number).toBeLessThanOrEqual(1);
    expect(delayed!.rtoMs as number).toBeLessThan(10 * 60_000);
  });

  it('a dropped table (mode table) replicates at once to an undelayed replica, so it saves nothing', () => {
    const faults = [{ at: '1407m', kind: 'data-delete', target: 'db-prod', mode: 'table' }];
    const undelayed = run(scenario, { seed: 1, variant: 'delayed-replica', params: { replicaDelayMs: 0 }, faults }).metrics;
    expect(undelayed.rpoWrites as number).toBeGreaterThan(8000);
    const delayed = run(scenario, { seed: 1, variant: 'delayed-replica', faults }).metrics;
    expect(delayed.rpoWrites as number).toBe(0);
  });
});

describe('backup-restore without the deletion', () => {
  it('every design meets both checks when nothing is deleted', () => {
    for (const variant of scenario.variantNames) expect(run(scenario, { seed: 1, variant, faults: [] }).checks.map((c) => c.status)).toEqual(['ok', 'ok']);
  });
});
