/**
 * `RunFold`: the report's view of one run, folded from its trace records as they are emitted. It
 * is a `TraceSink`, so the runner hands it every record while the run goes and nothing is kept
 * but bounded aggregates (lanes, message density and sample, fault intervals, marks, counts per
 * kind, metric windows): `faultline run --report` uses as much memory for a day of simulated time
 * as for a minute, and every record counts in what is drawn.
 *
 * Pure and browser-safe (no Node APIs, no host clock): the same fold can run in a Web Worker next
 * to a simulation in the browser and be redrawn after every run. Finishing it (`data.ts`,
 * `buildRunView`) adds what the runner computed anyway: the result, metric series and checks.
 *
 * The trace is an open union: layers add record kinds by declaration merging, and the fold reads
 * them structurally, so a kind it has never heard of is still counted, and drawn as a tick on its
 * node's lane when it names one. New row kinds are rules in `fold-lanes.ts` (`LANE_RULES`).
 */
import type { FaultPlan } from '../sim/faults/plan.ts';
import type { TraceKind, TraceRecord, TraceSink } from '../sim/observe/trace.ts';
import { LaneFold, LANE_RULES, str, stringGroups, type AnyRecord } from './fold-lanes.ts';
import { isMessageKind, MessageFold } from './fold-messages.ts';
import { HistoryFold, RolesFold } from './fold-history.ts';
import type { FaultInterval, Mark, NodeView } from './model.ts';

/** Kinds that only feed series (already aggregated elsewhere) or bracket the run. */
const SILENT_KINDS = new Set(['run-start', 'run-end', 'request']);

/** Kinds with a view of their own: not listed under "other trace records". */
const DRAWN_KINDS = new Set(['node-state', 'fault-start', 'fault-end', 'note', 'check-failed', 'partition', 'breaker-state', 'metric-window', ...SILENT_KINDS, 'kv-invoke', 'kv-complete', 'kv-flag', 'fencing-rejected', 'lease-overlap', 'split-brain']);

/** Marks kept per run; a scenario that writes a note per request gets its first ones only. */
export const MARKS_MAX = 200;
/** Fault records that match no plan entry (a nemesis of the model's own), kept per run. */
export const TRACE_FAULTS_MAX = 1000;
/** Fault indices paired with plan entries (a plan longer than this is drawn from the plan alone). */
const FAULT_INDICES_MAX = 50_000;
/** Distinct record kinds counted (a scenario inventing kinds per record gets the first ones). */
const KINDS_MAX = 500;
/** Windows kept per `metric-window` series; neighbours merge beyond it (as `Series` does). */
const METRIC_WINDOWS_MAX = 2048;

/** One `metric-window` series: aggregate windows on a grid whose width doubles past the cap. */
export class WindowFold {
  widthUs = 0;
  readonly windows: { count: number; sum: number; max: number }[] = [];

  add(startUs: number, endUs: number, count: number, sum: number, max: number): void {
    if (this.widthUs === 0) this.widthUs = Math.max(1, endUs - startUs);
    let i = Math.floor(startUs / this.widthUs);
    while (i >= METRIC_WINDOWS_MAX) {
      this.coarsen();
      i = Math.floor(startUs / this.widthUs);
    }
    while (this.windows.length <= i) this.windows.push({ count: 0, sum: 0, max: 0 });
    const w = this.windows[i]!;
    w.count += count;
    w.sum += sum;
    w.max = Math.max(w.max, max);
  }

  private coarsen(): void {
    const ws = this.windows;
    const n = Math.ceil(ws.length / 2);
    for (let i = 0; i < n; i++) {
      const a = ws[2 * i]!;
      const b = ws[2 * i + 1];
      ws[i] = b ? { count: a.count + b.count, sum: a.sum + b.sum, max: Math.max(a.max, b.max) } : a;
    }
    ws.length = n;
    this.widthUs *= 2;
  }
}

/** Where a message record's fields sit among a RecordEmitter's fields (-1: absent). */
interface FieldShape {
  from: number;
  to: number;
  id: number;
  sentUs: number;
  reason: number;
  type: number;
}

interface FaultRecord {
  time: number;
  target?: string;
  detail?: string;
}

export class RunFold implements TraceSink {
  readonly lanes = new LaneFold();
  readonly messages: MessageFold;
  /** Client operations and replicated stores' roles (`fold-history.ts`). */
  readonly history = new HistoryFold();
  readonly roles = new RolesFold();
  /** Records seen (kept at the run's trace level). */
  records = 0;
  lastTimeUs = 0;
  private readonly starts = new Map<number, FaultRecord>();
  private readonly stops = new Map<number, FaultRecord>();
  private readonly traceFaults: { startUs: number; endUs: number | null; index: number; kind: string; target?: string; detail: string }[] = [];
  private traceFaultsDropped = 0;
  private readonly notes: Mark[] = [];
  private readonly checkFailedUs = new Map<string, number>();
  private readonly kinds = new Map<string, number>();
  readonly metricWindows = new Map<string, WindowFold>();

