/**
 * Perfetto export: Chrome Trace Event JSON (the object form, closed, so it is valid JSON) that
 * opens in ui.perfetto.dev, chrome://tracing and Spall.
 *
 * Mapping (see shared/reference/views-and-exports.md, A3), per run r with pid base B = 10000·r:
 *   - pid B       "network": instants for dropped messages (args.reason);
 *   - pid B+1..N  one process per node (natural name order), with tracks
 *                 tid 0 "state" (X slices named by lifecycle state: up, crashed, ...),
 *                 tid 1 "send" and tid 2 "recv" (1 µs X slices carrying flow v2 arrows:
 *                 `bind_id` + `flow_out` on the send, `flow_in` on the delivery),
 *                 tid 3 "events" (instants for other records the node wrote),
 *                 tid 10+k one track per circuit breaker (X slices named by breaker state);
 *   - pid B+N+1   "faults": one track per fault kind, X slices for intervals, global instants
 *                 (`s: "g"`) for instant faults;
 *   - pid B+N+2   "metrics": C counters from the report's windowed series (one track per series).
 * Names stay low-cardinality (ids go to `args`). Timestamps are the trace's integer microseconds.
 * With several runs, process names are prefixed with the run's variant, and every run shares the
 * time origin, so Perfetto shows them one above the other.
 */
import type { RunArtifacts } from '../sim/run/runner.ts';
import { buildReportData, runEndUs } from './data.ts';
import { naturalCompare, str, type AnyRecord } from './fold-lanes.ts';
import { isMessageKind, messageEnds } from './fold-messages.ts';
import type { MessageView } from './model.ts';
import { writeAtomic } from './report.ts';

export interface TraceEvent {
  name: string;
  ph: 'M' | 'X' | 'i' | 'C';
  pid: number;
  tid?: number;
  ts?: number;
  dur?: number;
  cat?: string;
  s?: 't' | 'p' | 'g';
  bind_id?: number;
  flow_in?: boolean;
  flow_out?: boolean;
  args?: Record<string, unknown>;
}

export interface PerfettoTrace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, unknown>;
}

export interface PerfettoOptions {
  /** Messages exported per run (each is two slices and a flow); the rest are counted in otherData. */
  messagesMax?: number;
}

export const PERFETTO_MESSAGES_MAX = 200_000;
const PID_STRIDE = 10_000;
const TID_STATE = 0;
const TID_SEND = 1;
const TID_RECV = 2;
const TID_EVENTS = 3;
const TID_BREAKER0 = 10;

