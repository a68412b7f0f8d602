/**
 * `buildReportData(runs)`: aggregate runs into what the viewer draws. Pure (no Node APIs, no
 * host clock), deterministic, and bounded: the output's size depends on the screen resolution
 * the report is made for, not on the run's length (see the limits in `model.ts`).
 *
 * The trace is an open union: layers add record kinds by declaration merging, and this file reads
 * them structurally (a `node-state` record has `node`/`from`/`to`, a breaker record has
 * `breaker`/`to`, a message record has an id and its endpoints), so a kind this file has never
 * heard of is still counted, and drawn as a tick on its node's lane when it names one.
 */
import { Histogram, percentile, type Series, type SeriesWindow } from '../sim/observe/metrics.ts';
import type { RunArtifacts } from '../sim/run/runner.ts';
import type { ParamSpec } from '../sim/run/scenario.ts';
import {
  LANE_SEGMENTS_MAX,
  MESSAGES_MAX,
  NODE_EVENTS_MAX,
  REPORT_DATA_VERSION,
  SERIES_POINTS_MAX,
  type CheckView,
  type FaultInterval,
  type GridSeries,
  type LaneRow,
  type Mark,
  type MessageView,
  type MessagesView,
  type MetricPanelView,
  type NodeEvent,
  type NodeView,
  type PercentileRow,
  type ReportData,
  type RunView,
  type Segment,
} from './model.ts';

/** A trace record read structurally: `time`, `kind` and whatever fields its layer declared. */
export type AnyRecord = { time: number; kind: string; [field: string]: unknown };

/** Kinds that only feed series (already aggregated elsewhere) or bracket the run. */
const SILENT_KINDS = new Set(['run-start', 'run-end', 'request', 'metric-window']);

/** Lifecycle states, worst first: when segments are merged to pixel resolution the worst wins. */
const STATE_SEVERITY = ['crashed', 'down', 'restarting', 'recovering', 'paused', 'limping', 'degraded', 'up'];

export interface BuildReportOptions {
  /** Messages embedded per run (default `MESSAGES_MAX`). */
  messagesMax?: number;
  /** Points per series (default `SERIES_POINTS_MAX`). */
  seriesPointsMax?: number;
}

export function buildReportData(runs: readonly RunArtifacts[], options: BuildReportOptions = {}): ReportData {
  if (runs.length === 0) throw new Error('buildReportData: expected at least one run');
  const ends = runs.map(runEndUs);
  const endUs = Math.max(1, ...ends);
  return {
    version: REPORT_DATA_VERSION,
    domainUs: [0, endUs],
    runs: runs.map((r, i) => buildRunView(r, i, endUs, options)),
  };
}

/** The run's end: its simulated time, or the last record or fault if those reach further. */
export function runEndUs(run: RunArtifacts): number {
  let end = Math.round(run.result.stats.simTimeMs * 1000);
  const last = run.records[run.records.length - 1];
  if (last && last.time > end) end = last.time;
  return end;
}

