import { describe, expect, it } from 'vitest';
import { checkNoLostWrites } from '../../sim/check/writes.ts';
import { KvHistory } from '../../sim/check/history.ts';
import { asyncReplicatedStore } from '../../sim/world/regions.ts';
import { backups, type RestorePlan } from '../../sim/world/backup.ts';
import '../../sim/faults/register.ts';
import { parseFaultPlan } from '../../sim/faults/plan.ts';
import { RandomStreams } from '../../sim/kernel/random.ts';
import { Simulation } from '../../sim/kernel/sim.ts';
import { Tracer } from '../../sim/observe/trace.ts';
import { World, type WorldSpec } from '../../sim/world/world.ts';

/** A deferred world, as a scenario's build gets one: models made before seal() see the plan applied. */
function makeWorld(s: WorldSpec, plan: unknown[] = []) {
  const sim = new Simulation({ seed: 1 });
  const random = new RandomStreams(1);
  const trace = new Tracer({ level: 'summary' });
  const world = new World({ sim, random, trace, faults: parseFaultPlan(plan) }, s, { deferred: true });
  return { sim, world };
}

const spec = {
  nodes: ['app', 'db', 'vault'],
  zones: { 'us-east-1a': ['app', 'db'], 'us-west-2a': ['vault'] },
  regions: { 'us-east-1': ['us-east-1a'], 'us-west-2': ['us-west-2a'] },
};

/** A store on db backed up to vault; one write every `everyMs` from app, each recorded in a history. */
function setup(plan: unknown[], o: { wal?: string; everyMs?: number; dataGb?: number; walMbPerSec?: number } = {}) {
  const { sim, world } = makeWorld(spec, plan);
  const store = asyncReplicatedStore({ world, name: 'db', nodes: ['db'] });
  const bk = backups({
    store,
    node: 'db',
    to: 'vault',
    snapshots: { every: '24h', first: '10m' },
    ...(o.wal ? { wal: { archiveTimeout: o.wal } } : {}),
    dataGb: o.dataGb ?? 100,
    walMbPerSec: o.walMbPerSec ?? 1,
    restoreMbPerSec: 200,
    replayMbPerSec: 40,
  });
  const history = new KvHistory({ now: () => sim.now });
  let i = 0;
  const write = (): void => {
    const key = `k${i++}`;
    const id = history.invoke(key, 'write', key, key);
    store.write('app', key, key, (error) => (error === null ? history.ok(id) : history.fail(id, error)));
    sim.schedule((o.everyMs ?? 7_000) * 1000, write, null);
  };
  sim.schedule(1_000_000, write, null);
  world.seal();
  return { sim, world, store, bk, history };
}

const DELETE_US = 3 * 3_600_000_000 + 17_500_000;

