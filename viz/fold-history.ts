/**
 * Operation histories and roles, folded record by record for the report (as `fold.ts` folds
 * lanes and messages): pure, browser-safe, and bounded whatever the run's length.
 *
 * - `HistoryFold` reads `kv-invoke` / `kv-complete` (Jepsen-style operations: invoke, then ok,
 *   fail or info) and `kv-flag` (the operations a check named). It keeps up to
 *   `HISTORY_FOLD_OPS_MAX` operations (the rest are counted); finished, it gives every operation
 *   when there are at most `HISTORY_OPS_MAX`, else per-process time bins with counts by outcome
 *   (no more marks than pixels), and the flagged operations exactly in both cases.
 * - `RolesFold` reads `leader-change` (a node claims leadership of a service in a term or epoch),
 *   `replica-step-down` and a `node-state` change to crashed (the claim ends), `fencing-rejected`
 *   (a replica refused a stale epoch: a mark) and `lease-overlap` (two leases at once). Finished,
 *   it gives each service's claims per node and the intervals where two or more claims overlap.
 */
import type { AnyRecord } from './fold-lanes.ts';
import { str } from './fold-lanes.ts';
import type { HistoryBin, HistoryOpView, HistoryView, RoleClaim, RolesView } from './model.ts';

/** Operations drawn one by one; beyond it the view shows per-process bins. */
export const HISTORY_OPS_MAX = 3000;
/** Operations the fold keeps to draw or bin; later ones are counted, not drawn. */
export const HISTORY_FOLD_OPS_MAX = 50_000;
/** Processes (rows) of the history view; operations of later processes are counted only. */
export const HISTORY_PROCESSES_MAX = 64;
/** Bins over all rows of an aggregated history (each row gets an equal share, at least 64). */
export const HISTORY_BINS_TOTAL = 8192;
/** Flagged operations kept per run (over all checks). */
export const HISTORY_FLAGGED_MAX = 500;
/** Claims kept per service, and fencing marks and lease overlaps per run. */
export const ROLE_CLAIMS_MAX = 2048;
export const ROLE_MARKS_MAX = 500;

type Outcome = 'ok' | 'fail' | 'info';

/** Values shown in a tooltip are cut to this many characters. */
const VALUE_CHARS_MAX = 40;

function show(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > VALUE_CHARS_MAX ? `${s.slice(0, VALUE_CHARS_MAX - 1)}…` : s;
}

export class HistoryFold {
  private readonly processes: string[] = [];
  private readonly processIndex = new Map<string, number>();
  private readonly ops: HistoryOpView[] = [];
  private readonly byId = new Map<number, HistoryOpView>();
  private readonly flags = new Map<string, { ids: number[]; total: number }>();
  private total = 0;
  private dropped = 0;
  private readonly counts = { ok: 0, fail: 0, info: 0 };

  /** Fold one record; true when it was one of the history's (nobody else needs it). */
  write(r: AnyRecord): boolean {
    switch (r.kind) {
      case 'kv-invoke':
        this.invoke(r);
        return true;
      case 'kv-complete':
        this.complete(r);
        return true;
      case 'kv-flag':
        this.flag(r);
        return true;
      default:
        return false;
    }
  }

  private invoke(r: AnyRecord): void {
    const process = str(r.process) ?? str(r.node) ?? '?';
    const id = typeof r.id === 'number' ? r.id : -1;
    this.total++;
    this.counts.info++; // until it completes: pending operations are indeterminate
    let p = this.processIndex.get(process);
    if (p === undefined) {
      if (this.processes.length >= HISTORY_PROCESSES_MAX || this.ops.length >= HISTORY_FOLD_OPS_MAX) {
        this.dropped++;
        return;
      }
      p = this.processes.length;
      this.processes.push(process);
      this.processIndex.set(process, p);
    }
    if (this.ops.length >= HISTORY_FOLD_OPS_MAX || id < 0) {
      this.dropped++;
      return;
    }
    const op: HistoryOpView = { id, p, op: str(r.op) ?? 'op', key: str(r.key) ?? '', invokeUs: r.time, completeUs: null, outcome: 'info' };
    const value = show(r.value);
    if (value !== undefined) op.value = value;
    if (r.expected !== undefined) op.expected = show(r.expected);
    this.ops.push(op);
    this.byId.set(id, op);
  }

  private complete(r: AnyRecord): void {
    const outcome = (r.outcome === 'ok' || r.outcome === 'fail' ? r.outcome : 'info') as Outcome;
    this.counts.info--;
    this.counts[outcome]++;
    const op = typeof r.id === 'number' ? this.byId.get(r.id) : undefined;
    if (!op) return;
    op.completeUs = r.time;
    op.outcome = outcome;
    if (op.op === 'read' && outcome === 'ok') op.value = show(r.value ?? null);
    const error = str(r.error);
    if (error !== undefined) op.error = show(error);
  }

