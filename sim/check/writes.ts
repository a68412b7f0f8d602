/**
 * Checkers over key-value histories that are cheaper and more specific than linearizability:
 *   - `checkNoLostWrites`: an acknowledged write is never lost (Jepsen's "lost updates" in a
 *     register, the failure a split brain without fencing produces);
 *   - `checkNoCorruptReads`: a read never returns a value nobody wrote (or one a validator
 *     rejects, such as a bad checksum).
 * Both are pure functions of the history and return a `CheckOutcome` a scenario check can
 * return as is.
 */
import { describeOperation, type KvHistoryList, type KvOperation, type KvValue } from './history.ts';

/** The verdict of `checkNoLostWrites` or `checkNoCorruptReads`; a scenario check can return it as is. */
export interface WriteCheckResult {
  /** `ok`, `fail`, or `unknown` (acknowledged writes but no final read or final state to judge them by). */
  status: 'ok' | 'fail' | 'unknown';
  /** One sentence for people. */
  detail: string;
  /** When the violation was first seen, in simulated ms; null without one. */
  firstFailedAtMs: number | null;
  /** fail: the acknowledged writes that were lost (or, for corrupt reads, the offending reads). */
  operations: KvOperation[];
}

/** The options of `checkNoLostWrites`: the state observed at the end, and the initial value. */
export interface LostWritesOptions {
  /**
   * The state observed at the end (after healing and settling), by key. Without it, the final
   * reads in the history are used: per key, every `ok` read invoked after the last acknowledged
   * write to that key completed.
   */
  final?: ReadonlyMap<string, KvValue> | Readonly<Record<string, KvValue>>;
  /** What a key holds before its first write. Default `null`. */
  initial?: KvValue;
}

/**
 * No acknowledged write is lost. For each key, an observed final value v is acceptable only if it
 * was written by a write W (ok, or indeterminate) that no acknowledged write follows in real time:
 * if W completed before an acknowledged write W' was invoked, W' must have overwritten W, so
 * seeing W's value at the end means W' was lost. The initial value is acceptable only while no
 * write to the key was acknowledged. Keys without a final observation are not judged (the detail
 * says how many).
 */
export function checkNoLostWrites(history: KvHistoryList, options: LostWritesOptions = {}): WriteCheckResult {
  const initial = options.initial === undefined ? null : options.initial;
  const final = options.final instanceof Map ? options.final : options.final ? new Map(Object.entries(options.final)) : undefined;
  const byKey = groupByKey(history);
  const lost: KvOperation[] = [];
  const problems: string[] = [];
  let firstFailedUs = Infinity;
  let judged = 0;
  let unobserved = 0;
  let acknowledged = 0;
  const keys = new Set<string>([...byKey.keys(), ...(final ? final.keys() : [])]);
  for (const key of keys) {
    const ops = byKey.get(key) ?? [];
    // every write is a possible source of a value seen at the end, even a failed one (a write
    // reported as failed may still have landed on a replica)
    const writes = ops.filter((o) => o.op === 'write' || o.op === 'cas');
    const acked = writes.filter((o) => o.outcome === 'ok');
    acknowledged += acked.length;
    const lastAckUs = acked.reduce((t, o) => Math.max(t, o.completeUs ?? Infinity), -Infinity);
    const observations: { value: KvValue; atUs: number; read?: KvOperation }[] = [];
    if (final && final.has(key)) {
      observations.push({ value: final.get(key)!, atUs: Infinity });
    } else {
      for (const o of ops) {
        if (o.op === 'read' && o.outcome === 'ok' && o.invokeUs > lastAckUs) {
          observations.push({ value: o.value === undefined ? null : o.value, atUs: o.completeUs ?? o.invokeUs, read: o });
        }
      }
    }
    if (observations.length === 0) {
      if (acked.length > 0) unobserved++;
      continue;
    }
    judged++;
    if (acked.length === 0) continue; // nothing acknowledged, nothing to lose
    for (const obs of observations) {
      // the acknowledged writes that real time puts after w (an indeterminate w has no end)
      const superseding = (w: KvOperation | null): KvOperation[] =>
        acked.filter((a) => a !== w && (w === null || (w.completeUs !== null && w.outcome !== 'info' && w.completeUs < a.invokeUs)));
      // the candidates that could have produced the observed value
      const sources: (KvOperation | null)[] = writes.filter((w) => w.value === obs.value);
      if (obs.value === initial) sources.push(null);
      if (sources.length === 0) {
        for (const w of acked) if (!lost.includes(w)) lost.push(w);
        problems.push(
          `key ${JSON.stringify(key)}: the final value ${JSON.stringify(obs.value)} was never written, so every acknowledged write to it is lost ` +
            `(${acked.length}, the last ${describeOperation(acked[acked.length - 1]!)})`,
        );
        firstFailedUs = Math.min(firstFailedUs, obs.atUs);
        continue;
      }
      // acceptable if some source is not followed by any acknowledged write
      let best: KvOperation[] | undefined;
      for (const s of sources) {
        const sup = superseding(s);
        if (sup.length === 0) {
          best = [];
          break;
        }
        if (!best || sup.length < best.length) best = sup;
      }
      if (best && best.length > 0) {
        for (const w of best) if (!lost.includes(w)) lost.push(w);
        const where = obs.read ? `a final read (${describeOperation(obs.read)})` : 'the final state';
        problems.push(
          `key ${JSON.stringify(key)}: ${where} shows ${JSON.stringify(obs.value)}, but ${best.length} acknowledged write(s) came after that value was written and are lost, e.g. ${describeOperation(best[best.length - 1]!)}`,
        );
        firstFailedUs = Math.min(firstFailedUs, obs.atUs);
      }
    }
  }
  if (problems.length > 0) {
    return {
      status: 'fail',
      detail: `${lost.length} acknowledged write(s) lost: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? `; and ${problems.length - 3} more` : ''}`,
      firstFailedAtMs: Number.isFinite(firstFailedUs) ? firstFailedUs / 1000 : null,
      operations: lost,
    };
  }
  if (judged === 0 && acknowledged > 0) {
    return {
      status: 'unknown',
      detail: `${acknowledged} acknowledged write(s) but no final read or final state to compare them with`,
      firstFailedAtMs: null,
      operations: [],
    };
  }
  return {
    status: 'ok',
    detail: `no acknowledged write lost (${acknowledged} acknowledged, ${judged} key(s) observed at the end${unobserved ? `, ${unobserved} key(s) not observed` : ''})`,
    firstFailedAtMs: null,
    operations: [],
  };
}