function buildRunView(run: RunArtifacts, runIndex: number, domainEndUs: number, options: BuildReportOptions): RunView {
  const { result, scenario } = run;
  const endUs = Math.max(1, runEndUs(run));
  const records = run.records as unknown as readonly AnyRecord[];
  const faults = faultIntervals(run, records, endUs);
  const messages = collectMessages(records, endUs);
  const nodes = buildNodes(records, faults, endUs);
  const counted = countKinds(records);
  const checks: CheckView[] = result.checks.map((c) => {
    const spec = scenario.checks?.find((s) => s.name === c.name);
    return {
      name: c.name,
      status: c.status,
      expected: c.expected,
      asExpected: c.status === c.expected,
      firstFailedAtMs: c.firstFailedAtMs ?? firstFailureFromTrace(records, c.name),
      detail: c.detail,
      ...(spec?.description ? { description: spec.description } : {}),
    };
  });
  const verdict = checks.some((c) => !c.asExpected && c.status !== 'unknown')
    ? 'fail'
    : checks.some((c) => c.status === 'unknown')
      ? 'unknown'
      : 'ok';
  const specs = scenario.params as Record<string, ParamSpec>;
  const traceNotes: string[] = [];
  if (run.truncatedRecords > 0) {
    traceNotes.push(`${run.truncatedRecords.toLocaleString('en-US')} trace records were beyond the tracer's memory cap and are not drawn.`);
  }
  if (records.length === 0) {
    traceNotes.push('This run kept no trace records (trace level "off"): swimlanes and messages are empty; metric panels still hold data.');
  }
  const pointsMax = options.seriesPointsMax ?? SERIES_POINTS_MAX;
  const messagesMax = options.messagesMax ?? MESSAGES_MAX;
  return {
    id: `run-${runIndex}`,
    scenario: { name: scenario.name, title: scenario.title, description: scenario.description },
    variant: result.variant,
    variantDescription: scenario.variants[result.variant]?.description ?? '',
    seed: result.seed,
    params: Object.entries(result.params).map(([name, value]) => {
      const spec = specs[name];
      return {
        name,
        value,
        ...(spec && spec.type === 'number' && spec.unit ? { unit: spec.unit } : {}),
        ...(spec?.description ? { description: spec.description } : {}),
      };
    }),
    faultPlan: result.faults,
    replay: result.replay,
    traceHash: result.traceHash,
    version: result.version,
    simTimeUs: Math.round(result.stats.simTimeMs * 1000),
    events: result.stats.events,
    summary: {
      requests: result.metrics.requests,
      ok: result.metrics.ok,
      failed: result.metrics.failed,
      availability: result.metrics.availability,
      retries: run.requests.retries,
      latencyMs: { ...result.metrics.latencyMs },
    },
    keyMetrics: (scenario.keyMetrics ?? []).map((name) => ({ name, value: keyMetricValue(result.metrics[name]) })),
    checks,
    verdict,
    faultKinds: [...new Set(faults.map((f) => f.kind))],
    faults,
    nodes,
    messages: sampleMessages(messages, messagesMax),
    panels: buildPanels(run, records, messages, endUs, domainEndUs, pointsMax),
    percentiles: percentileRows(run),
    marks: buildMarks(records, checks),
    otherKinds: counted,
    traceNotes,
  };
}

function keyMetricValue(v: unknown): string | number | boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  const s = JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}

function firstFailureFromTrace(records: readonly AnyRecord[], check: string): number | null {
  for (const r of records) if (r.kind === 'check-failed' && r.check === check) return r.time / 1000;
  return null;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Faults

function describeEntry(entry: Record<string, unknown>, skip: readonly string[]): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(entry)) {
    if (skip.includes(k)) continue;
    parts.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return parts.join(' ');
}

export function faultIntervals(run: RunArtifacts, records: readonly AnyRecord[], endUs: number): FaultInterval[] {
  const starts = new Map<number, AnyRecord>();
  const stops = new Map<number, AnyRecord>();
  const traceOnly: AnyRecord[] = [];
  for (const r of records) {
    if (r.kind !== 'fault-start' && r.kind !== 'fault-end') continue;
    const index = typeof r.index === 'number' ? r.index : -1;
    if (r.kind === 'fault-start') {
      if (index >= 0 && index < run.plan.length && !starts.has(index)) starts.set(index, r);
      else traceOnly.push(r);
    } else if (index >= 0 && !stops.has(index)) {
      stops.set(index, r);
    }
  }
  const out: FaultInterval[] = run.plan.map((entry, index) => {
    const start = starts.get(index);
    const stop = stops.get(index);
    const startUs = start ? start.time : entry.at;
    // The world writes an instant fault as a start and an end at the same moment, and a fault
    // without `for` that lasts until healed as a start with no end (it runs to the edge).
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
    const planned = run.result.faults[index] ?? {};
    const detail = [describeEntry(planned, ['kind']), str(start?.detail)].filter(Boolean).join(' · ');
    const target = str(entry.target) ?? str(start?.target) ?? str(start?.node);
    const groups = stringGroups(entry.groups);
    return { index, kind: entry.kind, startUs, endUs: stopUs, open, ...(target ? { target } : {}), ...(groups ? { groups } : {}), detail };
  });
  for (const r of traceOnly) {
    const index = typeof r.index === 'number' ? r.index : -1;
    const stop = index >= 0 ? stops.get(index) : undefined;
    const target = str(r.target) ?? str(r.node);
    out.push({
      index,
      kind: str(r.fault) ?? 'fault',
      startUs: r.time,
      endUs: stop ? stop.time : endUs,
      open: !stop,
      ...(target ? { target } : {}),
      detail: str(r.detail) ?? '',
    });
  }
  return out;
}

