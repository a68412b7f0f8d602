/**
 * Key-value histories: what clients asked for and what they were told, the input of the
 * linearizability, lost-write and corrupt-value checkers.
 *
 * The format follows Jepsen's: each operation has an invocation and a completion, a process (a
 * client that runs one operation at a time), a key, an op (`read`, `write` or `cas`), a value and
 * an outcome:
 *   - `ok`: the operation took effect (a read's value is what it returned);
 *   - `fail`: the operation definitely did not take effect (a refused write, a failed cas);
 *   - `info`: indeterminate (a timeout): it may have taken effect at any time after its invocation,
 *     or never. An operation still pending when the run ends is `info` too.
 *
 * The history lives in the trace: a collector, `kvHistory(ctx)` in `build`, emits a `kv-invoke`
 * record at each invocation and a `kv-complete` record at each completion, which
 * `historyFromRecords(records)` turns back into operations. They are kept at trace level
 * `summary` (what `faultline run`, `check` and the report use) and enter the trace hash at every
 * level. In a check, `kvHistory(ctx)` rebuilds the history from the kept records; at trace level
 * `off`, which keeps none, it returns the collector the run used (the same operations).
 *
 * A checker's verdict names operations (the lost writes, the read no linearization explains);
 * `flagOperations` writes them to the trace as a `kv-flag` record, which the report's history
 * view outlines and the checks panel links to.
 */
import type { TraceRecord } from '../observe/trace.ts';
import type { Metrics } from '../observe/metrics.ts';
import { InputError } from '../kernel/errors.ts';

/** A key-value operation: `read`, `write` or `cas` (compare-and-set), as in Jepsen's register workload. */
export type KvOpKind = 'read' | 'write' | 'cas';
/**
 * How an operation ended, as Jepsen names it: `ok` (it took effect), `fail` (it definitely did
 * not), `info` (indeterminate, such as a timeout: it may take effect at any time after its
 * invocation, or never; an operation still pending at the end is `info` too).
 */
export type KvOutcome = 'ok' | 'fail' | 'info';
/** Values are JSON primitives, compared with `===` (`null` is the usual "absent" value). */
export type KvValue = string | number | boolean | null;

/**
 * One operation of a key-value history: its process (a client running one operation at a time),
 * key, op and values, its invocation and completion times in simulated µs, and its outcome.
 */
export interface KvOperation {
  /** Unique within the history, in invocation order. */
  id: number;
  /** The client that issued it; one process has at most one operation in flight. */
  process: string;
  /** The key (the register) it acts on. */
  key: string;
  /** What it does. */
  op: KvOpKind;
  /**
   * write: the value written; cas: the new value; read: the value returned (ok reads only;
   * `undefined` for reads that did not complete).
   */
  value?: KvValue;
  /** cas only: the value compared against. */
  expected?: KvValue;
  /** When the client invoked it (simulated µs). */
  invokeUs: number;
  /** When the client learned the outcome; `null` when it never did (still pending at the end). */
  completeUs: number | null;
  /** How it ended (`info` until completed). */
  outcome: KvOutcome;
  /** Why it failed or is indeterminate, for people. */
  error?: string;
}

/** A history as the checkers take it: operations in invocation order (`KvHistory.operations`, `historyFromRecords`). */
export type KvHistoryList = readonly KvOperation[];

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    /** A client invoked a key-value operation (detail). */
    'kv-invoke': { node: string; process: string; id: number; key: string; op: KvOpKind; value?: KvValue; expected?: KvValue };
    /** A key-value operation completed, failed, or became indeterminate (detail). */
    'kv-complete': { node: string; process: string; id: number; outcome: KvOutcome; value?: KvValue; error?: string };
    /** A check flagged these operations (lost writes, a read no linearization explains); `total` counts them all. */
    'kv-flag': { check: string; ids: number[]; total: number };
  }
}

/** Operation ids one `kv-flag` record names at most (the detail of a check says how many there were). */
export const FLAGGED_OPERATIONS_MAX = 1000;

