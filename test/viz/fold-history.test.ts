// The history and roles folds against hand-built traces whose views are known by construction.
import { describe, expect, it } from 'vitest';
import { HISTORY_FOLD_OPS_MAX, HISTORY_OPS_MAX, HistoryFold, overlapsOf, RolesFold } from '../../viz/fold-history.ts';
import type { AnyRecord } from '../../viz/fold-lanes.ts';

const rec = (time: number, kind: string, fields: Record<string, unknown>): AnyRecord => ({ time, kind, ...fields });

describe('RolesFold', () => {
  it('turns leader changes, step-downs and crashes into claims, and names the interval two nodes claimed at once', () => {
    const f = new RolesFold();
    f.write(rec(0, 'leader-change', { node: 'a', service: 'db', leader: 'a', term: 1 }));
    f.write(rec(3000, 'leader-change', { node: 'b', service: 'db', leader: 'b', term: 2 }));
    f.write(rec(5000, 'fencing-rejected', { node: 'c', service: 'db', from: 'a', epoch: 2, stale: 1 }));
    f.write(rec(7000, 'replica-step-down', { node: 'a', service: 'db', role: 'backup', term: 2 }));
    f.write(rec(9000, 'node-state', { node: 'b', from: 'up', to: 'crashed' }));
    const [v] = f.finish(10_000);
    expect(v!.service).toBe('db');
    expect(v!.nodes).toEqual(['a', 'b']);
    expect(v!.claims).toEqual([
      { node: 'a', startUs: 0, endUs: 7000, term: '1' },
      { node: 'b', startUs: 3000, endUs: 9000, term: '2' },
    ]);
    expect(v!.overlaps).toEqual([{ startUs: 3000, endUs: 7000, nodes: ['a', 'b'] }]);
    expect(v!.fencing).toEqual([{ timeUs: 5000, node: 'c', text: "c refused a's epoch 1 (it is at 2)" }]);
  });

  it('a handover at one instant is no overlap; a claim still open at the end runs to the end', () => {
    const f = new RolesFold();
    f.write(rec(0, 'leader-change', { node: 'a', service: 's', leader: 'a', term: 1 }));
    f.write(rec(10, 'leader-change', { node: 'b', service: 's', leader: 'b', term: 2 }));
    f.write(rec(10, 'replica-step-down', { node: 'a', service: 's', role: 'follower', term: 2 }));
    const [v] = f.finish(100);
    expect(v!.overlaps).toEqual([]);
    expect(v!.claims.at(-1)).toEqual({ node: 'b', startUs: 10, endUs: 100, open: true, term: '2' });
  });

  it('overlapsOf merges a three-way episode and keeps apart episodes apart', () => {
    const claims = [
      { node: 'a', startUs: 0, endUs: 50 },
      { node: 'b', startUs: 10, endUs: 30 },
      { node: 'c', startUs: 20, endUs: 40 },
      { node: 'b', startUs: 45, endUs: 60 },
    ];
    expect(overlapsOf(claims)).toEqual([
      { startUs: 10, endUs: 40, nodes: ['a', 'b', 'c'] },
      { startUs: 45, endUs: 50, nodes: ['a', 'b'] },
    ]);
  });
});

describe('HistoryFold', () => {
  const ops = (f: HistoryFold, n: number, spacingUs: number, durationUs = 1): void => {
    for (let i = 0; i < n; i++) {
      const process = `p${i % 3}`;
      f.write(rec(i * spacingUs, 'kv-invoke', { node: process, process, id: i, key: `k${i}`, op: i % 2 ? 'read' : 'write', value: i % 2 ? undefined : `v${i}` }));
      f.write(rec(i * spacingUs + durationUs, 'kv-complete', { node: process, process, id: i, outcome: i % 7 === 0 ? 'info' : i % 5 === 0 ? 'fail' : 'ok', value: i % 2 ? null : undefined }));
    }
  };

  it('gives every operation with its outcome, sorted processes, and the flagged ones with their checks', () => {
    const f = new HistoryFold();
    ops(f, 30, 100);
    f.write(rec(5000, 'kv-flag', { check: 'lost', ids: [4, 8], total: 2 }));
    f.write(rec(5500, 'kv-invoke', { process: 'a-late', id: 99, key: 'k', op: 'read' }));
    const v = f.finish(6000)!;
    // rows in name order, whatever order the processes first appeared in
    expect(v.processes).toEqual(['a-late', 'p0', 'p1', 'p2']);
    expect(v.ops.find((o) => o.id === 99)!.p).toBe(0);
    expect(v.ops.find((o) => o.id === 3)!.p).toBe(1);
    expect(v.ops).toHaveLength(31);
    expect(v.total).toBe(31);
    // outcomes as built: i % 7 === 0 info, else i % 5 === 0 fail, else ok
    const expected = { ok: 0, fail: 0, info: 0 };
    for (let i = 0; i < 30; i++) expected[i % 7 === 0 ? 'info' : i % 5 === 0 ? 'fail' : 'ok']++;
    expected.info++; // a-late's read never completed
    expect(v.counts).toEqual(expected);
    expect(v.ops.find((o) => o.id === 3)).toMatchObject({ id: 3, p: 1, op: 'read', key: 'k3', invokeUs: 300, completeUs: 301, outcome: 'ok', value: 'null' });
    expect(v.flagged.map((o) => [o.id, o.checks])).toEqual([
      [4, ['lost']],
      [8, ['lost']],
    ]);
    expect(v.flags).toEqual([{ check: 'lost', ids: [4, 8], total: 2 }]);
    expect(v.binUs).toBe(0);
  });

  it('bins more operations than it draws, counting each in the bins it spans, and keeps flagged ones exact', () => {
    const f = new HistoryFold();
    const n = HISTORY_OPS_MAX + 500;
    ops(f, n, 1000, 0);
    f.write(rec(n * 1000, 'kv-flag', { check: 'lost', ids: [7], total: 1 }));
    const v = f.finish(n * 1000)!;
    expect(v.ops).toEqual([]);
    expect(v.binUs).toBeGreaterThan(0);
    // every operation is instantaneous, so it sits in exactly one bin
    const sum = { ok: 0, fail: 0, info: 0 };
    for (const b of v.bins) for (const k of ['ok', 'fail', 'info'] as const) sum[k] += b[k];
    expect(sum).toEqual(v.counts);
    expect(v.bins.reduce((s, b) => s + b.flagged, 0)).toBe(1);
    expect(v.flagged.map((o) => o.id)).toEqual([7]);
    expect(v.bins.length).toBeLessThanOrEqual(8192 + 3);
  });

  it('an operation that never completes is info and spans to the end', () => {
    const f = new HistoryFold();
    f.write(rec(10, 'kv-invoke', { process: 'c', id: 0, key: 'k', op: 'write', value: 1 }));
    const v = f.finish(500)!;
    expect(v.counts).toEqual({ ok: 0, fail: 0, info: 1 });
    expect(v.ops[0]).toMatchObject({ completeUs: null, outcome: 'info' });
  });

  it('counts, but does not keep, operations beyond its bound', () => {
    const f = new HistoryFold();
    for (let i = 0; i < HISTORY_FOLD_OPS_MAX + 10; i++) f.write(rec(i, 'kv-invoke', { process: 'c', id: i, key: 'k', op: 'read' }));
    const v = f.finish(HISTORY_FOLD_OPS_MAX + 10)!;
    expect(v.total).toBe(HISTORY_FOLD_OPS_MAX + 10);
    expect(v.notDrawn).toBe(10);
  });
});
