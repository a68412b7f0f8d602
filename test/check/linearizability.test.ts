import { describe, expect, it } from 'vitest';
import { checkLinearizable, type KvOperation } from '../../sim/check/index.ts';
import { corruptReadNeverWritten, corruptReadStale, linearizableHistory } from './histories.ts';

let nextId = 0;
function op(
  process: string,
  kind: KvOperation['op'],
  value: KvOperation['value'],
  invokeUs: number,
  completeUs: number | null,
  outcome: KvOperation['outcome'] = 'ok',
  extra: Partial<KvOperation> = {},
): KvOperation {
  return { id: nextId++, process, key: 'x', op: kind, value, invokeUs, completeUs, outcome, ...extra };
}

describe('checkLinearizable on hand-built histories', () => {
  it('accepts a sequential write then read of the same value', () => {
    const r = checkLinearizable([op('a', 'write', 1, 0, 10), op('b', 'read', 1, 20, 30)]);
    expect(r.status).toBe('ok');
    expect(r.operations).toBe(2);
  });

  it('rejects a read of the initial value after a write completed', () => {
    const h = [op('a', 'write', 1, 0, 10), op('b', 'read', null, 20, 30)];
    const r = checkLinearizable(h);
    expect(r.status).toBe('fail');
    expect(r.key).toBe('x');
    expect(r.operation?.id).toBe(h[1]!.id);
    expect(r.firstFailedAtMs).toBe(0.03);
  });

  it('accepts either value for a read concurrent with a write', () => {
    expect(checkLinearizable([op('a', 'write', 1, 0, 10), op('b', 'read', null, 5, 15)]).status).toBe('ok');
    expect(checkLinearizable([op('a', 'write', 1, 0, 10), op('b', 'read', 1, 5, 15)]).status).toBe('ok');
  });

  it('rejects a new value followed by an old one (no going back in time)', () => {
    const h = [op('a', 'write', 1, 0, 100), op('b', 'read', 1, 10, 20), op('c', 'read', null, 30, 40)];
    const r = checkLinearizable(h);
    expect(r.status).toBe('fail');
    expect(r.operation?.process).toBe('c');
    expect(r.detail).toMatch(/not linearizable/);
  });

  it('treats calls and returns at the same microsecond as concurrent', () => {
    // the write completes at 10 and the read starts at 10: the read may still see the old value
    expect(checkLinearizable([op('a', 'write', 1, 0, 10), op('b', 'read', null, 10, 20)]).status).toBe('ok');
  });

  it('lets an indeterminate write take effect late, or never, but not both', () => {
    const w = (): KvOperation => op('a', 'write', 1, 0, 10, 'info');
    expect(checkLinearizable([w(), op('b', 'read', 1, 50, 60)]).status).toBe('ok');
    expect(checkLinearizable([w(), op('b', 'read', null, 50, 60)]).status).toBe('ok');
    expect(checkLinearizable([w(), op('b', 'read', null, 50, 60), op('b', 'read', 1, 70, 80), op('c', 'read', 1, 90, 95)]).status).toBe('ok');
    expect(checkLinearizable([w(), op('b', 'read', 1, 50, 60), op('b', 'read', null, 70, 80)]).status).toBe('fail');
  });

  it('drops failed operations: a failed write must not be seen', () => {
    expect(checkLinearizable([op('a', 'write', 1, 0, 10, 'fail'), op('b', 'read', 1, 20, 30)]).status).toBe('fail');
    expect(checkLinearizable([op('a', 'write', 1, 0, 10, 'fail'), op('b', 'read', null, 20, 30)]).status).toBe('ok');
  });

  it('checks compare-and-set against the register value', () => {
    const ok = [op('a', 'write', 1, 0, 10), op('a', 'cas', 2, 20, 30, 'ok', { expected: 1 }), op('b', 'read', 2, 40, 50)];
    expect(checkLinearizable(ok).status).toBe('ok');
    const bad = [op('a', 'write', 1, 0, 10), op('a', 'cas', 4, 20, 30, 'ok', { expected: 3 })];
    expect(checkLinearizable(bad).status).toBe('fail');
  });

  it('checks keys independently and names the failing key', () => {
    const h: KvOperation[] = [
      { ...op('a', 'write', 1, 0, 10), key: 'good' },
      { ...op('b', 'read', 1, 20, 30), key: 'good' },
      { ...op('a', 'write', 7, 0, 10), key: 'bad' },
      { ...op('b', 'read', 8, 20, 30), key: 'bad' },
    ];
    const r = checkLinearizable(h);
    expect(r.status).toBe('fail');
    expect(r.key).toBe('bad');
    expect(r.keys).toBe(2);
  });

  it('honours a custom initial value', () => {
    expect(checkLinearizable([op('a', 'read', 0, 0, 10)], { initial: 0 }).status).toBe('ok');
    expect(checkLinearizable([op('a', 'read', 0, 0, 10)]).status).toBe('fail');
  });

  it('reports the longest linearizable prefix on failure', () => {
    const h = [op('a', 'write', 1, 0, 10), op('b', 'write', 2, 20, 30), op('c', 'read', 1, 40, 50)];
    const r = checkLinearizable(h);
    expect(r.status).toBe('fail');
    expect(r.linearized).toEqual([h[0]!.id, h[1]!.id]);
  });
});