/** The options of a `KvHistory` collector: its clock, where its trace records go, and its size bound. */
export interface KvHistoryOptions {
  /** The simulation clock (µs). */
  now: () => number;
  /** Where to write `kv-invoke` / `kv-complete` records (BuildContext.emit); omit to keep none. */
  emit?: (record: TraceRecord) => void;
  /** Bound on recorded operations; past it `invoke` throws, naming the bound. Default 1,000,000. */
  operationsMax?: number;
}

/**
 * A history collector. `invoke` returns an id; `ok`, `fail` and `info` complete it. Recording
 * costs one small object per operation; nothing else is kept.
 */
export class KvHistory {
  private readonly ops: KvOperation[] = [];
  private readonly open = new Map<number, KvOperation>();
  private readonly busy = new Map<string, number>();
  private readonly nodes = new Map<number, string>();
  private readonly now: () => number;
  private readonly emit: ((record: TraceRecord) => void) | undefined;
  private readonly operationsMax: number;

  constructor(options: KvHistoryOptions) {
    this.now = options.now;
    this.emit = options.emit;
    this.operationsMax = options.operationsMax ?? 1_000_000;
  }

  /**
   * Record an invocation. `node` names the client's node in the trace (default: the process).
   * For `read`, `value` is ignored; for `cas`, give `expected` and the new `value`.
   */
  invoke(
    process: string,
    op: KvOpKind,
    key: string,
    value?: KvValue,
    options: { expected?: KvValue; node?: string } = {},
  ): number {
    if (this.ops.length >= this.operationsMax) {
      throw new InputError(`kv history: operationsMax=${this.operationsMax} reached; raise it or record fewer operations`);
    }
    const pending = this.busy.get(process);
    if (pending !== undefined) {
      throw new InputError(
        `kv history: process ${JSON.stringify(process)} invoked a new operation while operation ${pending} is still open; ` +
          'a process runs one operation at a time (complete it with ok/fail/info first, or use another process name)',
      );
    }
    const id = this.ops.length;
    const rec: KvOperation = { id, process, key, op, invokeUs: this.now(), completeUs: null, outcome: 'info' };
    if (op !== 'read' && value !== undefined) rec.value = value;
    if (op === 'cas') rec.expected = options.expected ?? null;
    this.ops.push(rec);
    this.open.set(id, rec);
    this.busy.set(process, id);
    if (this.emit) {
      const r: TraceRecord = { time: rec.invokeUs, kind: 'kv-invoke', node: options.node ?? process, process, id, key, op };
      if (rec.value !== undefined) r.value = rec.value;
      if (op === 'cas') r.expected = rec.expected;
      this.emit(r);
    }
    if (options.node !== undefined) this.nodes.set(id, options.node);
    return id;
  }

  /** The operation took effect; a read gives the value it returned. */
  ok(id: number, value?: KvValue): void {
    this.complete(id, 'ok', value);
  }

  /** The operation definitely did not take effect. */
  fail(id: number, error?: string): void {
    this.complete(id, 'fail', undefined, error);
  }

  /** The outcome is unknown (a timeout, a lost connection): it may or may not have taken effect. */
  info(id: number, error?: string): void {
    this.complete(id, 'info', undefined, error);
  }

  complete(id: number, outcome: KvOutcome, value?: KvValue, error?: string): void {
    const rec = this.open.get(id);
    if (!rec) throw new InputError(`kv history: operation ${id} is not open (unknown, or completed already)`);
    this.open.delete(id);
    this.busy.delete(rec.process);
    rec.completeUs = this.now();
    rec.outcome = outcome;
    if (rec.op === 'read') {
      if (outcome === 'ok') rec.value = value === undefined ? null : value;
    }
    if (error !== undefined) rec.error = error;
    if (this.emit) {
      const node = this.nodes.get(id) ?? rec.process;
      const r: TraceRecord = { time: rec.completeUs, kind: 'kv-complete', node, process: rec.process, id, outcome };
      if (rec.op === 'read' && outcome === 'ok') r.value = rec.value;
      if (error !== undefined) r.error = error;
      this.emit(r);
    }
  }

  /** Operations in invocation order (open ones appear as `info` with `completeUs: null`). */
  get operations(): KvHistoryList {
    return this.ops;
  }

  /** A collector holding operations recorded elsewhere (for example rebuilt from a trace). */
  static of(operations: readonly KvOperation[]): KvHistory {
    const h = new KvHistory({ now: () => 0 });
    h.ops.push(...operations);
    return h;
  }

