/**
 * Linearizability of a key-value history (registers with read, write and compare-and-set).
 *
 * Method: the Wing–Gong search as improved by Lowe ("Testing for linearizability", 2017) and
 * used by Knossos (`:wgl`) and Porcupine:
 *   - P-compositionality: a history is linearizable iff each key's sub-history is, so keys are
 *     checked one at a time (Herlihy & Wing's locality);
 *   - the history is a doubly linked list of call and return events in time order; the search
 *     linearizes a call whose operation is legal in the current register state, lifts it out of
 *     the list, and backtracks when it reaches a return whose operation it has not placed;
 *   - memoization: a (set of linearized operations, register state) configuration already seen is
 *     never explored again, which turns the exponential search into one bounded by the number of
 *     distinct configurations (small when concurrency is small).
 *
 * Outcomes: `ok`, `fail` (with the operation no linearization could place and the longest prefix
 * that could be linearized), or `unknown` when the search bound (`searchMax` steps over all keys)
 * is hit. The search is exponential in concurrency in the worst case (as Knossos' author notes),
 * so the bound is an explicit, reported outcome rather than a hang.
 *
 * Semantics of outcomes: `fail` operations are dropped (they did not happen); `info` writes and
 * cas may take effect at any point after their invocation, or never; `info` reads are dropped
 * (they returned nothing to check). Events at the same microsecond: calls sort before returns, so
 * an operation that completes at t and one invoked at t count as concurrent (the conservative
 * choice: it never reports a violation that a finer clock could explain away).
 */
import { describeOperation, type KvHistoryList, type KvOperation, type KvValue } from './history.ts';

/** The options of `checkLinearizable`: the search bound and the registers' initial value. */
export interface LinearizabilityOptions {
  /** Search steps over all keys before the outcome is `unknown`. Default 2,000,000. */
  searchMax?: number;
  /** What every key holds before its first write. Default `null`. */
  initial?: KvValue;
}

/**
 * The verdict of `checkLinearizable`: `ok`, `fail` with the key, the operation no linearization
 * could place and the longest linearizable prefix, or `unknown` when the search bound was hit. A
 * scenario check can return it as is.
 */
export interface LinearizabilityResult {
  /** `ok`, `fail`, or `unknown` (search bound reached). */
  status: 'ok' | 'fail' | 'unknown';
  /** One sentence for people. */
  detail: string;
  /** Keys checked (after dropping `fail` operations and `info` reads). */
  keys: number;
  /** Operations checked (after dropping `fail` operations and `info` reads). */
  operations: number;
  /** Search steps taken. */
  steps: number;
  /** fail / unknown: the key whose sub-history is not (or could not be shown) linearizable. */
  key?: string;
  /** fail: the operation no linearization could place before its completion. */
  operation?: KvOperation;
  /** fail: ids of the longest sequence of operations that could be linearized, in order. */
  linearized?: number[];
  /** fail: when the violation became certain (the stuck operation's completion), in ms. */
  firstFailedAtMs: number | null;
}

const DEFAULT_SEARCH_MAX = 2_000_000;

/**
 * Check that a key-value history is linearizable (registers with read, write and cas), key by
 * key, with the Wing–Gong–Lowe search Knossos (`:wgl`) and Porcupine use: `fail` operations are
 * dropped, `info` writes and cas may take effect at any time after their invocation or never,
 * `info` reads are dropped. Bounded by `searchMax` steps (default 2,000,000), past which the
 * verdict is `unknown`, never a hang.
 *
 * @param history - the operations, as `KvHistory.operations` or `historyFromRecords` give them
 * @param options - the search bound and the initial value (default `null`)
 * @returns the verdict, which a scenario check can return as is
 */
