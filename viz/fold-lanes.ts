/**
 * Swimlanes, folded record by record: each node's rows (lifecycle, role, partition side, breakers,
 * ejection) as segments, and its other records as ticks, in memory bounded by the screen whatever
 * the run's length. Pure and browser-safe (no Node APIs), so the same code can run in a Web Worker.
 *
 * A row keeps exact segments until it has `LANE_SEGMENTS_MAX` of them; then it switches to a grid
 * of time bins (a power-of-two width that doubles whenever the bins would exceed the cap again),
 * each bin holding the worst state seen in it, so a flapping node costs at most the cap and a
 * one-microsecond crash still shows. Ticks do the same with a count per bin.
 *
 * Adding a lane (a row kind): add its name to `LANE_ROW_KINDS` in model.ts (that order is the
 * drawing order), a rule to `LANE_RULES` below that recognises its records and calls
 * `lanes.change(...)`, and its colours to `STATE_COLORS` in viewer/palette.ts. Nothing else in the
 * report changes: rows of every kind are drawn, binned, shaded and given a legend the same way.
 */
import { LANE_ROW_KINDS, LANE_SEGMENTS_MAX, NODE_EVENTS_MAX, type LaneRow, type LaneRowKind, type NodeEvent, type NodeView, type Segment } from './model.ts';

/** A trace record read structurally: `time`, `kind` and whatever fields its layer declared. */
export type AnyRecord = { time: number; kind: string; [field: string]: unknown };

/** A record field as a non-empty string (numbers become strings), else undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : undefined;
}

/**
 * Values worst first. When a row is merged into bins the worst value of a bin wins, so failures
 * stay visible; values not listed rank between these and the normal states at the end.
 */
const SEVERITY_WORST = ['crashed', 'down', 'stopped', 'forced-open', 'open', 'restarting', 'recovering', 'starting', 'half-open', 'paused', 'limping', 'degraded', 'slow'];
const SEVERITY_NORMAL = ['follower', 'closed', 'running', 'healthy', 'up'];

export function severity(v: string): number {
  const worst = SEVERITY_WORST.indexOf(v);
  if (worst >= 0) return worst;
  const normal = SEVERITY_NORMAL.indexOf(v);
  return normal >= 0 ? SEVERITY_WORST.length + 1 + normal : SEVERITY_WORST.length;
}

function worse(a: string, b: string): string {
  return severity(b) < severity(a) ? b : a;
}

/** Smallest power of two ≥ x (x ≥ 1). */
function pow2AtLeast(x: number): number {
  let p = 1;
  while (p < x) p *= 2;
  return p;
}

/**
 * One row of one node. Feed it changes in time order with `change`; `segments(endUs)` closes the
 * open segment at the run's end.
 */
export class RowFold {
  private segs: Segment[] = [];
  private current: string | null = null;
  private sinceUs = 0;
  /** 0 while exact; else the bin width. */
  binUs = 0;
  // The bin being filled (binned mode): index and worst value so far, -1 when none.
  private openBin = -1;
  private openValue = '';

  constructor(
    readonly label: string,
    readonly kind: LaneRowKind,
    private readonly max = LANE_SEGMENTS_MAX,
  ) {}

  /** The row's value becomes `to` (null: nothing to draw) at `timeUs`; `from` names the value before it when this is the first change. */
  change(timeUs: number, to: string | null, from?: string): void {
    if (timeUs < this.sinceUs) timeUs = this.sinceUs; // records come in time order; never draw backwards
    if (this.current === null && this.segs.length === 0 && this.openBin < 0 && from !== undefined && timeUs > 0) {
      this.current = from;
      this.sinceUs = 0;
    }
    if (this.current !== null && timeUs > this.sinceUs) this.add(this.sinceUs, timeUs, this.current);
    this.current = to;
    this.sinceUs = timeUs;
  }

  get value(): string | null {
    return this.current;
  }