function stringGroups(v: unknown): string[][] | undefined {
  if (!Array.isArray(v) || v.length < 2) return undefined;
  const out: string[][] = [];
  for (const g of v) {
    if (!Array.isArray(g)) return undefined;
    out.push(g.filter((x): x is string => typeof x === 'string'));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Nodes: lifecycle, role, partition side, breakers, ejections, other events

interface RowBuilder {
  label: string;
  kind: LaneRow['kind'];
  segments: Segment[];
  current: string | null;
  sinceUs: number;
}

interface NodeBuilder {
  name: string;
  rows: Map<string, RowBuilder>;
  events: NodeEvent[];
  eventsTotal: number;
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

function buildNodes(records: readonly AnyRecord[], faults: readonly FaultInterval[], endUs: number): NodeView[] {
  const nodes = new Map<string, NodeBuilder>();
  const node = (name: string): NodeBuilder => {
    let n = nodes.get(name);
    if (!n) nodes.set(name, (n = { name, rows: new Map(), events: [], eventsTotal: 0 }));
    return n;
  };
  const row = (n: NodeBuilder, key: string, kind: LaneRow['kind'], label: string): RowBuilder => {
    let r = n.rows.get(key);
    if (!r) n.rows.set(key, (r = { label, kind, segments: [], current: null, sinceUs: 0 }));
    return r;
  };
  const change = (r: RowBuilder, timeUs: number, to: string | null, from?: string): void => {
    if (r.current === null && r.segments.length === 0 && from !== undefined && timeUs > 0) {
      r.current = from;
      r.sinceUs = 0;
    }
    if (r.current !== null && timeUs > r.sinceUs) r.segments.push({ startUs: r.sinceUs, endUs: timeUs, value: r.current });
    r.current = to;
    r.sinceUs = timeUs;
  };
  let leader: string | null = null;
  const partitionRecords: AnyRecord[] = [];

  for (const r of records) {
    if (SILENT_KINDS.has(r.kind) || r.kind === 'fault-start' || r.kind === 'fault-end') continue;
    if (isMessageKind(r.kind)) {
      // Endpoints get lanes so the message diagram has somewhere to draw.
      const m = messageEnds(r);
      if (m.from) node(m.from);
      if (m.to) node(m.to);
      continue;
    }
    if (r.kind === 'partition' && Array.isArray(r.groups)) {
      partitionRecords.push(r);
      continue;
    }
    const name = str(r.node);
    if (r.kind === 'node-state' && name) {
      change(row(node(name), 'state', 'state', 'state'), r.time, str(r.to) ?? 'unknown', str(r.from));
      continue;
    }
    if (typeof r.breaker === 'string' && name) {
      change(row(node(name), `breaker ${r.breaker}`, 'breaker', `breaker ${r.breaker}`), r.time, str(r.to) ?? str(r.state) ?? 'unknown', str(r.from));
      continue;
    }
    if (/eject/.test(r.kind)) {
      const target = str(r.target) ?? str(r.host) ?? str(r.backend) ?? str(r.endpoint) ?? name;
      if (target) {
        const ending = /un-?eject|restor|return|readmit/.test(r.kind) || r.ejected === false;
        change(row(node(target), 'ejected', 'ejection', 'ejected'), r.time, ending ? null : `ejected${name && name !== target ? ` by ${name}` : ''}`);
        continue;
      }
    }
    if (typeof r.leader === 'string' || (r.leader === null && /leader/.test(r.kind))) {
      const next = typeof r.leader === 'string' ? r.leader : null;
      if (leader !== null && leader !== next) change(row(node(leader), 'role', 'role', 'role'), r.time, null);
      if (next !== null) {
        const term = str(r.term);
        change(row(node(next), 'role', 'role', 'role'), r.time, term ? `leader (term ${term})` : 'leader');
      }
      leader = next;
      continue;
    }
    if (typeof r.role === 'string' && name) {
      change(row(node(name), 'role', 'role', 'role'), r.time, r.role);
      continue;
    }
    if (name) {
      const n = node(name);
      n.eventsTotal++;
      if (n.events.length < NODE_EVENTS_MAX * 4) n.events.push({ timeUs: r.time, kind: r.kind, text: eventText(r), count: 1 });
    }
  }

  // Partition sides: from the network's own `partition` cut/heal records when the trace has them,
  // else from the fault plan. A node in group i of a partition is on side i+1.
  if (partitionRecords.length > 0) {
    const cuts = new Map<string, AnyRecord>();
    const intervals: { startUs: number; endUs: number | null; groups: string[][] }[] = [];
    for (const r of partitionRecords) {
      const id = str(r.id) ?? '';
      if (r.action === 'heal') {
        const cut = cuts.get(id);
        cuts.delete(id);
        if (cut) intervals.push({ startUs: cut.time, endUs: r.time, groups: stringGroups(cut.groups) ?? [] });
      } else {
        cuts.set(id, r);
      }
    }
    for (const cut of cuts.values()) intervals.push({ startUs: cut.time, endUs: null, groups: stringGroups(cut.groups) ?? [] });
    for (const p of intervals) addPartitionSides(p, node, row, endUs);
  } else {
    for (const f of faults) if (f.groups) addPartitionSides({ startUs: f.startUs, endUs: f.endUs, groups: f.groups }, node, row, endUs);
  }

  const views: NodeView[] = [];
  for (const n of [...nodes.values()].sort((a, b) => naturalCompare(a.name, b.name))) {
    if (!n.rows.has('state')) {
      // A node seen only through messages or events never changed state: it was up throughout.
      n.rows.set('state', { label: 'state', kind: 'state', segments: [], current: 'up', sinceUs: 0 });
    }
    const order: LaneRow['kind'][] = ['state', 'role', 'partition', 'breaker', 'ejection'];
    const rows = [...n.rows.values()]
      .sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0))
      .map((r) => {
        if (r.current !== null && endUs > r.sinceUs) r.segments.push({ startUs: r.sinceUs, endUs, value: r.current });
        r.current = null;
        return { label: r.label, kind: r.kind, segments: capSegments(r.segments, endUs) };
      });
    views.push({ name: n.name, rows, events: capEvents(n.events, endUs), eventsTotal: n.eventsTotal });
  }
  return views;
}

function addPartitionSides(
  f: { startUs: number; endUs: number | null; groups: string[][] },
  node: (name: string) => NodeBuilder,
  row: (n: NodeBuilder, key: string, kind: LaneRow['kind'], label: string) => RowBuilder,
  endUs: number,
): void {
  const groups = f.groups;
  const stop = f.endUs ?? endUs;
  groups.forEach((g, i) => {
    for (const name of g) {
      if (name.includes('*')) continue;
      const r = row(node(name), 'partition', 'partition', 'partition');
      r.segments.push({ startUs: f.startUs, endUs: stop, value: `side ${i + 1} of ${groups.length}` });
    }
  });
}

function eventText(r: AnyRecord): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(r)) {
    if (k === 'time' || k === 'kind' || k === 'node') continue;
    parts.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  const s = parts.join(' ');
  return s.length > 300 ? `${s.slice(0, 297)}...` : s;
}