export function checkLinearizable(history: KvHistoryList, options: LinearizabilityOptions = {}): LinearizabilityResult {
  const searchMax = options.searchMax ?? DEFAULT_SEARCH_MAX;
  if (!(Number.isInteger(searchMax) && searchMax > 0)) {
    throw new RangeError(`checkLinearizable: searchMax=${searchMax} is not valid; use a positive integer`);
  }
  const initial = options.initial === undefined ? null : options.initial;
  const byKey = new Map<string, KvOperation[]>();
  let operations = 0;
  for (const op of history) {
    if (op.outcome === 'fail') continue;
    if (op.op === 'read' && op.outcome !== 'ok') continue;
    let list = byKey.get(op.key);
    if (!list) byKey.set(op.key, (list = []));
    list.push(op);
    operations++;
  }
  let steps = 0;
  for (const [key, ops] of byKey) {
    const r = checkRegister(ops, initial, searchMax - steps);
    steps += r.steps;
    if (r.status === 'unknown') {
      return {
        status: 'unknown',
        detail: `search bound searchMax=${searchMax} reached on key ${JSON.stringify(key)} (${ops.length} operations); raise searchMax or check a shorter history`,
        keys: byKey.size,
        operations,
        steps,
        key,
        firstFailedAtMs: null,
      };
    }
    if (r.status === 'fail') {
      const stuck = r.stuck!;
      const order = r.order!;
      const held = r.heldValue;
      return {
        status: 'fail',
        detail:
          r.steps === 0
            ? `key ${JSON.stringify(key)} is not linearizable: ${describeOperation(stuck)} returned a value no operation wrote`
            : `key ${JSON.stringify(key)} is not linearizable: no order of its ${ops.length} operations places ${describeOperation(stuck)} ` +
              `before it completed; the longest linearizable prefix has ${order.length} operation(s), after which the register held ${JSON.stringify(held)}`,
        keys: byKey.size,
        operations,
        steps,
        key,
        operation: stuck,
        linearized: order,
        firstFailedAtMs: stuck.completeUs === null ? null : stuck.completeUs / 1000,
      };
    }
  }
  return {
    status: 'ok',
    detail: `${operations} operation(s) on ${byKey.size} key(s) are linearizable (${steps} search steps)`,
    keys: byKey.size,
    operations,
    steps,
    firstFailedAtMs: null,
  };
}

interface RegisterResult {
  status: 'ok' | 'fail' | 'unknown';
  steps: number;
  stuck?: KvOperation;
  order?: number[];
  heldValue?: KvValue;
}

/**
 * The Wing–Gong–Lowe search over one register's operations.
 *
 * Indeterminate (`info`) operations are optional, and each one pending at once can double a plain
 * search. Two refinements keep it tractable:
 *   - an indeterminate write or cas whose new value no read returns and no cas expects is dropped:
 *     putting it in a linearization can only force the next operation to be a write that hides it,
 *     so any linearization with it is still one without it;
 *   - dominance: a configuration (placed determinate ops D, placed indeterminate ops I, value) is
 *     pruned when (D, I', value) with I' ⊆ I was explored already, since every continuation of the
 *     larger one is open to the smaller one (an indeterminate operation may stay out). With no
 *     indeterminate operations this is exactly Lowe's memoization.
 */