  private add(startUs: number, endUs: number, value: string): void {
    if (this.binUs === 0) {
      const prev = this.segs[this.segs.length - 1];
      if (prev && prev.value === value && prev.endUs === startUs) prev.endUs = endUs;
      else this.segs.push({ startUs, endUs, value });
      if (this.segs.length > this.max) this.rebin(pow2AtLeast(Math.ceil((2 * endUs) / this.max)));
      return;
    }
    const w = this.binUs;
    const first = Math.floor(startUs / w);
    const last = Math.floor((endUs - 1) / w);
    if (first === this.openBin) this.openValue = worse(this.openValue, value);
    else {
      this.flushOpen();
      this.openBin = first;
      this.openValue = value;
    }
    if (last > first) {
      this.flushOpen();
      if (last > first + 1) this.push((first + 1) * w, last * w, value);
      this.openBin = last;
      this.openValue = value;
    }
    if (this.segs.length > this.max) this.rebin(w * 2);
  }

  private flushOpen(): void {
    if (this.openBin < 0) return;
    this.push(this.openBin * this.binUs, (this.openBin + 1) * this.binUs, this.openValue);
    this.openBin = -1;
  }

  private push(startUs: number, endUs: number, value: string): void {
    const prev = this.segs[this.segs.length - 1];
    if (prev && prev.value === value && prev.endUs === startUs) prev.endUs = endUs;
    else this.segs.push({ startUs, endUs, value });
  }

  /** Re-merge everything kept so far onto bins of `binUs` (a coarser grid than before). */
  private rebin(binUs: number): void {
    const old = this.segs;
    if (this.openBin >= 0) old.push({ startUs: this.openBin * this.binUs, endUs: (this.openBin + 1) * this.binUs, value: this.openValue });
    this.segs = [];
    this.openBin = -1;
    this.binUs = binUs;
    for (const s of old) this.add(s.startUs, s.endUs, s.value);
  }

  /** The row's segments, the open one closed at `endUs` and nothing drawn past it. */
  finish(endUs: number): LaneRow {
    if (this.current !== null && endUs > this.sinceUs) this.add(this.sinceUs, endUs, this.current);
    this.current = null;
    this.flushOpen();
    const segments: Segment[] = [];
    for (const s of this.segs) {
      if (s.startUs >= endUs) break;
      segments.push(s.endUs > endUs ? { ...s, endUs } : s);
    }
    return { label: this.label, kind: this.kind, segments, binUs: this.binUs };
  }
}

/** A node's ticks: its records that have no row of their own. Exact up to NODE_EVENTS_MAX, then counted per bin. */
export class TickFold {
  private events: NodeEvent[] = [];
  total = 0;
  private binUs = 0;

  constructor(private readonly max = NODE_EVENTS_MAX) {}

  add(timeUs: number, kind: string, text: () => string): void {
    this.total++;
    const prev = this.events[this.events.length - 1];
    if (this.binUs > 0 && prev && Math.floor(prev.timeUs / this.binUs) === Math.floor(timeUs / this.binUs)) {
      merge(prev, kind, 1);
      return;
    }
    this.events.push({ timeUs, kind, text: text(), count: 1 });
    if (this.events.length > this.max) this.rebin(this.binUs === 0 ? pow2AtLeast(Math.ceil((2 * timeUs) / this.max)) : this.binUs * 2);
  }

  private rebin(binUs: number): void {
    const old = this.events;
    this.events = [];
    this.binUs = binUs;
    for (const e of old) {
      const prev = this.events[this.events.length - 1];
      if (prev && Math.floor(prev.timeUs / binUs) === Math.floor(e.timeUs / binUs)) merge(prev, e.kind, e.count);
      else this.events.push(e);
    }
  }

  finish(): NodeEvent[] {
    return this.events.map((e) => (e.count > 1 ? { ...e, text: `${e.count.toLocaleString('en-US')} events from ${e.kind}; first: ${e.text}` } : e));
  }
}