function severity(v: string): number {
  const i = STATE_SEVERITY.indexOf(v);
  return i < 0 ? STATE_SEVERITY.length : i;
}

/** Merge segments to at most LANE_SEGMENTS_MAX bins, keeping the worst state in each bin. */
export function capSegments(segments: readonly Segment[], endUs: number, max = LANE_SEGMENTS_MAX): Segment[] {
  const sorted = segments.slice().sort((a, b) => a.startUs - b.startUs);
  if (sorted.length <= max) return sorted;
  const binUs = Math.max(1, Math.ceil(endUs / max));
  const out: Segment[] = [];
  let i = 0;
  for (let b = 0; b * binUs < endUs && i < sorted.length; b++) {
    const lo = b * binUs;
    const hi = Math.min(endUs, lo + binUs);
    while (i < sorted.length && sorted[i]!.endUs <= lo) i++;
    let worst: string | null = null;
    for (let j = i; j < sorted.length && sorted[j]!.startUs < hi; j++) {
      const v = sorted[j]!.value;
      if (worst === null || severity(v) < severity(worst)) worst = v;
    }
    if (worst === null) continue;
    const prev = out[out.length - 1];
    if (prev && prev.value === worst && prev.endUs === lo) prev.endUs = hi;
    else out.push({ startUs: lo, endUs: hi, value: worst });
  }
  return out;
}