  constructor(options: { messagesMax?: number } = {}) {
    this.messages = new MessageFold(options.messagesMax);
  }

  write(record: TraceRecord): void {
    const r = record as unknown as AnyRecord;
    this.records++;
    if (r.time > this.lastTimeUs) this.lastTimeUs = r.time;
    const kind = r.kind;
    if (SILENT_KINDS.has(kind)) return;
    if (!DRAWN_KINDS.has(kind) && !isMessageKind(kind) && !/eject|leader/.test(kind)) {
      const n = this.kinds.get(kind);
      if (n !== undefined) this.kinds.set(kind, n + 1);
      else if (this.kinds.size < KINDS_MAX) this.kinds.set(kind, 1);
    }
    switch (kind) {
      case 'metric-window':
        this.metricWindow(r);
        return;
      case 'fault-start':
      case 'fault-end':
        this.fault(r);
        return;
      case 'check-failed': {
        const check = str(r.check);
        if (check !== undefined && !this.checkFailedUs.has(check) && this.checkFailedUs.size < MARKS_MAX) this.checkFailedUs.set(check, r.time);
        return;
      }
      case 'note':
        if (str(r.node) === undefined) {
          if (this.notes.length < MARKS_MAX) this.notes.push({ timeUs: r.time, kind: 'note', text: str(r.text) ?? '' });
          return;
        }
        break;
    }
    if (isMessageKind(kind)) {
      this.messages.write(r);
      return;
    }
    if (this.history.write(r)) return;
    this.roles.write(r);
    for (const rule of LANE_RULES) if (rule(r, this.lanes)) return;
    const node = str(r.node);
    if (node) this.lanes.tick(node, r);
  }

  /**
   * The tracer's fast path for fixed-field records (`RecordEmitter`): per-message and
   * per-request records arrive as fields, so a long run builds no object per message.
   */
  writeFields(kind: TraceKind, fields: readonly string[], time: number, f0?: unknown, f1?: unknown, f2?: unknown, f3?: unknown, f4?: unknown, f5?: unknown): void {
    if (kind === 'message-deliver' || kind === 'message-drop') {
      let shape = fields === this.lastFields ? this.lastShape : this.shapes.get(fields);
      if (!shape) this.shapes.set(fields, (shape = { from: fields.indexOf('from'), to: fields.indexOf('to'), id: fields.indexOf('id'), sentUs: fields.indexOf('sentUs'), reason: fields.indexOf('reason'), type: fields.indexOf('type') }));
      this.lastFields = fields;
      this.lastShape = shape;
      if (shape.type < 0) {
        this.records++;
        if (time > this.lastTimeUs) this.lastTimeUs = time;
        const from = str(pick(shape.from, f0, f1, f2, f3, f4, f5));
        const to = str(pick(shape.to, f0, f1, f2, f3, f4, f5));
        this.messages.writeFields(
          kind === 'message-deliver' ? 'deliver' : 'drop',
          time,
          from,
          to,
          pick(shape.id, f0, f1, f2, f3, f4, f5),
          pick(shape.sentUs, f0, f1, f2, f3, f4, f5),
          pick(shape.reason, f0, f1, f2, f3, f4, f5),
        );
        return;
      }
    } else if (SILENT_KINDS.has(kind)) {
      this.records++;
      if (time > this.lastTimeUs) this.lastTimeUs = time;
      return;
    }
    this.write(recordFromFields(kind, fields, time, f0, f1, f2, f3, f4, f5));
  }

  private readonly shapes = new Map<readonly string[], FieldShape>();
  private lastFields: readonly string[] | undefined;
  private lastShape: FieldShape | undefined;

  private metricWindow(r: AnyRecord): void {
    if (typeof r.name !== 'string') return;
    let w = this.metricWindows.get(r.name);
    if (!w) {
      if (this.metricWindows.size >= KINDS_MAX) return;
      this.metricWindows.set(r.name, (w = new WindowFold()));
    }
    const start = Number(r.startUs);
    if (!(start >= 0)) return;
    w.add(start, Number(r.endUs) || start + 1, Number(r.count) || 0, Number(r.sum) || 0, Number(r.max) || 0);
  }

  private fault(r: AnyRecord): void {
    const index = typeof r.index === 'number' ? r.index : -1;
    const target = str(r.target) ?? str(r.node);
    const detail = str(r.detail);
    const rec: FaultRecord = { time: r.time, ...(target ? { target } : {}), ...(detail ? { detail } : {}) };
    if (r.kind === 'fault-start') {
      if (index >= 0 && !this.starts.has(index) && this.starts.size < FAULT_INDICES_MAX) {
        this.starts.set(index, rec);
        return;
      }
      if (this.traceFaults.length >= TRACE_FAULTS_MAX) {
        this.traceFaultsDropped++;
        return;
      }
      const f = { startUs: r.time, endUs: null, index, kind: str(r.fault) ?? 'fault', ...(target ? { target } : {}), detail: detail ?? '' };
      this.traceFaults.push(f);
      if (index >= 0) this.openTraceFaults.set(index, f);
    } else if (index >= 0) {
      const open = this.openTraceFaults.get(index);
      if (open) {
        open.endUs = r.time as never;
        this.openTraceFaults.delete(index);
      } else if (!this.stops.has(index) && this.stops.size < FAULT_INDICES_MAX) {
        this.stops.set(index, rec);
      }
    }
  }