function merge(into: NodeEvent, kind: string, count: number): void {
  into.count += count;
  if (into.kind !== kind && !into.kind.endsWith('…')) into.kind = `${into.kind} …`;
}

interface NodeFold {
  name: string;
  rows: Map<string, RowFold>;
  ticks: TickFold;
}

/** The record as `key=value` pairs (other than time, kind and node), for a tick's tooltip. */
export function recordText(r: AnyRecord): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(r)) {
    if (k === 'time' || k === 'kind' || k === 'node') continue;
    parts.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  const s = parts.join(' ');
  return s.length > 300 ? `${s.slice(0, 297)}...` : s;
}

/**
 * A lane rule: when it recognises a record it updates rows through `lanes` and returns true (the
 * record is then not a tick). Rules run in order; the first that returns true wins.
 */
export type LaneRule = (r: AnyRecord, lanes: LaneFold) => boolean;

export const LANE_RULES: readonly LaneRule[] = [
  // Lifecycle: node-state {node, from, to}.
  (r, lanes) => {
    const node = str(r.node);
    if (r.kind !== 'node-state' || !node) return false;
    lanes.change(node, 'state', 'state', 'state', r.time, str(r.to) ?? 'unknown', str(r.from));
    return true;
  },
  // Circuit breakers: any record with a `breaker` name and a `to` (or `state`).
  (r, lanes) => {
    const node = str(r.node);
    if (typeof r.breaker !== 'string' || !node) return false;
    const label = `breaker ${r.breaker}`;
    lanes.change(node, label, 'breaker', label, r.time, str(r.to) ?? str(r.state) ?? 'unknown', str(r.from));
    return true;
  },
  // Load-balancer ejection: kinds containing "eject" name the ejected host; un-eject kinds end it.
  (r, lanes) => {
    if (!/eject/.test(r.kind)) return false;
    const node = str(r.node);
    const target = str(r.target) ?? str(r.host) ?? str(r.backend) ?? str(r.endpoint) ?? node;
    if (!target) return false;
    const ending = /un-?eject|restor|return|readmit/.test(r.kind) || r.ejected === false;
    lanes.change(target, 'ejected', 'ejection', 'ejected', r.time, ending ? null : `ejected${node && node !== target ? ` by ${node}` : ''}`);
    return true;
  },
  // Leadership: a string `leader` (optional `term`) moves the role from the previous leader of
  // the same `service` (one leader per service).
  (r, lanes) => {
    if (!(typeof r.leader === 'string' || (r.leader === null && /leader/.test(r.kind)))) return false;
    lanes.setLeader(r.time, typeof r.leader === 'string' ? r.leader : null, str(r.term), str(r.service) ?? '');
    return true;
  },
  // Other roles: any record with a string `role` on a node.
  (r, lanes) => {
    const node = str(r.node);
    if (typeof r.role !== 'string' || !node) return false;
    lanes.change(node, 'role', 'role', 'role', r.time, r.role);
    return true;
  },
  // Partitions: the network's `partition` cut/heal records; a node in group i is on side i+1.
  (r, lanes) => {
    if (r.kind !== 'partition' || !Array.isArray(r.groups)) return false;
    lanes.partition(r.time, str(r.id) ?? '', r.action === 'heal' ? null : stringGroups(r.groups));
    return true;
  },
];

export function stringGroups(v: unknown): string[][] | undefined {
  if (!Array.isArray(v) || v.length < 2) return undefined;
  const out: string[][] = [];
  for (const g of v) {
    if (!Array.isArray(g)) return undefined;
    out.push(g.filter((x): x is string => typeof x === 'string'));
  }
  return out;
}

/** Every node's lanes for one run. */
export class LaneFold {
  private readonly nodes = new Map<string, NodeFold>();
  /** The current leader per service. */
  private readonly leaders = new Map<string, string>();
  /** Active partitions by id, in the order they were cut (a node's side is its latest one's). */
  private readonly cuts = new Map<string, string[][]>();
  sawPartitionRecords = false;