function capEvents(events: NodeEvent[], endUs: number): NodeEvent[] {
  if (events.length <= NODE_EVENTS_MAX) return events;
  const binUs = Math.max(1, Math.ceil(endUs / NODE_EVENTS_MAX));
  const out: NodeEvent[] = [];
  for (const e of events) {
    const prev = out[out.length - 1];
    if (prev && Math.floor(prev.timeUs / binUs) === Math.floor(e.timeUs / binUs)) {
      prev.count += e.count;
      if (prev.kind !== e.kind && !prev.kind.endsWith('…')) prev.kind = `${prev.kind} …`;
    } else {
      out.push({ ...e });
    }
  }
  for (const e of out) if (e.count > 1) e.text = `${e.count} events from ${e.kind}; first: ${e.text}`;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Messages

export function isMessageKind(kind: string): boolean {
  return kind.startsWith('message-') || kind.startsWith('msg-');
}

function messageEnds(r: AnyRecord): { from?: string; to?: string } {
  const kind = r.kind;
  const from = str(r.from) ?? str(r.source) ?? str(r.src) ?? str(r.sender) ?? (/send/.test(kind) ? str(r.node) : undefined);
  const to = str(r.to) ?? str(r.dest) ?? str(r.dst) ?? str(r.receiver) ?? str(r.target) ?? (/deliver|recv|receive/.test(kind) ? str(r.node) : undefined);
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

export interface CollectedMessages {
  all: MessageView[];
  /** Counts per time bin, for the message-rate panel (all messages, not just the shown ones). */
  sentUs: number[];
  droppedUs: number[];
}

export function collectMessages(records: readonly AnyRecord[], endUs: number): CollectedMessages {
  const byId = new Map<string, MessageView>();
  const all: MessageView[] = [];
  const sentUs: number[] = [];
  const droppedUs: number[] = [];
  let anon = 0;
  for (const r of records) {
    if (!isMessageKind(r.kind)) continue;
    const id = str(r.id) ?? str(r.msg) ?? str(r.msgId) ?? str(r.messageId);
    const ends = messageEnds(r);
    const type = str(r.type) ?? str(r.msgType) ?? str(r.name) ?? 'message';
    let m = id !== undefined ? byId.get(id) : undefined;
    const isSend = /send/.test(r.kind);
    const isDeliver = /deliver|recv|receive/.test(r.kind);
    const isDrop = /drop|lost|loss/.test(r.kind);
    if (!isSend && !isDeliver && !isDrop) continue; // e.g. message-duplicate: the second delivery tells the story
    if (isSend || !m || (isDeliver && m.deliverUs !== null)) {
      // A new message; a second delivery of the same id (duplication) becomes an arrow of its own.
      const sendUs = isSend ? r.time : numberField(r, ['sentAt', 'sendUs', 'sentUs', 'sendTime']) ?? m?.sendUs ?? r.time;
      const fresh: MessageView = {
        id: id ?? `anon-${anon++}`,
        from: ends.from ?? m?.from ?? '?',
        to: ends.to ?? m?.to ?? '?',
        type: m && !isSend ? m.type : type,
        sendUs,
        deliverUs: null,
        dropUs: null,
      };
      if (m && isDeliver && m.deliverUs !== null) fresh.id = `${m.id}+dup${all.length}`;
      m = fresh;
      all.push(m);
      sentUs.push(sendUs);
      if (id !== undefined && (isSend || !byId.has(id))) byId.set(id, m);
    }
    if (isDeliver) {
      m.deliverUs = r.time;
      if (ends.to) m.to = ends.to;
    }
    if (isDrop) {
      m.dropUs = r.time;
      const reason = str(r.reason) ?? str(r.cause);
      if (reason) m.reason = reason;
      if (ends.to && m.to === '?') m.to = ends.to;
      droppedUs.push(r.time);
    }
  }
  void endUs;
  return { all, sentUs, droppedUs };
}

function numberField(r: AnyRecord, names: readonly string[]): number | undefined {
  for (const n of names) if (typeof r[n] === 'number' && Number.isFinite(r[n])) return r[n] as number;
  return undefined;
}

/**
 * Keep at most `max` messages: every drop if they fit in half the budget (they are what a
 * postmortem looks for), then an even stride over the rest, so every part of the run is shown.
 */
export function sampleMessages(collected: CollectedMessages, max: number): MessagesView {
  const all = collected.all;
  const dropped = all.filter((m) => m.dropUs !== null).length;
  if (all.length <= max) {
    return { items: all.slice().sort(byTime), total: all.length, dropped, truncated: false, sampling: 'all messages' };
  }
  const drops = all.filter((m) => m.dropUs !== null);
  const rest = all.filter((m) => m.dropUs === null);
  const dropsKept = stride(drops, Math.min(drops.length, Math.floor(max / 2)));
  const restKept = stride(rest, max - dropsKept.length);
  const items = dropsKept.concat(restKept).sort(byTime);
  const sampling =
    `${items.length.toLocaleString('en-US')} of ${all.length.toLocaleString('en-US')} messages: ` +
    `${dropsKept.length === drops.length ? 'every drop' : `${dropsKept.length.toLocaleString('en-US')} of ${drops.length.toLocaleString('en-US')} drops`}, ` +
    `and ${restKept.length.toLocaleString('en-US')} of the ${rest.length.toLocaleString('en-US')} others, evenly spaced in time`;
  return { items, total: all.length, dropped, truncated: true, sampling };
}

function byTime(a: MessageView, b: MessageView): number {
  return a.sendUs - b.sendUs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function stride<T>(xs: readonly T[], n: number): T[] {
  if (n >= xs.length) return xs.slice();
  if (n <= 0) return [];
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(xs[Math.floor((i * xs.length) / n)]!);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Metric panels

type Mode = 'rate' | 'mean' | 'max' | 'count';

/** Resample windows onto a grid of at most `pointsMax` points, merging neighbours by `mode`. */
export function gridFromWindows(
  name: string,
  windows: readonly SeriesWindow[],
  widthUs: number,
  mode: Mode,
  pointsMax: number,
  scaleBy = 1,
): GridSeries {
  const factor = Math.max(1, Math.ceil(windows.length / pointsMax));
  const w = widthUs * factor;
  const values: (number | null)[] = [];
  for (let i = 0; i < windows.length; i += factor) {
    let count = 0;
    let sum = 0;
    let max = -Infinity;
    for (let j = i; j < Math.min(windows.length, i + factor); j++) {
      const x = windows[j]!;
      count += x.count;
      sum += x.sum;
      if (x.count > 0 && x.max > max) max = x.max;
    }
    let v: number | null;
    switch (mode) {
      case 'rate':
        v = (sum / w) * 1e6;
        break;
      case 'count':
        v = (count / w) * 1e6;
        break;
      case 'mean':
        v = count === 0 ? null : sum / count;
        break;
      case 'max':
        v = count === 0 ? null : max;
        break;
    }
    values.push(v === null ? null : roundSig(v * scaleBy));
  }
  return { name, startUs: 0, widthUs: w, values };
}

function roundSig(v: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const mag = Math.floor(Math.log10(Math.abs(v)));
  const p = 10 ** (4 - mag);
  return Math.round(v * p) / p;
}

function seriesGrid(name: string, s: Series, endUs: number, mode: Mode, pointsMax: number, scaleBy = 1): GridSeries {
  return gridFromWindows(name, s.windows(endUs), s.widthUs, mode, pointsMax, scaleBy);
}

function allZero(g: readonly GridSeries[]): boolean {
  return g.every((s) => s.values.every((v) => v === null || v === 0));
}

function eventsGrid(name: string, timesUs: readonly number[], endUs: number, pointsMax: number): GridSeries {
  const bins = Math.min(pointsMax, 1024);
  const widthUs = Math.max(1, Math.ceil(endUs / bins));
  const counts = new Array<number>(Math.ceil(endUs / widthUs) || 1).fill(0);
  for (const t of timesUs) {
    const i = Math.min(counts.length - 1, Math.floor(t / widthUs));
    counts[i]!++;
  }
  return { name, startUs: 0, widthUs, values: counts.map((c) => roundSig((c / widthUs) * 1e6)) };
}

function latencyGrids(run: RunArtifacts, endUs: number, pointsMax: number): GridSeries[] {
  const req = run.requests;
  const hs = req.windowLatency;
  const windowsTotal = Math.max(hs.length, 1);
  const factor = Math.max(1, Math.ceil(windowsTotal / pointsMax));
  const p50: (number | null)[] = [];
  const p99: (number | null)[] = [];
  for (let i = 0; i < hs.length; i += factor) {
    const merged = new Histogram();
    for (let j = i; j < Math.min(hs.length, i + factor); j++) merged.merge(hs[j]!);
    p50.push(merged.count ? roundSig(percentile(merged, 0.5) / 1000) : null);
    p99.push(merged.count ? roundSig(percentile(merged, 0.99) / 1000) : null);
  }
  const widthUs = req.windowLatencyWidthUs * factor;
  const out: GridSeries[] = [
    { name: 'p50', startUs: 0, widthUs, values: p50 },
    { name: 'p99', startUs: 0, widthUs, values: p99 },
  ];
  out.push(seriesGrid('max', req.latency, endUs, 'max', pointsMax, 1 / 1000));
  return out;
}

function buildPanels(
  run: RunArtifacts,
  records: readonly AnyRecord[],
  messages: CollectedMessages,
  endUs: number,
  domainEndUs: number,
  pointsMax: number,
): MetricPanelView[] {
  const req = run.requests;
  void domainEndUs;
  const panels: MetricPanelView[] = [];
  panels.push({
    id: 'throughput',
    title: 'Throughput vs goodput',
    caption:
      'Requests finished per second (throughput) against requests that succeeded (goodput). A gap between the lines is work the system did for nothing: under a retry storm throughput stays high while goodput collapses.',
    unit: 'req/s',
    scale: 'linear',
    series: [seriesGrid('throughput', req.throughput, endUs, 'count', pointsMax), seriesGrid('goodput', req.goodput, endUs, 'count', pointsMax)],
    emptyText: 'No requests were recorded in this run.',
  });
  const sends = [seriesGrid('first tries', req.firstTries, endUs, 'count', pointsMax), seriesGrid('retries', req.retrySends, endUs, 'count', pointsMax)];
  panels.push({
    id: 'attempts',
    title: 'First tries vs retries',
    caption:
      'Attempts sent per second, split into first tries and retries. Offered load is their sum: when retries grow while first tries stay flat, clients are amplifying the failure.',
    unit: 'attempts/s',
    scale: 'linear',
    series: allZero(sends) ? [] : sends,
    emptyText: 'This run records no attempts (the scenario does not call requests.attempt).',
  });
  const errorKinds = [...req.errorSeries.keys()].sort();
  panels.push({
    id: 'errors',
    title: 'Errors by kind',
    caption: 'Failed requests per second, one line per error kind.',
    unit: 'errors/s',
    scale: 'linear',
    series: errorKinds.map((k) => seriesGrid(k, req.errorSeries.get(k)!, endUs, 'count', pointsMax)),
    emptyText: 'No request failed in this run.',
  });
  const lat = latencyGrids(run, endUs, pointsMax);
  panels.push({
    id: 'latency',
    title: 'Latency per window',
    caption:
      'p50, p99 and max latency of the requests that finished in each window, in milliseconds on a log scale (nearest-rank percentiles from the run’s histograms).',
    unit: 'ms',
    scale: 'log',
    series: allZero(lat) ? [] : lat,
    emptyText: 'No latency was recorded in this run.',
  });

  // Scenario-published series: registry series and metric-window records, grouped by name.
  const named = new Map<string, GridSeries>();
  for (const [name, s] of [...run.metrics.series.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    named.set(name, seriesGrid(name, s, endUs, 'mean', pointsMax));
  }
  const windowRecords = new Map<string, SeriesWindow[]>();
  const windowWidths = new Map<string, number>();
  for (const r of records) {
    if (r.kind !== 'metric-window' || typeof r.name !== 'string' || named.has(r.name)) continue;
    let ws = windowRecords.get(r.name);
    if (!ws) windowRecords.set(r.name, (ws = []));
    const start = Number(r.startUs);
    const width = Math.max(1, Number(r.endUs) - start);
    if (!windowWidths.has(r.name)) windowWidths.set(r.name, width);
    const w = windowWidths.get(r.name)!;
    const i = Math.floor(start / w);
    while (ws.length <= i) ws.push({ startUs: ws.length * w, count: 0, sum: 0, max: 0 });
    const slot = ws[i]!;
    slot.count += Number(r.count) || 0;
    slot.sum += Number(r.sum) || 0;
    slot.max = Math.max(slot.max, Number(r.max) || 0);
  }
  for (const [name, ws] of windowRecords) named.set(name, gridFromWindows(name, ws, windowWidths.get(name)!, 'mean', pointsMax));
  const take = (re: RegExp): GridSeries[] => {
    const out: GridSeries[] = [];
    for (const [name, g] of named) {
      if (re.test(name)) {
        out.push(g);
        named.delete(name);
      }
    }
    return out;
  };
  panels.push({
    id: 'queue',
    title: 'Queue depth and in-flight requests',
    caption: 'Mean of the samples in each window. A queue that keeps growing after the fault ends is the signature of a metastable failure.',
    unit: 'requests',
    scale: 'linear',
    series: take(/queue|inflight|in-flight|depth|backlog|pending|concurren/i),
    emptyText: 'This run publishes no queue-depth or in-flight series (names containing "queue", "inflight" or "depth").',
  });
  panels.push({
    id: 'utilization',
    title: 'Utilization per node',
    caption: 'Fraction of each node’s capacity in use, mean per window.',
    unit: 'fraction',
    scale: 'linear',
    series: take(/util|busy/i),
    emptyText: 'This run publishes no utilization series (names containing "util" or "busy").',
  });
  if (messages.all.length > 0) {
    panels.push({
      id: 'messages',
      title: 'Messages sent and dropped',
      caption: 'Every message in the trace, counted per window (the diagram above shows a sample when there are many).',
      unit: 'msgs/s',
      scale: 'linear',
      series: [eventsGrid('sent', messages.sentUs, endUs, pointsMax), eventsGrid('dropped', messages.droppedUs, endUs, pointsMax)],
      emptyText: '',
    });
  }
  if (named.size > 0) {
    panels.push({
      id: 'other',
      title: 'Other series',
      caption: 'Series the scenario published, mean per window.',
      unit: '',
      scale: 'linear',
      series: [...named.values()],
      emptyText: '',
    });
  }
  return panels;
}

function percentileRows(run: RunArtifacts): PercentileRow[] {
  const row = (label: string, h: Histogram, toMs: number): PercentileRow => {
    const q = (p: number): number | null => (h.count ? roundSig(percentile(h, p) * toMs) : null);
    return {
      label,
      count: h.count,
      meanMs: h.count ? roundSig(h.mean * toMs) : null,
      minMs: h.count ? roundSig(h.min * toMs) : null,
      p50Ms: q(0.5),
      p90Ms: q(0.9),
      p99Ms: q(0.99),
      p999Ms: q(0.999),
      maxMs: h.count ? roundSig(h.max * toMs) : null,
    };
  };
  const rows = [row('all requests', run.requests.latencyUs, 1 / 1000), row('ok requests', run.requests.okLatencyUs, 1 / 1000)];
  const failed = new Histogram();
  // Failed latency = all minus ok is not recoverable from two histograms; show it only via counts.
  void failed;
  for (const [name, h] of [...run.metrics.histograms.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (/Us$|latency/i.test(name)) rows.push(row(name, h, 1 / 1000));
    else if (/Ms$/.test(name)) rows.push(row(name, h, 1));
  }
  return rows;
}

function countKinds(records: readonly AnyRecord[]): { kind: string; count: number }[] {
  const known = new Set(['node-state', 'fault-start', 'fault-end', 'note', 'check-failed', 'partition', 'breaker-state', ...SILENT_KINDS]);
  const counts = new Map<string, number>();
  for (const r of records) {
    if (known.has(r.kind) || isMessageKind(r.kind) || /eject|leader/.test(r.kind)) continue;
    counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([kind, count]) => ({ kind, count }));
}

/** Marks kept per run; a scenario that writes a note per request gets its first ones only. */
export const MARKS_MAX = 200;

function buildMarks(records: readonly AnyRecord[], checks: readonly CheckView[]): Mark[] {
  const marks: Mark[] = [];
  const failed = new Set<string>();
  for (const c of checks) {
    if (c.status === 'fail' && c.firstFailedAtMs !== null) {
      failed.add(c.name);
      marks.push({ timeUs: Math.round(c.firstFailedAtMs * 1000), kind: 'check-failed', text: `check ${c.name} first failed` });
    }
  }
  for (const r of records) {
    if (marks.length >= MARKS_MAX) break;
    if (r.kind === 'note' && str(r.node) === undefined) marks.push({ timeUs: r.time, kind: 'note', text: str(r.text) ?? '' });
  }
  return marks.sort((a, b) => a.timeUs - b.timeUs);
}