describe('backups and point-in-time restore', () => {
  it('a restore takes the snapshot’s size over the restore bandwidth plus the log over the replay rate', () => {
    const { sim, bk } = setup([]);
    sim.run(DELETE_US);
    const p = bk.plan(DELETE_US);
    // snapshot taken at 10 min: 100 GB + 1 MB/s × 600 s; copied at 200 MB/s; no archived log
    const takenS = 600;
    const sizeBytes = 100e9 + 1e6 * takenS;
    expect(p.snapshot!.takenAtUs).toBe(takenS * 1e6);
    expect(p.copyBytes).toBe(sizeBytes);
    expect(p.durationUs).toBe(Math.round((sizeBytes / 200e6) * 1e6));
    // and it became usable only once uploaded (same rate by default)
    expect(p.snapshot!.usableAtUs).toBeGreaterThanOrEqual(takenS * 1e6 + (sizeBytes / 200e6) * 1e6);
  });

  it('point-in-time recovery replays the archived log: restore time grows with the log since the snapshot', () => {
    const { sim, bk } = setup([], { wal: '60s' });
    sim.run(DELETE_US);
    const p = bk.plan(DELETE_US);
    expect(p.replayedEntries).toBeGreaterThan(1000);
    // the restorable point is within one archive_timeout (plus one write gap) of the target
    expect(DELETE_US - p.pointUs).toBeLessThan(60e6 + 7e6 + 1e6);
    const replayBytes = 1e6 * ((p.pointUs - p.snapshot!.takenAtUs) / 1e6) + p.replayedEntries * 200;
    expect(p.durationUs).toBe(Math.round((p.copyBytes / 200e6 + replayBytes / 40e6) * 1e6));
  });

  for (const mode of ['volume', 'table'] as const) {
    for (const wal of [undefined, '60s'] as const) {
      it(`data-delete (${mode}) then restore ${wal ? 'with' : 'without'} log archiving: the writes lost are exactly the acknowledged ones after the restorable point (operation history)`, () => {
        const { sim, store, bk, history } = setup([{ at: `${DELETE_US}us`, kind: 'data-delete', target: 'db', mode }], { wal });
        const plans: RestorePlan[] = [];
        store.onDataDelete(() => void sim.schedule(60e6, () => void bk.restore('db', DELETE_US, (p) => plans.push(p)), null));
        sim.run(DELETE_US + 5 * 3_600_000_000);
        expect(plans).toHaveLength(1);
        const p = plans[0]!;
        const rpoWrites = bk.lostBy(p, DELETE_US).length;
        // independent of the model: from the client's history, the acknowledged writes invoked
        // after the restorable point and before the deletion (at one write every 7 s none is in
        // flight across the point)
        const ops = history.operations;
        const acked = ops.filter((o) => o.outcome === 'ok');
        const afterPoint = acked.filter((o) => o.invokeUs > p.pointUs && o.invokeUs < DELETE_US);
        expect(rpoWrites).toBe(afterPoint.length);
        // a dropped table leaves the log on the volume, and it is archived at the next
        // archive_timeout (before the restore, a minute later): nothing is lost; otherwise the
        // writes since the snapshot, or since the last archived segment, are
        if (mode === 'table' && wal) expect(rpoWrites).toBe(0);
        else expect(rpoWrites).toBeGreaterThan(0);
        // and the lost-write checker, given what the restored copy holds, finds the same writes
        const beforeDelete = ops.filter((o) => o.invokeUs < DELETE_US);
        const final = new Map(beforeDelete.map((o) => [o.key, store.peek('db', o.key) ?? null]));
        const lost = checkNoLostWrites(beforeDelete, { final });
        expect(lost.operations.map((o) => o.key).sort()).toEqual(afterPoint.map((o) => o.key).sort());
        // writes between the deletion and the restore failed; after it, they succeed again
        expect(ops.some((o) => o.invokeUs > DELETE_US && o.invokeUs < DELETE_US + 60e6 && o.outcome === 'fail')).toBe(true);
        expect(acked.at(-1)!.invokeUs).toBeGreaterThan(DELETE_US + 60e6 + p.durationUs);
      });
    }
  }

  it('a delayed replica has not applied a dropped table yet: recovered to just before it, nothing acknowledged is lost', () => {
    const w2 = makeWorld({ ...spec, nodes: [...spec.nodes, 'replica'], zones: { ...spec.zones, 'us-west-2a': ['vault', 'replica'] } }, [{ at: `${DELETE_US}us`, kind: 'data-delete', target: 'db', mode: 'table' }]);
    const store = asyncReplicatedStore({ world: w2.world, name: 'db', nodes: ['db', 'replica'], shipInterval: '1s', applyDelay: { replica: '1h' } });
    const history = new KvHistory({ now: () => w2.sim.now });
    let i = 0;
    const write = (): void => {
      const key = `k${i++}`;
      const id = history.invoke(key, 'write', key, key);
      store.write('app', key, key, (error) => (error === null ? history.ok(id) : history.fail(id, error)));
      w2.sim.schedule(5_000_000, write, null);
    };
    w2.sim.schedule(1_000_000, write, null);
    w2.world.seal();
    store.onDataDelete(() => {
      w2.sim.schedule(10 * 60e6, () => store.recover('replica', DELETE_US), null);
    });
    w2.sim.run(DELETE_US + 3_600_000_000 + 60e6);
    // the drop reached the replica within a second, but was not applied: the delay saved the table
    expect(store.roleOf('replica')).toBe('primary');
    const acked = history.operations.filter((o) => o.outcome === 'ok' && o.invokeUs < DELETE_US);
    expect(acked.length).toBeGreaterThan(2000);
    expect(store.missingOn('replica', store.acked.filter((a) => a.atUs < DELETE_US))).toEqual([]);
    // an undelayed replica applies the drop at once: nothing to recover from
    const w3 = makeWorld({ ...spec, nodes: [...spec.nodes, 'replica'], zones: { ...spec.zones, 'us-west-2a': ['vault', 'replica'] } }, [{ at: '100s', kind: 'data-delete', target: 'db', mode: 'table' }]);
    const plain = asyncReplicatedStore({ world: w3.world, name: 'db', nodes: ['db', 'replica'], shipInterval: '1s' });
    w3.world.seal();
    w3.sim.schedule(1_000_000, () => plain.write('app', 'k', 'v', () => {}), null);
    w3.sim.run(200_000_000);
    expect(plain.peek('replica', 'k')).toBeUndefined();
  });

  it('names what is wrong', () => {
    const { store } = setup([]);
    expect(() => backups({ store, node: 'app', to: 'vault', dataGb: 1, restoreMbPerSec: 1 })).toThrow(/node "app" holds no copy of db; copies: db/);
    expect(() => backups({ store, node: 'db', to: 'db', dataGb: 1, restoreMbPerSec: 1 })).toThrow(/to="db" must be a node of the world that holds no copy/);
    expect(() => backups({ store, node: 'db', to: 'vault', dataGb: -1, restoreMbPerSec: 1 })).toThrow(/dataGb=-1 is not valid/);
    expect(() => parseFaultPlan([{ at: '1s', kind: 'data-delete', target: 'db', mode: 'disk' }])).toThrow(/mode="disk" is not valid/);
    // a target without a copy is named when the plan is applied, before the run starts
    expect(() => setup([{ at: '10h', kind: 'data-delete', target: 'app' }])).toThrow('fault plan entry 0 (data-delete): target="app" is not valid; nodes holding a store copy: db');
  });
});