  /** The node's lane (created on first mention: a node seen only in messages still gets a lane). */
  node(name: string): NodeFold {
    let n = this.nodes.get(name);
    if (!n) this.nodes.set(name, (n = { name, rows: new Map(), ticks: new TickFold() }));
    return n;
  }

  change(node: string, key: string, kind: LaneRowKind, label: string, timeUs: number, to: string | null, from?: string): void {
    const n = this.node(node);
    let row = n.rows.get(key);
    if (!row) n.rows.set(key, (row = new RowFold(label, kind)));
    row.change(timeUs, to, from);
  }

  setLeader(timeUs: number, next: string | null, term: string | undefined, service = ''): void {
    const previous = this.leaders.get(service);
    if (previous !== undefined && previous !== next) this.change(previous, 'role', 'role', 'role', timeUs, null);
    if (next !== null) {
      this.change(next, 'role', 'role', 'role', timeUs, term ? `leader (term ${term})` : 'leader');
      this.leaders.set(service, next);
    } else {
      this.leaders.delete(service);
    }
  }

  /** A partition `id` is cut into `groups` (or healed: null) at `timeUs`, from the network's own records. */
  partition(timeUs: number, id: string, groups: string[][] | null | undefined): void {
    this.sawPartitionRecords = true;
    this.applyPartition(timeUs, id, groups);
  }

  /**
   * Partition sides from fault-plan intervals, for a trace without `partition` records (call
   * before `finish`).
   */
  partitionsFromPlan(intervals: readonly { startUs: number; endUs: number | null; groups: string[][] }[]): void {
    const steps: { timeUs: number; id: string; groups: string[][] | null }[] = [];
    intervals.forEach((p, i) => {
      steps.push({ timeUs: p.startUs, id: `plan-${i}`, groups: p.groups });
      if (p.endUs !== null) steps.push({ timeUs: p.endUs, id: `plan-${i}`, groups: null });
    });
    steps.sort((a, b) => a.timeUs - b.timeUs);
    for (const s of steps) this.applyPartition(s.timeUs, s.id, s.groups);
  }

  private applyPartition(timeUs: number, id: string, groups: string[][] | null | undefined): void {
    const before = this.affected();
    if (groups) {
      this.cuts.delete(id);
      this.cuts.set(id, groups);
    } else {
      this.cuts.delete(id);
    }
    for (const name of new Set([...before, ...this.affected()])) this.change(name, 'partition', 'partition', 'partition', timeUs, this.sideOf(name));
  }

  private affected(): string[] {
    const out: string[] = [];
    for (const groups of this.cuts.values()) for (const g of groups) for (const name of g) if (!name.includes('*')) out.push(name);
    return out;
  }

  private sideOf(name: string): string | null {
    let side: string | null = null;
    for (const groups of this.cuts.values()) {
      groups.forEach((g, i) => {
        if (g.includes(name)) side = `side ${i + 1} of ${groups.length}`;
      });
    }
    return side;
  }

  tick(node: string, r: AnyRecord): void {
    this.node(node).ticks.add(r.time, r.kind, () => recordText(r));
  }

  /** Every node's view, in natural name order, every open segment closed at `endUs`. */
  finish(endUs: number): NodeView[] {
    const order: readonly string[] = LANE_ROW_KINDS;
    const views: NodeView[] = [];
    for (const n of [...this.nodes.values()].sort((a, b) => naturalCompare(a.name, b.name))) {
      if (!n.rows.has('state')) {
        // A node seen only through messages or events never changed state: it was up throughout.
        const up = new RowFold('state', 'state');
        up.change(0, 'up');
        n.rows.set('state', up);
      }
      const rows = [...n.rows.values()]
        .sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0))
        .map((r) => r.finish(endUs));
      views.push({ name: n.name, rows, events: n.ticks.finish(), eventsTotal: n.ticks.total });
    }
    return views;
  }
}

export function naturalCompare(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) return Number(x) - Number(y) || x.length - y.length;
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}
