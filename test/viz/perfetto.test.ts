import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunArtifacts } from '../../sim/index.ts';
import { toPerfettoTrace, writePerfetto, type PerfettoTrace, type TraceEvent } from '../../viz/index.ts';
import { FIXTURE_NODES, fixtureRun, worldShapedRun } from './fixtures.ts';

const S = 1_000_000;

/** Structural validation of Chrome Trace Event JSON, as Perfetto's importer reads it. */
function validate(trace: PerfettoTrace): string[] {
  const errors: string[] = [];
  const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v);
  trace.traceEvents.forEach((e, i) => {
    const at = `event ${i} (${e.ph} ${e.name})`;
    if (typeof e.name !== 'string' || e.name.length === 0) errors.push(`${at}: name`);
    if (!isInt(e.pid)) errors.push(`${at}: pid must be an integer`);
    if (e.tid !== undefined && !isInt(e.tid)) errors.push(`${at}: tid must be an integer`);
    switch (e.ph) {
      case 'M':
        if (!['process_name', 'process_sort_index', 'thread_name', 'thread_sort_index'].includes(e.name)) errors.push(`${at}: unknown metadata`);
        if (e.name.endsWith('_name') && typeof e.args?.name !== 'string') errors.push(`${at}: args.name`);
        if (e.name.endsWith('_sort_index') && !isInt(e.args?.sort_index)) errors.push(`${at}: args.sort_index`);
        break;
      case 'X':
        if (!isInt(e.ts) || e.ts! < 0) errors.push(`${at}: ts`);
        if (!isInt(e.dur) || e.dur! < 0) errors.push(`${at}: dur`);
        break;
      case 'i':
        if (!isInt(e.ts)) errors.push(`${at}: ts`);
        if (!['t', 'p', 'g'].includes(e.s ?? 't')) errors.push(`${at}: s`);
        break;
      case 'C':
        if (!isInt(e.ts)) errors.push(`${at}: ts`);
        if (!e.args || Object.values(e.args).some((v) => typeof v !== 'number' || !Number.isFinite(v))) errors.push(`${at}: counter args must be numbers`);
        break;
      default:
        errors.push(`${at}: unexpected phase`);
    }
    if ((e.flow_in || e.flow_out) && (e.ph !== 'X' || !isInt(e.bind_id))) errors.push(`${at}: a flow needs an X slice with an integer bind_id`);
  });
  return errors;
}

/** X slices on one (pid, tid) track must nest strictly: no partial overlap. */
function overlapErrors(events: readonly TraceEvent[]): string[] {
  const tracks = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph !== 'X') continue;
    const k = `${e.pid}/${e.tid ?? e.pid}`;
    let t = tracks.get(k);
    if (!t) tracks.set(k, (t = []));
    t.push(e);
  }
  const errors: string[] = [];
  for (const [k, list] of tracks) {
    list.sort((a, b) => a.ts! - b.ts! || b.dur! - a.dur!);
    const stack: number[] = [];
    for (const e of list) {
      while (stack.length && stack[stack.length - 1]! <= e.ts!) stack.pop();
      const end = e.ts! + e.dur!;
      if (stack.length && end > stack[stack.length - 1]!) errors.push(`${k}: ${e.name} at ${e.ts} overlaps its parent`);
      stack.push(end);
    }
  }
  return errors;
}

function names(trace: PerfettoTrace): Map<number, string> {
  return new Map(trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => [e.pid, e.args!.name as string]));
}

