import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunArtifacts } from '../../sim/index.ts';
import { RowFold } from '../../viz/fold-lanes.ts';
import { gridFromWindows } from '../../viz/panels.ts';
import { buildReportData, escapeJsonForHtml, LANE_SEGMENTS_MAX, MESSAGES_MAX, renderReportHtml, SERIES_POINTS_MAX, writeReport, type ReportData, type RunView } from '../../viz/index.ts';
import { FIXTURE_NODES, fixtureRun, worldShapedRun } from './fixtures.ts';

const S = 1_000_000;

function segs(run: RunView, node: string, label: string): [string, number, number][] {
  const row = run.nodes.find((n) => n.name === node)?.rows.find((r) => r.label === label);
  return (row?.segments ?? []).map((s) => [s.value, s.startUs, s.endUs]);
}

describe('buildReportData(runs)', () => {
  let art: RunArtifacts;
  let data: ReportData;
  let run: RunView;
  beforeAll(() => {
    art = fixtureRun();
    data = buildReportData([art]);
    run = data.runs[0]!;
  });

  it('puts every run on one time axis from 0 to the run end', () => {
    expect(data.domainUs).toEqual([0, 60 * S]);
    expect(run.simTimeUs).toBe(60 * S);
  });

  it('gives one lane per node, in natural name order', () => {
    expect(run.nodes.map((n) => n.name)).toEqual(FIXTURE_NODES);
  });

  it('turns node-state records into lifecycle segments covering the run', () => {
    expect(segs(run, 'n2', 'state')).toEqual([
      ['up', 0, 10 * S],
      ['crashed', 10 * S, 18 * S],
      ['restarting', 18 * S, 20 * S],
      ['up', 20 * S, 60 * S],
    ]);
    expect(segs(run, 'n1', 'state').filter((s) => s[0] === 'limping')).toEqual([['limping', 40 * S, 45 * S]]);
  });

  it('draws roles, partition sides, breakers and ejections as rows of their own', () => {
    expect(segs(run, 'n1', 'role')).toEqual([['leader (term 1)', 1 * S, 30 * S]]);
    expect(segs(run, 'n2', 'role')).toEqual([['leader (term 2)', 30 * S, 60 * S]]);
    expect(segs(run, 'n3', 'partition')).toEqual([['side 2 of 2', 25 * S, 35 * S]]);
    expect(segs(run, 'lb', 'partition')).toEqual([['side 1 of 2', 25 * S, 35 * S]]);
    expect(segs(run, 'c1', 'breaker lb').map((s) => s[0])).toEqual(['closed', 'open', 'half-open', 'closed']);
    expect(segs(run, 'c1', 'breaker lb')[1]).toEqual(['open', 27 * S, 32 * S]);
    expect(segs(run, 'n2', 'ejected')).toEqual([['ejected by lb', 11 * S, 22 * S]]);
  });

  it('pairs fault-start/fault-end with the plan, and keeps instant faults as ticks', () => {
    expect(run.faultKinds).toEqual(['crash', 'partition', 'slow-node', 'clock-jump']);
    expect(run.faults.map((f) => [f.kind, f.startUs, f.endUs, f.open])).toEqual([
      ['crash', 10 * S, 18 * S, false],
      ['partition', 25 * S, 35 * S, false],
      ['slow-node', 40 * S, 45 * S, false],
      ['clock-jump', 50 * S, null, false],
    ]);
    expect(run.faults[0]!.target).toBe('n2');
    expect(run.faults[1]!.groups).toEqual([['c1', 'lb', 'n1', 'n2'], ['n3']]);
  });

  it('caps messages, keeps every drop and says what it left out', () => {
    const m = run.messages;
    expect(m.total).toBe(art.result.metrics.messagesSent);
    expect(m.total).toBeGreaterThan(MESSAGES_MAX);
    expect(m.items.length).toBe(MESSAGES_MAX);
    expect(m.truncated).toBe(true);
    expect(m.sampling).toMatch(/5,000 of [\d,]+ messages: every drop/);
    expect(m.items.filter((x) => x.dropUs !== null).length).toBe(m.dropped);
    const reasons = new Set(m.items.filter((x) => x.reason).map((x) => x.reason));
    expect(reasons).toEqual(new Set(['node crashed', 'partition']));
    for (const x of m.items) expect(x.deliverUs === null || x.deliverUs >= x.sendUs).toBe(true);
    const times = m.items.map((x) => x.sendUs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('builds the metric panels from the run’s series', () => {
    const ids = run.panels.map((p) => p.id);
    expect(ids).toEqual(['throughput', 'attempts', 'errors', 'latency', 'queue', 'utilization', 'messages']);
    const tp = run.panels[0]!.series.find((s) => s.name === 'throughput')!;
    // rates per second, summed back over the windows, give the request count
    const total = tp.values.reduce<number>((a, v) => a + (v ?? 0) * (tp.widthUs / S), 0);
    expect(Math.round(total)).toBe(art.result.metrics.requests);
    expect(run.panels.find((p) => p.id === 'errors')!.series.map((s) => s.name)).toEqual(['timeout', 'unavailable']);
    // drawn in this order: each line narrower than the one under it
    expect(run.panels.find((p) => p.id === 'latency')!.series.map((s) => s.name)).toEqual(['max', 'p99', 'p50']);
    expect(run.panels.find((p) => p.id === 'queue')!.series.map((s) => s.name).sort()).toEqual(['inflight.requests', 'queue.depth']);
    expect(run.panels.find((p) => p.id === 'utilization')!.series).toHaveLength(3);
  });

  it('reports checks with their expectation, a verdict and marks for first failures and notes', () => {
    expect(run.checks.map((c) => [c.name, c.status, c.expected, c.asExpected])).toEqual([
      ['availability-slo', 'fail', 'fail', true],
      ['no-lost-writes', 'ok', 'ok', true],
      ['liveness', 'unknown', 'ok', false],
    ]);
    expect(run.verdict).toBe('unknown');
    expect(run.marks).toEqual([
      { timeUs: 10_050_000, kind: 'check-failed', text: 'check availability-slo first failed' },
      { timeUs: 25 * S, kind: 'note', text: 'partition starts: n3 is cut off' },
    ]);
  });

  it('counts record kinds it has no view for, and ticks them on their node', () => {
    expect(run.otherKinds).toEqual([
      { kind: 'clock-jump', count: 1 },
      { kind: 'disk-fsync', count: 11 },
    ]);
    expect(run.nodes.find((n) => n.name === 'n1')!.events.filter((e) => e.kind === 'disk-fsync')).toHaveLength(11);
  });

  it('gives a percentile table whose counts match the run', () => {
    expect(run.percentiles[0]!.label).toBe('all requests');
    expect(run.percentiles[0]!.count).toBe(art.result.metrics.requests);
    expect(run.percentiles[1]!.count).toBe(art.result.metrics.ok);
    expect(run.percentiles[0]!.p99Ms).toBeCloseTo(art.result.metrics.latencyMs.p99, 1);
  });

  it('reads records shaped as the world layer writes them', () => {
    const w = buildReportData([worldShapedRun()]).runs[0]!;
    expect(w.nodes.map((n) => n.name)).toEqual(['a', 'b', 'c']);
    const byId = Object.fromEntries(w.messages.items.map((m) => [m.id, m]));
    expect(byId['1']).toMatchObject({ from: 'a', to: 'b', sendUs: 200, deliverUs: 1_000, dropUs: null });
    expect(byId['2']).toMatchObject({ from: 'b', to: 'c', dropUs: 2_000, reason: 'partition', deliverUs: null });
    // the duplicate delivery is an arrow of its own
    expect(w.messages.items.filter((m) => m.id.startsWith('3'))).toHaveLength(2);
    expect(segs(w, 'c', 'partition')).toEqual([['side 2 of 2', 1_500, 4_000]]);
    expect(segs(w, 'a', 'breaker to-c')).toEqual([
      ['closed', 0, 2_200],
      ['open', 2_200, 5_000],
    ]);
    expect(w.otherKinds).toEqual([{ kind: 'clock-change', count: 1 }]);
  });
});

describe('report size bounds', () => {
  it('keeps every series within SERIES_POINTS_MAX points for a long run', () => {
    const long = fixtureRun({ durationS: 20_000, ratePerSec: 4, messages: false });
    const data = buildReportData([long]);
    const run = data.runs[0]!;
    expect(long.result.metrics.requests).toBeGreaterThan(70_000);
    for (const p of run.panels) for (const s of p.series) expect(s.values.length).toBeLessThanOrEqual(SERIES_POINTS_MAX);
    // the latency windows (one histogram per second, 4096 kept) are merged to fit the grid
    const p99 = run.panels.find((p) => p.id === 'latency')!.series.find((s) => s.name === 'p99')!;
    expect(p99.widthUs).toBeGreaterThan(1 * S);
    expect(JSON.stringify(data).length).toBeLessThan(600_000);
  });

  it('RowFold merges a flapping row to time bins as it goes and keeps the worst state in each', () => {
    const row = new RowFold('state', 'state');
    for (let i = 0; i < 20_000; i++) row.change(i * 100, i === 7_777 ? 'crashed' : i % 2 ? 'up' : 'limping');
    const { segments, binUs } = row.finish(2_000_000);
    expect(segments.length).toBeLessThanOrEqual(LANE_SEGMENTS_MAX);
    expect(binUs).toBeGreaterThan(0);
    // at most 2× coarser than the screen needs: at least LANE_SEGMENTS_MAX / 2 bins over the run
    expect(2_000_000 / binUs).toBeGreaterThanOrEqual(LANE_SEGMENTS_MAX / 2);
    const crash = segments.filter((s) => s.value === 'crashed');
    expect(crash).toHaveLength(1);
    expect(crash[0]!.startUs).toBeLessThanOrEqual(777_700);
    expect(crash[0]!.endUs).toBeGreaterThanOrEqual(777_800);
    expect(segments[0]!.startUs).toBe(0);
    expect(segments[segments.length - 1]!.endUs).toBe(2_000_000);
    for (let i = 1; i < segments.length; i++) expect(segments[i]!.startUs).toBeGreaterThanOrEqual(segments[i - 1]!.endUs);
  });

  it('RowFold keeps exact segments while a row changes rarely', () => {
    const row = new RowFold('breaker b', 'breaker');
    row.change(1_000, 'open', 'closed');
    row.change(5_000, 'half-open');
    row.change(6_000, 'closed');
    expect(row.finish(10_000)).toEqual({
      label: 'breaker b',
      kind: 'breaker',
      binUs: 0,
      segments: [
        { startUs: 0, endUs: 1_000, value: 'closed' },
        { startUs: 1_000, endUs: 5_000, value: 'open' },
        { startUs: 5_000, endUs: 6_000, value: 'half-open' },
        { startUs: 6_000, endUs: 10_000, value: 'closed' },
      ],
    });
  });

  it('gridFromWindows merges neighbours by rate, mean or max', () => {
    const ws = [0, 1, 2, 3, 4].map((i) => ({ startUs: i * S, count: i, sum: i * 10, max: i * 3 }));
    // five windows into at most two points: three windows per point
    expect(gridFromWindows('r', ws, S, 'count', 2).values).toEqual([1, 2.3333]);
    expect(gridFromWindows('r', ws, S, 'rate', 2).values).toEqual([10, 23.333]);
    expect(gridFromWindows('m', ws, S, 'mean', 2).values).toEqual([10, 10]);
    expect(gridFromWindows('x', ws, S, 'max', 2).values).toEqual([6, 12]);
    expect(gridFromWindows('x', ws, S, 'max', 2).widthUs).toBe(3 * S);
  });

  it('gridFromWindows takes a partial last window as a rate over the part the run covered', () => {
    // 10 events per second until the run ends at 20.3 s: the last window holds 3 events in 0.3 s
    const ws = Array.from({ length: 21 }, (_, i) => ({ startUs: i * S, count: i === 20 ? 3 : 10, sum: 0, max: 0 }));
    const g = gridFromWindows('t', ws, S, 'count', 2048, 1, 20.3 * S);
    expect(g.values).toHaveLength(21);
    expect(g.values[20]).toBeCloseTo(10, 6);
    expect(g.endUs).toBe(20.3 * S);
    // a run that ends on a window boundary has no partial window
    expect(gridFromWindows('t', ws.slice(0, 20), S, 'count', 2048, 1, 20 * S).endUs).toBeUndefined();
  });
});

describe('renderReportHtml / writeReport', () => {
  const payloads = [
    '<script>window.__canary = 1</script>',
    '</script><script>window.__canary = 2</script>',
    '<img src=x onerror="window.__canary = 3">',
    '<!-- <script>',
    'line\u2028separator\u2029para & ampersand > gt',
  ];

  it('escapeJsonForHtml leaves no <, >, & or U+2028 and reads back to the same value', () => {
    const value = { payloads, nested: [{ s: payloads.join('') }] };
    const out = escapeJsonForHtml(JSON.stringify(value));
    expect(out).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(out)).toEqual(value);
  });

  it('embeds scenario strings so that none can leave the data block', async () => {
    const art = fixtureRun({
      title: payloads[0]!,
      description: payloads.join('\n\n'),
      mode: payloads[2]!,
      checkName: payloads[1]!,
      checkDetail: payloads[3]!,
      nodeName: payloads[2]!,
      messages: false,
    });
    const html = await renderReportHtml(buildReportData([art]));
    for (const p of payloads) expect(html.includes(p)).toBe(false);
    // exactly two script elements: the data block and the viewer
    expect(html.match(/<script\b/gi)).toHaveLength(2);
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    const m = /<script type="application\/json" id="faultline-data">([\s\S]*?)<\/script>/.exec(html)!;
    const data = JSON.parse(m[1]!) as ReportData;
    expect(data.runs[0]!.scenario.title).toBe(payloads[0]);
    expect(data.runs[0]!.checks[0]!.name).toBe(payloads[1]);
    expect(data.runs[0]!.nodes.map((n) => n.name)).toContain(payloads[2]);
    expect(html).toContain('<title>&lt;script&gt;window.__canary = 1&lt;/script&gt; · faultline report</title>');
  });

  it('is self-contained: no external URL is loaded', async () => {
    const html = await renderReportHtml(buildReportData([fixtureRun({ messages: false })]));
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
  });

  it('is byte-identical for the same run', async () => {
    const a = await renderReportHtml(buildReportData([fixtureRun({ messages: false })]));
    const b = await renderReportHtml(buildReportData([fixtureRun({ messages: false })]));
    expect(a === b).toBe(true);
  });

  it('writeReport replaces the file atomically and leaves no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-report-'));
    const path = join(dir, 'nested', 'report.html');
    const first = await writeReport(path, [fixtureRun({ messages: false })]);
    expect(first.bytes).toBe(readFileSync(path).length);
    writeFileSync(path, 'old');
    await writeReport(path, [fixtureRun({ messages: false, variant: 'no-retries' })]);
    expect(readFileSync(path, 'utf8')).toMatch(/^<!doctype html>/);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['report.html']);
  });
});