describe('checkLinearizable on generated histories', () => {
  it('accepts histories of a real register under concurrency, with indeterminate and failed operations', () => {
    for (let s = 0; s < 30; s++) {
      const h = linearizableHistory({ seed: `lin-${s}`, processes: 4, opsPerProcess: 25, keys: ['x', 'y'], infoRate: 0.1, failRate: 0.05 });
      const r = checkLinearizable(h);
      expect(r.status, `seed lin-${s}: ${r.detail}`).toBe('ok');
    }
  });

  it('rejects the same histories with one read corrupted (never written, or stale)', () => {
    let stale = 0;
    for (let s = 0; s < 30; s++) {
      const a = linearizableHistory({ seed: `bad-${s}`, processes: 4, opsPerProcess: 25, infoRate: 0.05 });
      const id = corruptReadNeverWritten(a, s);
      const ra = checkLinearizable(a);
      expect(ra.status, `seed bad-${s}`).toBe('fail');
      expect(ra.operation?.id, 'the stuck operation is the corrupted read').toBe(id);

      const b = linearizableHistory({ seed: `stale-${s}`, processes: 3, opsPerProcess: 25 });
      if (corruptReadStale(b) >= 0) {
        stale++;
        expect(checkLinearizable(b).status, `seed stale-${s}`).toBe('fail');
      }
    }
    expect(stale).toBeGreaterThan(20);
  });

  it('decides a history of 1,200 operations on one key, and its corrupted twin', () => {
    const h = linearizableHistory({ seed: 'big', processes: 6, opsPerProcess: 200, infoRate: 0.02, casRate: 0.1 });
    expect(h.length).toBe(1200);
    const ok = checkLinearizable(h);
    expect(ok.status, ok.detail).toBe('ok');
    expect(ok.operations).toBeGreaterThan(1000);

    const bad = linearizableHistory({ seed: 'big', processes: 6, opsPerProcess: 200, infoRate: 0.02, casRate: 0.1 });
    const reads = bad.filter((o) => o.op === 'read' && o.outcome === 'ok');
    const late = reads[Math.floor(reads.length * 0.9)]!;
    late.value = -1;
    const r = checkLinearizable(bad);
    expect(r.status).toBe('fail');
    expect(r.operation?.id).toBe(late.id);

    // a stale read needs the full search to refute
    const stale = linearizableHistory({ seed: 'big', processes: 6, opsPerProcess: 200, infoRate: 0.02, casRate: 0.1 });
    expect(corruptReadStale(stale)).toBeGreaterThanOrEqual(0);
    const rs = checkLinearizable(stale);
    expect(rs.status, rs.detail).toBe('fail');
    expect(rs.steps).toBeGreaterThan(0);
  });

  it('returns unknown, not a verdict, when the search bound is hit', () => {
    const h = linearizableHistory({ seed: 'bound', processes: 8, opsPerProcess: 40, infoRate: 0.3 });
    expect(corruptReadStale(h)).toBeGreaterThanOrEqual(0);
    const r = checkLinearizable(h, { searchMax: 50 });
    expect(r.status).toBe('unknown');
    expect(r.steps).toBe(50);
    expect(r.detail).toMatch(/searchMax=50/);
    // with room to search, the same history gets a verdict
    expect(checkLinearizable(h).status).toBe('fail');
  });

  it('rejects an invalid bound', () => {
    expect(() => checkLinearizable([], { searchMax: 0 })).toThrow(/searchMax/);
  });
});

// Independent reference: the register histories of Porcupine's README (initial value 0), with the
// verdicts its author gives.
describe('checkLinearizable against Porcupine’s published register examples', () => {
  const at = (process: string, kind: KvOperation['op'], value: number, call: number, ret: number): KvOperation => ({ id: nextId++, process, key: 'r', op: kind, value, invokeUs: call, completeUs: ret, outcome: 'ok' });
  it('put(100) [0,100], get → 100 [25,75], get → 0 [30,60] is linearizable', () => {
    expect(checkLinearizable([at('c0', 'write', 100, 0, 100), at('c1', 'read', 100, 25, 75), at('c2', 'read', 0, 30, 60)], { initial: 0 }).status).toBe('ok');
  });
  it('put(200) [0,100], get → 200 [10,30], get → 0 [40,90] is not', () => {
    const h = [at('c0', 'write', 200, 0, 100), at('c1', 'read', 200, 10, 30), at('c2', 'read', 0, 40, 90)];
    const r = checkLinearizable(h, { initial: 0 });
    expect(r.status).toBe('fail');
    expect(r.operation?.id).toBe(h[2]!.id);
  });
});