  private flag(r: AnyRecord): void {
    const check = str(r.check);
    if (check === undefined || !Array.isArray(r.ids)) return;
    let f = this.flags.get(check);
    if (!f) this.flags.set(check, (f = { ids: [], total: 0 }));
    f.total += typeof r.total === 'number' ? r.total : r.ids.length;
    for (const id of r.ids) if (typeof id === 'number' && f.ids.length < HISTORY_FLAGGED_MAX) f.ids.push(id);
  }

  /** The view, or null when the run recorded no operations. */
  finish(endUs: number): HistoryView | null {
    if (this.total === 0) return null;
    const flagged = new Map<number, string[]>();
    for (const [check, f] of this.flags) for (const id of f.ids) flagged.set(id, [...(flagged.get(id) ?? []), check]);
    const flaggedOps: HistoryOpView[] = [];
    for (const [id, checks] of flagged) {
      const op = this.byId.get(id);
      if (op && flaggedOps.length < HISTORY_FLAGGED_MAX) flaggedOps.push({ ...op, checks });
    }
    flaggedOps.sort((a, b) => a.invokeUs - b.invokeUs || a.id - b.id);
    // rows in name order (client-1, client-2, …), whatever order the processes first appeared in
    const names = [...this.processes].sort();
    const row = this.processes.map((name) => names.indexOf(name));
    for (const o of this.ops) o.p = row[o.p]!;
    for (const o of flaggedOps) o.p = row[o.p]!;
    this.processes.splice(0, this.processes.length, ...names);
    this.processIndex.clear();
    names.forEach((name, i) => this.processIndex.set(name, i));
    const exact = this.ops.length <= HISTORY_OPS_MAX;
    const view: HistoryView = {
      processes: [...this.processes],
      total: this.total,
      counts: { ...this.counts },
      notDrawn: this.dropped,
      ops: exact ? this.ops.map((o) => (flagged.has(o.id) ? { ...o, checks: flagged.get(o.id)! } : o)) : [],
      binUs: 0,
      bins: [],
      flagged: flaggedOps,
      flags: [...this.flags].map(([check, f]) => ({ check, ids: [...f.ids], total: f.total })),
    };
    if (!exact) Object.assign(view, this.binned(endUs, flagged));
    return view;
  }

  /**
   * Per process, the operations in flight in each bin by outcome (difference arrays: one pass over
   * the operations and one over the bins, whatever an operation's length).
   */
  private binned(endUs: number, flagged: ReadonlyMap<number, string[]>): { binUs: number; bins: HistoryBin[] } {
    const rows = Math.max(1, this.processes.length);
    const perRow = Math.max(64, Math.floor(HISTORY_BINS_TOTAL / rows));
    const binUs = Math.max(1, Math.ceil(endUs / perRow));
    const n = Math.ceil(endUs / binUs) + 1;
    // per process: ok, fail, info, flagged deltas
    const delta = Array.from({ length: rows }, () => new Int32Array(4 * (n + 1)));
    const slot: Record<Outcome, number> = { ok: 0, fail: 1, info: 2 };
    for (const o of this.ops) {
      const d = delta[o.p]!;
      const a = Math.min(n - 1, Math.floor(o.invokeUs / binUs));
      const b = Math.min(n - 1, Math.floor((o.completeUs ?? endUs) / binUs));
      d[4 * a + slot[o.outcome]]!++;
      d[4 * (b + 1) + slot[o.outcome]]!--;
      if (flagged.has(o.id)) {
        d[4 * a + 3]!++;
        d[4 * (b + 1) + 3]!--;
      }
    }
    const bins: HistoryBin[] = [];
    for (let p = 0; p < rows; p++) {
      const d = delta[p]!;
      const run = [0, 0, 0, 0];
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < 4; k++) run[k]! += d[4 * i + k]!;
        if (run[0]! + run[1]! + run[2]! === 0) continue;
        bins.push({ p, startUs: i * binUs, endUs: Math.min(endUs, (i + 1) * binUs), ok: run[0]!, fail: run[1]!, info: run[2]!, flagged: run[3]! });
      }
    }
    return { binUs, bins };
  }
}

interface OpenClaim {
  startUs: number;
  term: string | undefined;
}

export class RolesFold {
  /** service → node → open claim */
  private readonly open = new Map<string, Map<string, OpenClaim>>();
  private readonly claims = new Map<string, RoleClaim[]>();
  private readonly claimsDropped = new Map<string, number>();
  private readonly fencing: { timeUs: number; node: string; service: string; text: string }[] = [];
  private readonly leaseOverlaps: { startUs: number; endUs: number; service: string; leaders: string[] }[] = [];
  private marksDropped = 0;