export function toPerfettoTrace(runs: RunArtifacts[], options: PerfettoOptions = {}): PerfettoTrace {
  const events: TraceEvent[] = [];
  const runsData: Record<string, unknown>[] = [];
  const report = buildReportData(runs);
  let flowId = 0;
  runs.forEach((run, ri) => {
    const base = ri * PID_STRIDE;
    const prefix = runs.length > 1 ? `${run.result.variant}: ` : '';
    const records = run.records as unknown as readonly AnyRecord[];
    const endUs = Math.max(1, runEndUs(run));
    const nodes = nodeNames(records);
    const pidOf = new Map(nodes.map((n, i) => [n, base + 1 + i] as const));
    const networkPid = base;
    const faultsPid = base + nodes.length + 1;
    const metricsPid = base + nodes.length + 2;
    const meta = (pid: number, name: string, sort: number): void => {
      events.push({ name: 'process_name', ph: 'M', pid, tid: 0, args: { name: `${prefix}${name}` } });
      events.push({ name: 'process_sort_index', ph: 'M', pid, tid: 0, args: { sort_index: base + sort } });
    };
    const thread = (pid: number, tid: number, name: string): void => {
      events.push({ name: 'thread_name', ph: 'M', pid, tid, args: { name } });
      events.push({ name: 'thread_sort_index', ph: 'M', pid, tid, args: { sort_index: tid } });
    };
    meta(networkPid, 'network', 0);
    nodes.forEach((n, i) => {
      const pid = base + 1 + i;
      meta(pid, n, 1 + i);
      thread(pid, TID_STATE, 'state');
      thread(pid, TID_SEND, 'send');
      thread(pid, TID_RECV, 'recv');
      thread(pid, TID_EVENTS, 'events');
    });
    meta(faultsPid, 'faults', nodes.length + 1);
    meta(metricsPid, 'metrics', nodes.length + 2);

    // Node lifecycle and breakers: consecutive, non-overlapping X slices per track.
    const state = new Map<string, { value: string; since: number }>();
    const breakerTids = new Map<string, number>();
    const slice = (pid: number, tid: number, name: string, from: number, to: number, args?: Record<string, unknown>): void => {
      if (to > from) events.push({ name, ph: 'X', cat: 'state', pid, tid, ts: from, dur: to - from, ...(args ? { args } : {}) });
    };
    for (const r of records) {
      const node = typeof r.node === 'string' ? r.node : undefined;
      const pid = node !== undefined ? pidOf.get(node) : undefined;
      if (r.kind === 'node-state' && pid !== undefined) {
        const key = `${node}\u0000state`;
        const prev = state.get(key) ?? (typeof r.from === 'string' ? { value: r.from, since: 0 } : undefined);
        if (prev) slice(pid, TID_STATE, prev.value, prev.since, r.time);
        state.set(key, { value: String(r.to), since: r.time });
      } else if (r.kind === 'breaker-state' && pid !== undefined && typeof r.breaker === 'string') {
        const key = `${node}\u0000breaker\u0000${r.breaker}`;
        let tid = breakerTids.get(key);
        if (tid === undefined) {
          tid = TID_BREAKER0 + [...breakerTids.keys()].filter((k) => k.startsWith(`${node}\u0000`)).length;
          breakerTids.set(key, tid);
          thread(pid, tid, `breaker ${r.breaker}`);
        }
        const prev = state.get(key) ?? (typeof r.from === 'string' ? { value: r.from, since: 0 } : undefined);
        if (prev) slice(pid, tid, prev.value, prev.since, r.time);
        state.set(key, { value: String(r.to), since: r.time });
      } else if (pid !== undefined && !isMessageKind(r.kind) && r.kind !== 'fault-start' && r.kind !== 'fault-end' && r.kind !== 'request' && r.kind !== 'metric-window') {
        events.push({ name: r.kind, ph: 'i', s: 't', cat: 'event', pid, tid: TID_EVENTS, ts: r.time, args: argsOf(r) });
      }
    }
    for (const [key, s] of state) {
      const [node, what, breaker] = key.split('\u0000');
      const pid = pidOf.get(node!)!;
      slice(pid, what === 'state' ? TID_STATE : breakerTids.get(`${node}\u0000breaker\u0000${breaker}`)!, s.value, s.since, endUs);
    }

    // Messages: flows from a send slice to a receive slice; drops are instants on the network.
    const messagesMax = options.messagesMax ?? PERFETTO_MESSAGES_MAX;
    const all = collectMessages(records);
    let exported = 0;
    for (const m of all) {
      if (exported >= messagesMax) break;
      exported++;
      const fromPid = pidOf.get(m.from);
      const toPid = pidOf.get(m.to);
      const args = { id: m.id, from: m.from, to: m.to };
      const hasSendSlice = fromPid !== undefined && (m.deliverUs !== null || m.sendUs < (m.dropUs ?? Infinity));
      const id = ++flowId;
      if (hasSendSlice) {
        events.push({ name: `send ${m.type}`, ph: 'X', cat: 'message', pid: fromPid, tid: TID_SEND, ts: m.sendUs, dur: 1, bind_id: id, flow_out: true, args });
      }
      if (m.deliverUs !== null && toPid !== undefined) {
        events.push({
          name: `recv ${m.type}`,
          ph: 'X',
          cat: 'message',
          pid: toPid,
          tid: TID_RECV,
          ts: m.deliverUs,
          dur: 1,
          ...(hasSendSlice ? { bind_id: id, flow_in: true } : {}),
          args,
        });
      }
      if (m.dropUs !== null) {
        events.push({ name: 'drop', ph: 'i', s: 'p', cat: 'message', pid: networkPid, tid: 0, ts: m.dropUs, args: { ...args, reason: m.reason ?? 'unknown' } });
      }
    }

    // Faults: a track per kind on the faults process.
    const view = report.runs[ri]!;
    const faults = view.faults;
    const kinds = [...new Set(faults.map((f) => f.kind))];
    kinds.forEach((k, i) => thread(faultsPid, 1 + i, k));
    for (const f of faults) {
      const tid = 1 + kinds.indexOf(f.kind);
      const args = { index: f.index, ...(f.target ? { target: f.target } : {}), detail: f.detail, ...(f.open ? { open: true } : {}) };
      if (f.endUs === null) events.push({ name: f.kind, ph: 'i', s: 'g', cat: 'fault', pid: faultsPid, tid, ts: f.startUs, args });
      else events.push({ name: f.kind, ph: 'X', cat: 'fault', pid: faultsPid, tid, ts: f.startUs, dur: Math.max(1, f.endUs - f.startUs), args });
    }

    // Metrics: counters from the report's windowed series (already bounded in size).
    for (const panel of view.panels) {
      for (const s of panel.series) {
        s.values.forEach((v, i) => {
          if (v === null) return;
          events.push({ name: `${panel.title}${panel.unit ? ` (${panel.unit})` : ''}`, ph: 'C', cat: 'metric', pid: metricsPid, tid: 0, ts: s.startUs + i * s.widthUs, args: { [s.name]: v } });
        });
      }
    }
    runsData.push({
      scenario: run.result.scenario,
      variant: run.result.variant,
      seed: run.result.seed,
      traceHash: run.result.traceHash,
      replay: run.result.replay,
      pidBase: base,
      messagesTotal: all.length,
      messagesExported: exported,
      ...(exported < all.length ? { messagesTruncated: true } : {}),
    });
  });
  return { traceEvents: events, displayTimeUnit: 'ms', otherData: { generator: 'faultline', version: runs[0]?.result.version ?? '', runs: runsData } };
}