  get size(): number {
    return this.ops.length;
  }
}

/** Rebuild operations from `kv-invoke` / `kv-complete` records (trace level `full`). */
export function historyFromRecords(records: readonly TraceRecord[]): KvOperation[] {
  const byId = new Map<number, KvOperation>();
  const out: KvOperation[] = [];
  for (const r of records) {
    if (r.kind === 'kv-invoke') {
      const op: KvOperation = { id: r.id, process: r.process, key: r.key, op: r.op, invokeUs: r.time, completeUs: null, outcome: 'info' };
      if (r.value !== undefined) op.value = r.value;
      if (r.expected !== undefined) op.expected = r.expected;
      byId.set(r.id, op);
      out.push(op);
    } else if (r.kind === 'kv-complete') {
      const op = byId.get(r.id);
      if (!op) continue;
      op.completeUs = r.time;
      op.outcome = r.outcome;
      if (op.op === 'read' && r.outcome === 'ok') op.value = r.value ?? null;
      if (r.error !== undefined) op.error = r.error;
    }
  }
  return out;
}

// One collector per run, found again from the check context. BuildContext.metrics and
// CheckContext.registry are the same Metrics object, so it is the key. A WeakMap keeps nothing
// alive after the run.
const collectors = new WeakMap<Metrics, KvHistory>();
const fromRecords = new WeakMap<readonly TraceRecord[], KvHistory>();

type BuildLike = { metrics: Metrics; sim: { now: number }; emit(record: TraceRecord): void };
type CheckLike = { registry: Metrics; records: readonly TraceRecord[] };

/**
 * The run's history collector. In `build(ctx)` it creates one (emitting trace records through
 * `ctx.emit`); in a check's `check(ctx)` it returns the same collector, or one rebuilt from the
 * kept trace records when the scenario wrote records itself.
 */
export function kvHistory(ctx: BuildLike | CheckLike, options: { operationsMax?: number } = {}): KvHistory {
  if ('registry' in ctx) {
    // the kept trace is the history; the run's collector only when the trace level kept nothing
    const cached = fromRecords.get(ctx.records);
    if (cached) return cached;
    const found = collectors.get(ctx.registry);
    if (found && !ctx.records.some((r) => r.kind === 'kv-invoke')) return found;
    const rebuilt = KvHistory.of(historyFromRecords(ctx.records));
    fromRecords.set(ctx.records, rebuilt);
    return rebuilt;
  }
  let h = collectors.get(ctx.metrics);
  if (!h) {
    const sim = ctx.sim;
    h = new KvHistory({ now: () => sim.now, emit: (r) => ctx.emit(r), operationsMax: options.operationsMax });
    collectors.set(ctx.metrics, h);
  }
  return h;
}

/** Human-readable one-liner for an operation, used in checker details. */
export function describeOperation(op: KvOperation): string {
  const t = (us: number | null): string => (us === null ? '…' : `${(us / 1000).toFixed(3)}ms`);
  const what =
    op.op === 'read'
      ? `read ${op.key}${op.outcome === 'ok' ? ` → ${JSON.stringify(op.value)}` : ''}`
      : op.op === 'write'
        ? `write ${op.key} ← ${JSON.stringify(op.value)}`
        : `cas ${op.key} ${JSON.stringify(op.expected)} → ${JSON.stringify(op.value)}`;
  return `op ${op.id} (${op.process} ${what}, ${op.outcome}, ${t(op.invokeUs)}–${t(op.completeUs)})`;
}

/**
 * Write a check's flagged operations to the trace as a `kv-flag` record (at most
 * `FLAGGED_OPERATIONS_MAX` ids, `total` counting all), for the report's history view. Call it in
 * the scenario's `finish()` (records emitted by a check itself would come after the run's end).
 */
export function flagOperations(ctx: { sim: { now: number }; emit(record: TraceRecord): void }, check: string, operations: readonly KvOperation[]): void {
  if (operations.length === 0) return;
  const ids = operations.slice(0, FLAGGED_OPERATIONS_MAX).map((o) => o.id);
  ctx.emit({ time: ctx.sim.now, kind: 'kv-flag', check, ids, total: operations.length });
}