  private readonly openTraceFaults = new Map<number, { endUs: number | null }>();

  /**
   * Fault intervals: plan entries paired with their fault-start/fault-end records by index (a
   * start and end at the same time is an instant fault; a start with no end and no `for` runs to
   * the edge), then faults seen only in the trace.
   */
  faults(plan: FaultPlan, planned: readonly Record<string, unknown>[], endUs: number): FaultInterval[] {
    const out: FaultInterval[] = plan.map((entry, index) => {
      const start = this.starts.get(index);
      const stop = this.stops.get(index);
      const startUs = start ? start.time : entry.at;
      let stopUs: number | null;
      let open = false;
      if (stop) stopUs = stop.time === startUs && entry.for === undefined ? null : stop.time;
      else if (entry.for !== undefined) stopUs = entry.at + entry.for;
      else if (start) [stopUs, open] = [endUs, true];
      else stopUs = null;
      if (stopUs !== null && stopUs >= endUs) {
        stopUs = endUs;
        open = true;
      }
      const detail = [describeEntry(planned[index] ?? {}, ['kind']), start?.detail].filter(Boolean).join(' · ');
      const target = str(entry.target) ?? start?.target;
      const groups = stringGroups(entry.groups);
      return { index, kind: entry.kind, startUs, endUs: stopUs, open, ...(target ? { target } : {}), ...(groups ? { groups } : {}), detail };
    });
    // Starts recorded under an index beyond the plan are faults of the trace's own.
    for (const [index, start] of this.starts) {
      if (index < plan.length) continue;
      const stop = this.stops.get(index);
      out.push({ index, kind: 'fault', startUs: start.time, endUs: stop ? stop.time : endUs, open: !stop, ...(start.target ? { target: start.target } : {}), detail: start.detail ?? '' });
    }
    for (const f of this.traceFaults) {
      const endAt = f.endUs ?? endUs;
      out.push({ index: f.index, kind: f.kind, startUs: f.startUs, endUs: endAt, open: f.endUs === null, ...(f.target ? { target: f.target } : {}), detail: f.detail });
    }
    return out;
  }

  get traceFaultsLeftOut(): number {
    return this.traceFaultsDropped;
  }

  /** Marks: each failed check's first failure (from the result, else its check-failed record) and the scenario's notes. */
  marks(failed: readonly { name: string; firstFailedAtMs: number | null }[]): Mark[] {
    const marks: Mark[] = [];
    for (const c of failed) if (c.firstFailedAtMs !== null) marks.push({ timeUs: Math.round(c.firstFailedAtMs * 1000), kind: 'check-failed', text: `check ${c.name} first failed` });
    marks.push(...this.notes.slice(0, Math.max(0, MARKS_MAX - marks.length)));
    return marks.sort((a, b) => a.timeUs - b.timeUs);
  }

  firstCheckFailureMs(check: string): number | null {
    const t = this.checkFailedUs.get(check);
    return t === undefined ? null : t / 1000;
  }

  otherKinds(): { kind: string; count: number }[] {
    return [...this.kinds.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([kind, count]) => ({ kind, count }));
  }

  /** Lanes with partition sides from the plan when the trace had no `partition` records. */
  nodes(faults: readonly FaultInterval[], endUs: number): NodeView[] {
    // Message endpoints get lanes so the message diagram has somewhere to draw.
    for (const name of this.messages.endpoints) this.lanes.node(name);
    if (!this.lanes.sawPartitionRecords) {
      this.lanes.partitionsFromPlan(faults.flatMap((f) => (f.groups ? [{ startUs: f.startUs, endUs: f.endUs, groups: f.groups }] : [])));
    }
    return this.lanes.finish(endUs);
  }
}

/** The record a `writeFields` call stands for (as `RecordEmitter` would build it). */
export function recordFromFields(kind: TraceKind, fields: readonly string[], time: number, f0?: unknown, f1?: unknown, f2?: unknown, f3?: unknown, f4?: unknown, f5?: unknown): TraceRecord {
  const r: Record<string, unknown> = { time, kind };
  for (let i = 0; i < fields.length; i++) {
    const v = pick(i, f0, f1, f2, f3, f4, f5);
    if (v !== undefined) r[fields[i]!] = v;
  }
  return r as TraceRecord;
}

function pick(i: number, f0: unknown, f1: unknown, f2: unknown, f3: unknown, f4: unknown, f5: unknown): unknown {
  switch (i) {
    case 0:
      return f0;
    case 1:
      return f1;
    case 2:
      return f2;
    case 3:
      return f3;
    case 4:
      return f4;
    case 5:
      return f5;
    default:
      return undefined;
  }
}

function describeEntry(entry: Record<string, unknown>, skip: readonly string[]): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(entry)) {
    if (skip.includes(k)) continue;
    parts.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return parts.join(' ');
}