export async function writePerfetto(path: string, runs: RunArtifacts[], options: PerfettoOptions = {}): Promise<{ path: string; bytes: number }> {
  const json = JSON.stringify(toPerfettoTrace(runs, options));
  const { resolve } = await import('node:path');
  const target = resolve(path);
  await writeAtomic(target, json);
  return { path: target, bytes: Buffer.byteLength(json) };
}

/**
 * Every message of the trace, a send paired with its delivery or drop by id; a second delivery of
 * one id (duplication) is a message of its own. (The report samples; Perfetto takes them all, up
 * to `messagesMax`.)
 */
function collectMessages(records: readonly AnyRecord[]): MessageView[] {
  const byId = new Map<string, MessageView>();
  const all: MessageView[] = [];
  let anon = 0;
  for (const r of records) {
    if (!isMessageKind(r.kind)) continue;
    const isSend = /send/.test(r.kind);
    const isDeliver = /deliver|recv|receive/.test(r.kind);
    const isDrop = /drop|lost|loss/.test(r.kind);
    if (!isSend && !isDeliver && !isDrop) continue;
    const id = str(r.id) ?? str(r.msg) ?? str(r.msgId) ?? str(r.messageId);
    const ends = messageEnds(r);
    let m = id !== undefined ? byId.get(id) : undefined;
    if (isSend || !m || (isDeliver && m.deliverUs !== null)) {
      const sentUs = typeof r.sentUs === 'number' ? r.sentUs : undefined;
      const fresh: MessageView = {
        id: id ?? `anon-${anon++}`,
        from: ends.from ?? m?.from ?? '?',
        to: ends.to ?? m?.to ?? '?',
        type: m && !isSend ? m.type : (str(r.type) ?? 'message'),
        sendUs: isSend ? r.time : (sentUs ?? m?.sendUs ?? r.time),
        deliverUs: null,
        dropUs: null,
      };
      if (m && isDeliver && m.deliverUs !== null) fresh.id = `${m.id}+dup${all.length}`;
      m = fresh;
      all.push(m);
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
    }
  }
  return all;
}

function nodeNames(records: readonly AnyRecord[]): string[] {
  const names = new Set<string>();
  for (const r of records) {
    if (r.kind === 'request' || r.kind === 'metric-window') continue;
    if (typeof r.node === 'string' && r.node) names.add(r.node);
    if (isMessageKind(r.kind)) {
      if (typeof r.from === 'string') names.add(r.from);
      if (typeof r.to === 'string') names.add(r.to);
    }
  }
  return [...names].sort(naturalCompare);
}

function argsOf(r: AnyRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (k !== 'time' && k !== 'kind') out[k] = v;
  return out;
}