/** The options of `checkNoCorruptReads`: the initial value and an extra validator of values read. */
export interface CorruptReadsOptions {
  /** What a key holds before its first write. Default `null`. */
  initial?: KvValue;
  /**
   * Extra validation of a value read (a checksum, a format): return a reason when it is corrupt.
   * Runs on every `ok` read.
   */
  validate?(value: KvValue, op: KvOperation): string | undefined;
}

/**
 * No corrupt value served: every `ok` read returns the initial value or a value some write or cas
 * to that key tried to write (whatever its outcome: a failed write may still have landed on a
 * replica), and passes `validate` when given.
 */
export function checkNoCorruptReads(history: KvHistoryList, options: CorruptReadsOptions = {}): WriteCheckResult {
  const initial = options.initial === undefined ? null : options.initial;
  const written = new Map<string, Set<KvValue>>();
  for (const o of history) {
    if (o.op === 'read' || o.value === undefined) continue;
    let s = written.get(o.key);
    if (!s) written.set(o.key, (s = new Set()));
    s.add(o.value);
  }
  const bad: KvOperation[] = [];
  const reasons: string[] = [];
  let reads = 0;
  let firstUs = Infinity;
  for (const o of history) {
    if (o.op !== 'read' || o.outcome !== 'ok') continue;
    reads++;
    const v = o.value === undefined ? null : o.value;
    let why: string | undefined;
    if (v !== initial && !written.get(o.key)?.has(v)) why = `${JSON.stringify(v)} was never written to ${JSON.stringify(o.key)}`;
    else why = options.validate?.(v, o);
    if (why !== undefined) {
      bad.push(o);
      if (reasons.length < 3) reasons.push(`${describeOperation(o)}: ${why}`);
      firstUs = Math.min(firstUs, o.completeUs ?? o.invokeUs);
    }
  }
  if (bad.length > 0) {
    return {
      status: 'fail',
      detail: `${bad.length} read(s) served a corrupt value: ${reasons.join('; ')}${bad.length > 3 ? '; …' : ''}`,
      firstFailedAtMs: firstUs / 1000,
      operations: bad,
    };
  }
  return { status: 'ok', detail: `${reads} read(s), none served a corrupt value`, firstFailedAtMs: null, operations: [] };
}

function groupByKey(history: KvHistoryList): Map<string, KvOperation[]> {
  const out = new Map<string, KvOperation[]>();
  for (const o of history) {
    let list = out.get(o.key);
    if (!list) out.set(o.key, (list = []));
    list.push(o);
  }
  return out;
}
