/**
 * Generated key-value histories for checker tests: a real register driven by concurrent clients,
 * so every history it produces is linearizable by construction (each operation takes effect at a
 * point between its invocation and completion), and corruptions of it that are not.
 */
import { Random } from '../../sim/kernel/random.ts';
import type { KvOperation, KvValue } from '../../sim/check/index.ts';

export interface GenOptions {
  seed: string;
  processes: number;
  opsPerProcess: number;
  keys?: readonly string[];
  /** Probability that a write or cas ends indeterminate (half of those take effect). */
  infoRate?: number;
  /** Probability that a write fails without effect. */
  failRate?: number;
  casRate?: number;
  readRate?: number;
}

/** A linearizable history: ops in invocation order, with ids 0..n-1. */
export function linearizableHistory(o: GenOptions): KvOperation[] {
  const r = new Random('gen', o.seed);
  const keys = o.keys ?? ['x'];
  interface Pending {
    op: KvOperation;
    lpUs: number;
    applies: boolean;
  }
  const pending: Pending[] = [];
  let nextValue = 1;
  for (let p = 0; p < o.processes; p++) {
    let t = r.int(0, 50);
    for (let i = 0; i < o.opsPerProcess; i++) {
      const invokeUs = t + r.int(1, 40);
      const lpUs = invokeUs + r.int(0, 60);
      const completeUs = lpUs + r.int(0, 60);
      const key = r.choice(keys);
      const x = r.next();
      const readRate = o.readRate ?? 0.5;
      const casRate = o.casRate ?? 0.15;
      let op: KvOperation;
      if (x < readRate) {
        op = { id: -1, process: `p${p}`, key, op: 'read', invokeUs, completeUs, outcome: 'ok' };
      } else if (x < readRate + casRate) {
        op = { id: -1, process: `p${p}`, key, op: 'cas', expected: r.int(0, 3) === 0 ? null : r.int(1, Math.max(1, nextValue - 1)), value: nextValue++, invokeUs, completeUs, outcome: 'ok' };
      } else {
        op = { id: -1, process: `p${p}`, key, op: 'write', value: nextValue++, invokeUs, completeUs, outcome: 'ok' };
      }
      let applies = true;
      if (op.op !== 'read') {
        if (r.bernoulli(o.infoRate ?? 0)) {
          op.outcome = 'info';
          applies = r.bernoulli(0.5);
        } else if (op.op === 'write' && r.bernoulli(o.failRate ?? 0)) {
          op.outcome = 'fail';
          applies = false;
        }
      }
      pending.push({ op, lpUs, applies });
      // an indeterminate operation leaves its process: the client moves on after a timeout
      t = completeUs;
    }
  }
  // apply at the linearization points, in time order
  const order = pending.slice().sort((a, b) => a.lpUs - b.lpUs || a.op.invokeUs - b.op.invokeUs);
  const state = new Map<string, KvValue>();
  for (const pe of order) {
    const cur = state.has(pe.op.key) ? state.get(pe.op.key)! : null;
    const op = pe.op;
    if (op.op === 'read') op.value = cur;
    else if (op.op === 'write') {
      if (pe.applies) state.set(op.key, op.value!);
    } else {
      const matches = cur === op.expected;
      if (op.outcome === 'ok') {
        if (matches) state.set(op.key, op.value!);
        else op.outcome = 'fail';
      } else if (pe.applies && matches) {
        state.set(op.key, op.value!);
      }
    }
  }
  const ops = pending.map((p) => p.op).sort((a, b) => a.invokeUs - b.invokeUs || a.process.localeCompare(b.process));
  ops.forEach((op, i) => (op.id = i));
  return ops;
}

/** Make one read return a value nobody wrote. Returns the corrupted op's id. */
export function corruptReadNeverWritten(ops: KvOperation[], pick: number): number {
  const reads = ops.filter((o) => o.op === 'read' && o.outcome === 'ok');
  const r = reads[pick % reads.length]!;
  r.value = -999;
  return r.id;
}

/**
 * Make one read return a stale value: one written by a write that completed before another
 * acknowledged write to the same key, which itself completed before the read began. No order can
 * explain it. Returns the corrupted op's id, or -1 when the history has no such triple.
 */
export function corruptReadStale(ops: KvOperation[]): number {
  const writes = ops.filter((o) => o.op === 'write' && o.outcome === 'ok');
  for (const r of ops.filter((o) => o.op === 'read' && o.outcome === 'ok').reverse()) {
    for (const w2 of writes) {
      if (w2.key !== r.key || w2.completeUs! >= r.invokeUs) continue;
      for (const w1 of writes) {
        if (w1.key !== r.key || w1 === w2 || w1.completeUs! >= w2.invokeUs || w1.value === r.value) continue;
        r.value = w1.value;
        return r.id;
      }
    }
  }
  return -1;
}
