// The lost-update check against Berenson et al.'s phenomenon P4 (SIGMOD 1995): histories written
// out by hand, with the answer the definition gives for each.
import { describe, expect, it } from 'vitest';
import { checkNoLostUpdates, findLostUpdates, RegisterHistory, type RegisterOp } from '../../sim/check/lost-update.ts';

/** "r1[x=0] w2[x=1]" → ops, one µs apart: r/w, transaction, key, version. */
function history(text: string): RegisterOp[] {
  return text.split(/\s+/).map((w, i) => {
    const m = /^([rw])(\d+)\[(\w+)=(\d+)\]$/.exec(w)!;
    return { op: m[1] === 'r' ? 'read' : 'write', txn: `T${m[2]}`, key: m[3]!, version: Number(m[4]), timeUs: i };
  });
}

describe('lost updates (P4: r1[x] … w2[x] … w1[x])', () => {
  it('the textbook interleaving loses T2’s update', () => {
    const lost = findLostUpdates(history('r1[x=0] r2[x=0] w2[x=1] w1[x=2]'));
    expect(lost).toEqual([{ key: 'x', lost: 'T2', lostAtUs: 2, by: 'T1', readVersion: 0, readAtUs: 0, atUs: 3 }]);
  });

  it('serial read-modify-writes lose nothing', () => {
    expect(findLostUpdates(history('r1[x=0] w1[x=1] r2[x=1] w2[x=2] r1[x=2] w1[x=3]'))).toEqual([]);
  });

  it('a blind write (no read before it) is not a read-modify-write', () => {
    expect(findLostUpdates(history('r2[x=0] w1[x=1] w2[x=2]'))).toHaveLength(1);
    expect(findLostUpdates(history('r1[y=0] w2[x=1] w1[x=2]'))).toEqual([]);
  });

  it('a transaction writing twice builds on its own write; a read after the other write refreshes it', () => {
    expect(findLostUpdates(history('r1[x=0] w1[x=1] w1[x=2]'))).toEqual([]);
    expect(findLostUpdates(history('r1[x=0] w2[x=1] r1[x=1] w1[x=2]'))).toEqual([]);
  });

  it('every overwritten write counts, per key', () => {
    const lost = findLostUpdates(history('r1[x=0] r1[y=0] w2[x=1] w3[x=2] w1[x=3] w1[y=1]'));
    expect(lost.map((l) => `${l.by} over ${l.lost} on ${l.key}`)).toEqual(['T1 over T2 on x', 'T1 over T3 on x']);
  });

  it('the check names the first one with its times; the history records versions as a store applies them', () => {
    let now = 0;
    const h = new RegisterHistory(() => now);
    expect(h.read('a', 'x')).toBe(0);
    now = 1000;
    expect(h.read('b', 'x')).toBe(0);
    now = 2000;
    expect(h.write('b', 'x')).toBe(1);
    now = 3000;
    expect(h.write('a', 'x')).toBe(2);
    const r = checkNoLostUpdates(h);
    expect(r.status).toBe('fail');
    expect(r.firstFailedAtMs).toBe(3);
    expect(r.detail).toMatch(/^lost update on x: a read version 0 at 0us, b wrote it at 2ms, then a wrote from its stale read at 3ms/);
    expect(checkNoLostUpdates(history('r1[x=0] w1[x=1]')).status).toBe('ok');
  });
});
