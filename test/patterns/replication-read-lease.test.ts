// primaryBackup's read leases, replication delay and promotion rule, against what the lease
// argument (Gray and Cheriton 1989; the Raft thesis §6.4.1) says must and must not happen.
import { describe, expect, it } from 'vitest';
import { KvHistory } from '../../sim/check/history.ts';
import { checkLinearizable } from '../../sim/check/linearizability.ts';
import { Metrics } from '../../sim/observe/metrics.ts';
import { heartbeatFailureDetector } from '../../sim/patterns/failure-detector.ts';
import { primaryBackup, type PrimaryBackupOptions } from '../../sim/patterns/failover.ts';
import { makeWorld, recordsOf } from '../world/helpers.ts';

const REPLICAS = ['db-1', 'db-2', 'db-3'];
const LEASE_US = 1_000_000;
const MARGIN_US = 200_000;

/**
 * db-1 (the primary) and app-1 are cut off at 2 s for 6 s; db-1's wall clock is stepped by
 * `stepUs` at the same moment. app-2 (majority side) writes a fresh key every 50 ms; app-1 reads
 * the latest key app-2 started to write, every 50 ms.
 */
function leaseRun(o: Partial<PrimaryBackupOptions>, stepUs: number) {
  const plan: unknown[] = [{ at: '2s', kind: 'partition', groups: [['db-1', 'app-1'], ['db-2', 'db-3', 'orc', 'app-2']], for: '6s' }];
  if (stepUs !== 0) plan.push({ at: '2s', kind: 'clock-skew', target: 'db-1', offsetMs: stepUs / 1000, for: '6s' });
  const { sim, world, trace } = makeWorld({ nodes: [...REPLICAS, 'orc', 'app-1', 'app-2'], network: { latency: '1ms' } }, plan, { seed: 1, level: 'summary' });
  const history = new KvHistory({ now: () => sim.now });
  const svc = primaryBackup({
    world,
    replicas: REPLICAS,
    orchestrator: 'orc',
    clients: ['app-1', 'app-2'],
    replication: 'sync',
    fencing: true,
    readLeaseMs: LEASE_US / 1000,
    leaseSafetyMarginMs: MARGIN_US / 1000,
    heartbeatInterval: '100ms',
    detector: () => heartbeatFailureDetector({ timeout: '500ms' }),
    requestTimeout: '200ms',
    replicationTimeout: '150ms',
    history,
    metrics: new Metrics(),
    ...o,
  });
  let n = 0;
  let latest = 'k0';
  const writeNext = (): void => {
    if (sim.now > 10_000_000) return;
    latest = `k${++n}`;
    svc.write('app-2', latest, latest, () => sim.schedule(50_000, writeNext, null));
  };
  const readNext = (): void => {
    if (sim.now > 10_000_000) return;
    svc.read('app-1', latest, () => sim.schedule(50_000, readNext, null));
  };
  sim.schedule(100_000, writeNext, null);
  sim.schedule(120_000, readNext, null);
  sim.run(12_000_000);
  return { svc, trace, history };
}

describe('primaryBackup read leases', () => {
  it('on monotonic clocks leases never overlap, even when db-1’s wall clock steps back 3 s, and the history is linearizable', () => {
    const r = leaseRun({ leaseClock: 'monotonic' }, -3_000_000);
    expect(r.svc.leaseOverlapUs).toBe(0);
    expect(recordsOf(r.trace, 'lease-overlap')).toEqual([]);
    expect(checkLinearizable(r.history.operations).status).toBe('ok');
    // the new primary came only after the last renewal's lease and margin had run out
    const promoted = recordsOf(r.trace, 'leader-change').find((c) => c.leader !== 'db-1')!;
    expect(promoted.time).toBeGreaterThanOrEqual(2_000_000 + LEASE_US + MARGIN_US - 100_000);
    // and db-1 stepped down when its lease ran out, before that
    const down = recordsOf(r.trace, 'replica-step-down').find((d) => d.node === 'db-1')!;
    expect(down.time).toBeLessThan(promoted.time);
  });

  it('on wall clocks a step back beyond the margin makes the leases overlap by at most the step minus the margin, and reads go stale', () => {
    const stepUs = -3_000_000;
    const r = leaseRun({ leaseClock: 'realtime' }, stepUs);
    expect(r.svc.leaseOverlapUs).toBeGreaterThan(0);
    // db-1's lease ends at s + lease + |step| in true time; no backup could be fenced before s + lease + margin
    expect(r.svc.leaseOverlapUs).toBeLessThanOrEqual(-stepUs - MARGIN_US);
    expect(recordsOf(r.trace, 'lease-overlap')[0]!.leaders.sort()).toEqual(['db-1', 'db-2']);
    expect(checkLinearizable(r.history.operations).status).toBe('fail');
  });

  it('on wall clocks a step smaller than the margin does not break exclusivity', () => {
    const r = leaseRun({ leaseClock: 'realtime' }, -MARGIN_US / 2);
    expect(r.svc.leaseOverlapUs).toBe(0);
    expect(checkLinearizable(r.history.operations).status).toBe('ok');
  });
});

describe('primaryBackup replicationDelay and canPromote', () => {
  const base = (o: Partial<PrimaryBackupOptions>, plan: unknown[] = []) => {
    const { sim, world, trace } = makeWorld({ nodes: ['db-1', 'db-2', 'orc', 'app-1'], network: { latency: '1ms' } }, plan, { seed: 1, level: 'summary' });
    const svc = primaryBackup({ world, replicas: ['db-1', 'db-2'], orchestrator: 'orc', clients: ['app-1'], replication: 'async', heartbeatInterval: '100ms', detector: () => heartbeatFailureDetector({ timeout: '500ms' }), ...o });
    return { sim, svc, trace };
  };

  it('ships a write to the backups replicationDelay after the primary applied it', () => {
    const { sim, svc } = base({ replicationDelay: '300ms' });
    sim.schedule(1_000_000, () => svc.write('app-1', 'x', 1), null);
    const seen: [number, unknown][] = [];
    for (const t of [1_100_000, 1_290_000, 1_320_000]) sim.schedule(t, () => seen.push([t, svc.valueAt('db-2', 'x')?.value]), null);
    sim.run(2_000_000);
    // the write reaches db-1 at ~1.001 s and leaves for db-2 300 ms later, arriving ~1.302 s
    expect(seen).toEqual([
      [1_100_000, undefined],
      [1_290_000, undefined],
      [1_320_000, 1],
    ]);
  });

  it('never promotes a replica canPromote refuses, and promotes one it allows', () => {
    const crash = [{ at: '1s', kind: 'crash', target: 'db-1' }];
    const refused = base({ canPromote: () => false }, crash);
    refused.sim.run(5_000_000);
    expect(refused.svc.failovers.value).toBe(0);
    expect(refused.svc.promotionFailures.value).toBeGreaterThan(0); // each attempt finds no candidate
    expect(refused.svc.lastFailoverAtUs).toBeNull();
    const allowed = base({ canPromote: (c, old) => c === 'db-2' && old === 'db-1' }, crash);
    allowed.sim.run(5_000_000);
    expect(allowed.svc.designatedPrimary.primary).toBe('db-2');
    expect(allowed.svc.lastFailoverAtUs).toBeGreaterThan(1_000_000);
  });
});