describe('toPerfettoTrace(runs)', () => {
  let art: RunArtifacts;
  let trace: PerfettoTrace;
  beforeAll(() => {
    art = fixtureRun();
    trace = JSON.parse(JSON.stringify(toPerfettoTrace([art]))) as PerfettoTrace;
  });

  it('writes the object form with valid events of every phase it uses', () => {
    expect(trace.displayTimeUnit).toBe('ms');
    expect(validate(trace)).toEqual([]);
    expect(new Set(trace.traceEvents.map((e) => e.ph))).toEqual(new Set(['M', 'X', 'i', 'C']));
    expect(trace.otherData.runs).toEqual([expect.objectContaining({ variant: 'with-retries', seed: 7, traceHash: art.result.traceHash })]);
  });

  it('maps the network, each node, the faults and the metrics to their own pid', () => {
    const n = names(trace);
    expect(n.get(0)).toBe('network');
    FIXTURE_NODES.forEach((node, i) => expect(n.get(1 + i)).toBe(node));
    expect(n.get(FIXTURE_NODES.length + 1)).toBe('faults');
    expect(n.get(FIXTURE_NODES.length + 2)).toBe('metrics');
    const sort = trace.traceEvents.filter((e) => e.name === 'process_sort_index').map((e) => [e.pid, e.args!.sort_index]);
    for (const [pid, idx] of sort) expect(idx).toBe(pid);
  });

  it('draws node lifecycles as consecutive slices on the state track', () => {
    const n2 = trace.traceEvents.filter((e) => e.ph === 'X' && e.pid === 4 && e.tid === 0).sort((a, b) => a.ts! - b.ts!);
    expect(n2.map((e) => [e.name, e.ts, e.ts! + e.dur!])).toEqual([
      ['up', 0, 10 * S],
      ['crashed', 10 * S, 18 * S],
      ['restarting', 18 * S, 20 * S],
      ['up', 20 * S, 60 * S],
    ]);
    const breaker = trace.traceEvents.filter((e) => e.ph === 'X' && e.pid === 1 && e.tid === 10);
    expect(breaker.map((e) => e.name)).toEqual(['closed', 'open', 'half-open', 'closed']);
  });

  it('keeps slices on each track strictly nested', () => {
    expect(overlapErrors(trace.traceEvents)).toEqual([]);
  });

  it('pairs every flow_in with exactly one earlier flow_out; drops have an out and no in', () => {
    const outs = new Map<number, TraceEvent>();
    for (const e of trace.traceEvents) {
      if (!e.flow_out) continue;
      expect(outs.has(e.bind_id!)).toBe(false);
      outs.set(e.bind_id!, e);
    }
    const ins = trace.traceEvents.filter((e) => e.flow_in);
    for (const e of ins) {
      const out = outs.get(e.bind_id!);
      expect(out).toBeDefined();
      expect(out!.ts!).toBeLessThanOrEqual(e.ts!);
      expect(out!.name.replace('send', '')).toBe(e.name.replace('recv', ''));
    }
    const drops = trace.traceEvents.filter((e) => e.ph === 'i' && e.name === 'drop');
    expect(drops.length).toBeGreaterThan(0);
    expect(drops.every((d) => d.pid === 0 && typeof d.args!.reason === 'string')).toBe(true);
    expect(outs.size - ins.length).toBe(drops.length);
    expect(ins.length + drops.length).toBe(art.result.metrics.messagesSent);
  });

  it('draws faults as slices per kind and instant faults as global instants', () => {
    const pid = FIXTURE_NODES.length + 1;
    const slices = trace.traceEvents.filter((e) => e.pid === pid && e.ph === 'X').map((e) => [e.name, e.ts, e.dur]);
    expect(slices).toEqual([
      ['crash', 10 * S, 8 * S],
      ['partition', 25 * S, 10 * S],
      ['slow-node', 40 * S, 5 * S],
    ]);
    const instants = trace.traceEvents.filter((e) => e.pid === pid && e.ph === 'i');
    expect(instants.map((e) => [e.name, e.ts, e.s])).toEqual([['clock-jump', 50 * S, 'g']]);
    const threads = trace.traceEvents.filter((e) => e.pid === pid && e.name === 'thread_name').map((e) => e.args!.name);
    expect(threads).toEqual(['crash', 'partition', 'slow-node', 'clock-jump']);
  });

  it('writes counters with monotone timestamps per series', () => {
    const last = new Map<string, number>();
    const counters = trace.traceEvents.filter((e) => e.ph === 'C');
    expect(counters.length).toBeGreaterThan(100);
    for (const e of counters) {
      for (const key of Object.keys(e.args!)) {
        const k = `${e.pid}/${e.name}/${key}`;
        expect(e.ts!).toBeGreaterThan(last.get(k) ?? -1);
        last.set(k, e.ts!);
      }
    }
    expect([...last.keys()].some((k) => k.endsWith('/goodput'))).toBe(true);
  });

  it('gives several runs disjoint pid ranges with variant-prefixed names', () => {
    const two = toPerfettoTrace([art, fixtureRun({ variant: 'no-retries' })]);
    expect(validate(two)).toEqual([]);
    const n = names(two);
    expect(n.get(0)).toBe('with-retries: network');
    expect(n.get(10_000)).toBe('no-retries: network');
    expect([...n.keys()].filter((p) => p >= 10_000)).toHaveLength(FIXTURE_NODES.length + 3);
  });

  it('caps messages and says so', () => {
    const capped = toPerfettoTrace([art], { messagesMax: 100 });
    expect(capped.traceEvents.filter((e) => e.flow_out).length).toBeLessThanOrEqual(100);
    expect(capped.otherData.runs).toEqual([expect.objectContaining({ messagesExported: 100, messagesTruncated: true })]);
  });

  it('exports world-shaped records: deliveries with sentUs become flows, bare drops become instants', () => {
    const w = toPerfettoTrace([worldShapedRun()]);
    expect(validate(w)).toEqual([]);
    expect(overlapErrors(w.traceEvents)).toEqual([]);
    expect(w.traceEvents.filter((e) => e.flow_in)).toHaveLength(3);
    expect(w.traceEvents.filter((e) => e.name === 'drop').map((e) => e.args!.reason)).toEqual(['partition']);
  });

  it('writePerfetto writes the same JSON to disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-perfetto-'));
    const out = await writePerfetto(join(dir, 'trace.json'), [art], { messagesMax: 50 });
    const back = JSON.parse(readFileSync(out.path, 'utf8')) as PerfettoTrace;
    expect(back).toEqual(JSON.parse(JSON.stringify(toPerfettoTrace([art], { messagesMax: 50 }))));
  });
});