function checkRegister(all: readonly KvOperation[], initial: KvValue, budget: number): RegisterResult {
  // Fast path: a read of a value that nothing could have written fails without any search.
  const writable = new Set<KvValue>([initial]);
  for (const op of all) if (op.op !== 'read') writable.add(op.value === undefined ? null : op.value);
  for (const op of all) {
    if (op.op === 'read' && !writable.has(op.value === undefined ? null : op.value)) {
      return { status: 'fail', steps: 0, stuck: op, order: [], heldValue: initial };
    }
  }
  const observed = new Set<KvValue>();
  for (const op of all) {
    if (op.op === 'read') observed.add(op.value === undefined ? null : op.value);
    else if (op.op === 'cas') observed.add(op.expected === undefined ? null : op.expected);
  }
  // in invocation order, so that the placed set is nearly a prefix (see `fresh`)
  const ops = all
    .filter((op) => op.op === 'read' || (op.outcome === 'ok' && op.completeUs !== null) || observed.has(op.value === undefined ? null : op.value))
    .sort((a, b) => a.invokeUs - b.invokeUs);
  const m = ops.length;
  if (m === 0) return { status: 'ok', steps: 0 };
  // Entries 2i (call of op i) and 2i+1 (return of op i); H and T are sentinels.
  const n = 2 * m;
  const H = n;
  const T = n + 1;
  const time = new Float64Array(n);
  const optional = new Uint8Array(m);
  // determinate and indeterminate operations are numbered separately for the two bitsets
  const slot = new Int32Array(m);
  let nd = 0;
  let ni = 0;
  for (let i = 0; i < m; i++) {
    const op = ops[i]!;
    const definite = op.outcome === 'ok' && op.completeUs !== null;
    optional[i] = definite ? 0 : 1;
    slot[i] = definite ? nd++ : ni++;
    time[2 * i] = op.invokeUs;
    // indeterminate operations may take effect at any time after invocation: return at +∞
    time[2 * i + 1] = definite ? op.completeUs! : Infinity;
  }
  const order: number[] = Array.from({ length: n }, (_, e) => e);
  // by time; calls before returns at equal times; then by op index, for a total order
  order.sort((a, b) => time[a]! - time[b]! || (a & 1) - (b & 1) || a - b);
  const next = new Int32Array(n + 2);
  const prev = new Int32Array(n + 2);
  let last = H;
  for (const e of order) {
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  next[last] = T;
  prev[T] = last;

  const remove = (x: number): void => {
    next[prev[x]!] = next[x]!;
    prev[next[x]!] = prev[x]!;
  };
  const restore = (x: number): void => {
    next[prev[x]!] = x;
    prev[next[x]!] = x;
  };

  const bitsD = new Uint32Array(Math.ceil(nd / 32));
  const bitsI = new Uint32Array(Math.ceil(ni / 32));
  // Placed determinate operations are nearly a prefix in invocation order: words below `lowWord`
  // are all ones and words above `highWord` all zeros, so a configuration's key only spells out
  // the words in between (the concurrency window), which keeps keys short on long histories.
  let lowWord = 0;
  let highWord = -1;
  const setBit = (i: number, on: boolean): void => {
    const k = slot[i]!;
    const w = k >> 5;
    if (optional[i]) {
      if (on) bitsI[w]! |= 1 << (k & 31);
      else bitsI[w]! &= ~(1 << (k & 31));
      return;
    }
    if (on) {
      bitsD[w]! |= 1 << (k & 31);
      if (w > highWord) highWord = w;
      while (lowWord < bitsD.length && bitsD[lowWord] === 0xffffffff) lowWord++;
    } else {
      bitsD[w]! &= ~(1 << (k & 31));
      if (w < lowWord) lowWord = w;
      while (highWord >= 0 && bitsD[highWord] === 0) highWord--;
    }
  };
  const seen = new Map<string, Uint32Array[]>();
  /** Record the configuration; false when it (or one that dominates it) was explored already. */
  const fresh = (state: KvValue): boolean => {
    let key = (typeof state === 'string' ? `s${state}|` : `${String(state)}|`) + lowWord;
    for (let w = lowWord; w <= highWord; w++) key += ',' + bitsD[w]!.toString(36);
    let list = seen.get(key);
    if (list) {
      for (const other of list) {
        let subset = true;
        for (let w = 0; w < bitsI.length; w++) {
          if ((other[w]! & ~bitsI[w]!) !== 0) {
            subset = false;
            break;
          }
        }
        if (subset) return false;
      }
    } else {
      seen.set(key, (list = []));
    }
    list.push(bitsI.slice());
    return true;
  };
  const apply = (op: KvOperation, state: KvValue): KvValue | undefined => {
    // the value after the operation, or undefined when it is not legal in this state
    if (op.op === 'read') return state === (op.value === undefined ? null : op.value) ? state : undefined;
    if (op.op === 'write') return op.value === undefined ? null : op.value;
    return state === (op.expected === undefined ? null : op.expected) ? (op.value === undefined ? null : op.value) : undefined;
  };

  const stackEntry: number[] = [];
  const stackState: KvValue[] = [];
  let state: KvValue = initial;
  let entry = next[H]!;
  let steps = 0;
  let bestDepth = -1;
  let stuck: KvOperation | undefined;
  let bestOrder: number[] = [];
  let bestHeld: KvValue = initial;

  for (;;) {
    if (steps >= budget) return { status: 'unknown', steps };
    steps++;
    if (entry === T) return { status: 'ok', steps }; // only indeterminate operations remain
    if ((entry & 1) === 0) {
      const i = entry >> 1;
      const after = apply(ops[i]!, state);
      if (after !== undefined) {
        setBit(i, true);
        if (fresh(after)) {
          stackEntry.push(entry);
          stackState.push(state);
          state = after;
          remove(entry);
          remove(entry + 1);
          entry = next[H]!;
          continue;
        }
        setBit(i, false);
      }
      entry = next[entry]!;
      continue;
    }
    // A return: its operation must have been placed already. Every entry before this one is a
    // call, so when this return is at +∞ every determinate operation has been placed.
    if (time[entry] === Infinity) return { status: 'ok', steps };
    if (stackEntry.length > bestDepth) {
      bestDepth = stackEntry.length;
      stuck = ops[entry >> 1];
      bestOrder = stackEntry.map((e) => ops[e >> 1]!.id);
      bestHeld = state;
    }
    if (stackEntry.length === 0) return { status: 'fail', steps, stuck: stuck!, order: bestOrder, heldValue: bestHeld };
    // undo the latest placement and try the calls after it
    const c = stackEntry.pop()!;
    state = stackState.pop()!;
    setBit(c >> 1, false);
    restore(c + 1);
    restore(c);
    entry = next[c]!;
  }
}