  /** Observe one record (it goes on to the lanes as well). */
  write(r: AnyRecord): void {
    switch (r.kind) {
      case 'leader-change': {
        const leader = str(r.leader);
        if (!leader) return;
        const service = str(r.service) ?? '';
        this.end(service, leader, r.time);
        this.services(service).set(leader, { startUs: r.time, term: str(r.term) });
        return;
      }
      case 'replica-step-down':
        if (str(r.node)) this.end(str(r.service) ?? '', str(r.node)!, r.time);
        return;
      case 'node-state':
        if (r.to === 'crashed' && str(r.node)) for (const service of this.open.keys()) this.end(service, str(r.node)!, r.time);
        return;
      case 'fencing-rejected': {
        if (this.fencing.length >= ROLE_MARKS_MAX) {
          this.marksDropped++;
          return;
        }
        const node = str(r.node);
        if (!node) return;
        this.fencing.push({ timeUs: r.time, node, service: str(r.service) ?? '', text: `${node} refused ${str(r.from) ?? 'a sender'}'s epoch ${str(r.stale) ?? '?'} (it is at ${str(r.epoch) ?? '?'})` });
        return;
      }
      case 'lease-overlap': {
        if (this.leaseOverlaps.length >= ROLE_MARKS_MAX) {
          this.marksDropped++;
          return;
        }
        const us = typeof r.overlapUs === 'number' ? r.overlapUs : 0;
        const leaders = Array.isArray(r.leaders) ? r.leaders.filter((x): x is string => typeof x === 'string') : [];
        this.leaseOverlaps.push({ startUs: r.time - us, endUs: r.time, service: str(r.service) ?? '', leaders });
        return;
      }
      default:
    }
  }

  private services(service: string): Map<string, OpenClaim> {
    let m = this.open.get(service);
    if (!m) this.open.set(service, (m = new Map()));
    return m;
  }

  private end(service: string, node: string, timeUs: number): void {
    const m = this.open.get(service);
    const c = m?.get(node);
    if (!m || !c) return;
    m.delete(node);
    this.push(service, { node, startUs: c.startUs, endUs: timeUs, ...(c.term !== undefined ? { term: c.term } : {}) });
  }

  private push(service: string, claim: RoleClaim): void {
    let list = this.claims.get(service);
    if (!list) this.claims.set(service, (list = []));
    if (list.length >= ROLE_CLAIMS_MAX) {
      this.claimsDropped.set(service, (this.claimsDropped.get(service) ?? 0) + 1);
      return;
    }
    list.push(claim);
  }

  /** One view per service that had a leader; claims still open run to the end. */
  finish(endUs: number): RolesView[] {
    for (const [service, m] of this.open) {
      for (const [node, c] of m) this.push(service, { node, startUs: c.startUs, endUs, open: true, ...(c.term !== undefined ? { term: c.term } : {}) });
      m.clear();
    }
    const out: RolesView[] = [];
    for (const [service, claims] of this.claims) {
      claims.sort((a, b) => a.startUs - b.startUs || (a.node < b.node ? -1 : 1));
      const nodes = [...new Set(claims.map((c) => c.node))].sort();
      out.push({
        service,
        nodes,
        claims,
        overlaps: overlapsOf(claims),
        fencing: this.fencing.filter((f) => f.service === service).map(({ service: _, ...f }) => f),
        leaseOverlaps: this.leaseOverlaps.filter((l) => l.service === service).map(({ service: _, ...l }) => l),
        notDrawn: (this.claimsDropped.get(service) ?? 0) + (out.length === 0 ? this.marksDropped : 0),
      });
    }
    return out.sort((a, b) => (a.service < b.service ? -1 : 1));
  }
}

/** Where two or more claims are active at once (a sweep over the claims' ends), with who claimed. */
export function overlapsOf(claims: readonly RoleClaim[]): { startUs: number; endUs: number; nodes: string[] }[] {
  const events: { t: number; d: number; node: string }[] = [];
  for (const c of claims) {
    if (c.endUs <= c.startUs) continue;
    events.push({ t: c.startUs, d: 1, node: c.node }, { t: c.endUs, d: -1, node: c.node });
  }
  // ends before starts at the same time: a handover at one instant is not an overlap
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  const active = new Map<string, number>();
  const out: { startUs: number; endUs: number; nodes: string[] }[] = [];
  let since = -1;
  let who = new Set<string>();
  for (const e of events) {
    const before = active.size;
    active.set(e.node, (active.get(e.node) ?? 0) + e.d);
    if (active.get(e.node)! <= 0) active.delete(e.node);
    if (before < 2 && active.size >= 2) {
      since = e.t;
      who = new Set(active.keys());
    } else if (active.size >= 2) {
      for (const n of active.keys()) who.add(n);
    } else if (before >= 2 && active.size < 2) {
      if (e.t > since) out.push({ startUs: since, endUs: e.t, nodes: [...who].sort() });
    }
  }
  return out;
}
