/**
 * The streaming report: folding records while a run goes gives the same views as folding the
 * records kept in memory, leaves the trace hash alone, stays bounded however long the run, and
 * counts every record in what it draws.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lab } from 'd3';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { runDetailed, type Scenario, type TraceRecord, type TraceSink } from '../../sim/index.ts';
import { main } from '../../sim/cli/main.ts';
import retryStorm from '../../scenarios/retry-storm.ts';
import splitBrain from '../../scenarios/split-brain.ts';
import { MessageFold } from '../../viz/fold-messages.ts';
import { STATE_COLORS, segmentColor } from '../../viz/viewer/palette.ts';
import { stepPoints } from '../../viz/viewer/renderMetricPanel.ts';
import {
  bestRuns,
  buildReportData,
  buildRunView,
  conclusion,
  cspHash,
  DENSITY_BINS_MAX,
  LANE_SEGMENTS_MAX,
  metricDirection,
  renderReportHtml,
  ReportCollector,
  reportData,
  RunFold,
  teeSinks,
  type ReportData,
} from '../../viz/index.ts';
import { fixtureRun, fixtureScenario } from './fixtures.ts';

const S = 1_000_000;

/** Counts records by kind, as a sink. */
function counter(): TraceSink & { counts: Map<string, number> } {
  const counts = new Map<string, number>();
  return { counts, write: (r: TraceRecord) => void counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1) };
}

function embedded(html: string): ReportData {
  const m = /<script type="application\/json" id="faultline-data">([\s\S]*?)<\/script>/.exec(html)!;
  return JSON.parse(m[1]!) as ReportData;
}

describe('RunFold as the trace sink of a run', () => {
  it('gives the same run view as folding the records kept in memory (fixture records)', () => {
    const scenario = fixtureScenario({ ratePerSec: 20 });
    const kept = runDetailed(scenario, { seed: 7, traceLevel: 'full' });
    const fold = new RunFold();
    const streamed = runDetailed(scenario, { seed: 7, traceLevel: 'full', traceSink: fold });
    expect(streamed.records).toHaveLength(0);
    expect(buildRunView(fold, streamed)).toEqual(buildReportData([kept]).runs[0]);
  });

  it('gives the same run view through the fields fast path as from record objects (world records)', () => {
    const params = { durationMs: 6_000 };
    const kept = runDetailed(retryStorm, { variant: 'circuit-breaker', params, traceLevel: 'full' });
    const fold = new RunFold();
    const streamed = runDetailed(retryStorm, { variant: 'circuit-breaker', params, traceLevel: 'full', traceSink: fold });
    expect(streamed.result.traceHash).toBe(kept.result.traceHash);
    const a = buildRunView(fold, streamed);
    const b = buildReportData([kept]).runs[0]!;
    expect(a.messages.total).toBeGreaterThan(1000);
    expect(a).toEqual(b);
  });

  it('leaves the trace hash as it is without a report (retry-storm, split-brain)', () => {
    for (const scenario of [retryStorm, splitBrain] as Scenario<any>[]) {
      const plain = runDetailed(scenario, { traceLevel: 'off' });
      const jsonlLike = counter();
      const folded = runDetailed(scenario, { traceLevel: 'full', traceSink: teeSinks(jsonlLike, new RunFold()) });
      expect(folded.result.traceHash).toBe(plain.result.traceHash);
      expect(jsonlLike.counts.get('message-deliver') ?? 0).toBeGreaterThan(0);
    }
  });

  it('counts every message of the run, however many it draws as arrows', () => {
    const count = counter();
    runDetailed(retryStorm, { traceLevel: 'full', traceSink: count });
    const fold = new RunFold({ messagesMax: 300 });
    const art = runDetailed(retryStorm, { traceLevel: 'full', traceSink: fold });
    const view = buildRunView(fold, art);
    const messages = (count.counts.get('message-deliver') ?? 0) + (count.counts.get('message-drop') ?? 0);
    expect(view.messages.total).toBe(messages);
    expect(view.messages.items).toHaveLength(300);
    const densitySum = view.messages.density.lanes.reduce((a, l) => a + l.sent.reduce((x, y) => x + y, 0), 0);
    expect(densitySum).toBe(messages);
    const rate = view.panels.find((p) => p.id === 'messages')!.series.find((s) => s.name === 'sent')!;
    const fromRate = rate.values.reduce<number>((a, v, i) => a + ((v ?? 0) * Math.min(rate.widthUs, (rate.endUs ?? Infinity) - i * rate.widthUs)) / S, 0);
    expect(Math.round(fromRate)).toBe(messages);
  });
});

describe('the fold stays bounded', () => {
  it('holds the same size of view for 200 thousand and 2 million messages and node changes', () => {
    const sizes = [200_000, 2_000_000].map((n) => {
      const fold = new RunFold();
      const fields = ['from', 'to', 'id', 'sentUs'];
      const names = ['a', 'b', 'c', 'd'];
      for (let i = 0; i < n; i++) {
        const t = i * 10;
        fold.writeFields('message-deliver', fields, t + 5, names[i % 4], names[(i + 1) % 4], i, t);
        if (i % 50 === 0) fold.write({ time: t, kind: 'node-state', node: names[i % 4]!, from: 'up', to: i % 100 ? 'up' : 'limping' });
        if (i % 70 === 0) fold.write({ time: t, kind: 'disk-fsync', node: 'a', latencyUs: 3 } as unknown as TraceRecord);
      }
      const nodes = fold.nodes([], n * 10);
      const messages = fold.messages.finish();
      for (const node of nodes) for (const r of node.rows) expect(r.segments.length).toBeLessThanOrEqual(LANE_SEGMENTS_MAX);
      expect(messages.total).toBe(n);
      for (const l of messages.density.lanes) expect(l.sent.length).toBeLessThanOrEqual(DENSITY_BINS_MAX);
      return JSON.stringify({ nodes, messages }).length;
    });
    expect(sizes[1]!).toBeLessThan(sizes[0]! * 1.3);
    expect(sizes[1]!).toBeLessThan(2_000_000);
  });
});

describe('MessageFold sampling', () => {
  function feed(n: number, drops: number, max: number): MessageFold {
    const m = new MessageFold(max);
    for (let i = 0; i < n; i++) {
      const t = i * 100;
      if (i % Math.ceil(n / drops) === 0) m.writeFields('drop', t, 'a', 'b', i, undefined, 'partition');
      else m.writeFields('deliver', t + 50, 'a', 'b', i, t, undefined);
    }
    return m;
  }

  it('is a deterministic sample spread over the whole run, with every drop when they fit in half', () => {
    const a = feed(100_000, 500, 2_000).finish();
    const b = feed(100_000, 500, 2_000).finish();
    expect(a).toEqual(b);
    expect(a.items).toHaveLength(2_000);
    expect(a.items.filter((m) => m.dropUs !== null)).toHaveLength(500);
    expect(a.sampling).toBe('2,000 of 100,000 messages: every drop, and 1,500 of the 99,500 others, a uniform sample');
    // each tenth of the run holds about a tenth of the delivered sample
    const delivered = a.items.filter((m) => m.dropUs === null);
    for (let d = 0; d < 10; d++) {
      const inDecile = delivered.filter((m) => Math.floor(m.sendUs / 1_000_000) === d).length;
      expect(inDecile).toBeGreaterThan(delivered.length * 0.07);
      expect(inDecile).toBeLessThan(delivered.length * 0.13);
    }
  });

  it('keeps half the budget for drops when they are many, and counts them all', () => {
    const v = feed(100_000, 20_000, 2_000).finish();
    expect(v.items.filter((m) => m.dropUs !== null)).toHaveLength(1_000);
    expect(v.dropped).toBe(20_000);
    expect(v.density.lanes[0]!.dropped.reduce((x, y) => x + y, 0)).toBe(20_000);
  });

  it('pairs a send with its delivery and keeps a duplicate delivery as an arrow of its own', () => {
    const m = new MessageFold();
    m.write({ time: 10, kind: 'message-send', from: 'a', to: 'b', id: 'x', type: 'Ping' });
    m.write({ time: 30, kind: 'message-deliver', from: 'a', to: 'b', id: 'x' });
    m.write({ time: 40, kind: 'message-deliver', from: 'a', to: 'b', id: 'x' });
    m.write({ time: 50, kind: 'message-send', from: 'b', to: 'a', id: 'y' });
    m.write({ time: 55, kind: 'message-drop', from: 'b', to: 'a', id: 'y', reason: 'loss' });
    const v = m.finish();
    expect(v.items.map((x) => [x.id, x.type, x.sendUs, x.deliverUs, x.dropUs, x.reason ?? null])).toEqual([
      ['x', 'Ping', 10, 30, null, null],
      ['x+dup1', 'Ping', 10, 40, null, null],
      ['y', 'message', 50, null, 55, 'loss'],
    ]);
    expect(v.total).toBe(3);
    expect(v.dropped).toBe(1);
  });
});

describe('ReportCollector: what `run --report` does', () => {
  it('writes the report of several variants without keeping a trace, every message counted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-fold-'));
    const file = join(dir, 'r.html');
    const out: string[] = [];
    const code = await main(['run', 'retry-storm', '--all-variants', '--param', 'durationMs=5000', '--report', file], { stdout: (s) => out.push(s), stderr: (s) => out.push(s), isTTY: false });
    expect([0, 1]).toContain(code);
    expect(out.join('')).toContain(`wrote report: ${file}`);
    const data = embedded(readFileSync(file, 'utf8'));
    expect(data.runs.map((r) => r.variant)).toEqual(retryStorm.variantNames);
    for (const run of data.runs) {
      const count = counter();
      runDetailed(retryStorm, { variant: run.variant, params: { durationMs: 5000 }, traceLevel: 'full', traceSink: count });
      expect(run.messages.total).toBe(count.counts.get('message-deliver')! + (count.counts.get('message-drop') ?? 0));
    }
    expect(data.domainUs[1]).toBe(Math.max(...data.runs.map((r) => r.endUs)));
  });

  it('numbers runs in order and shares one time axis', () => {
    const c = new ReportCollector();
    for (const variant of ['with-retries', 'no-retries']) {
      const { fold, sink } = c.next();
      c.finish(fold, runDetailed(fixtureScenario({ messages: false }), { variant, traceLevel: 'full', traceSink: sink }));
    }
    const d = c.data();
    expect(d.runs.map((r) => [r.id, r.variant])).toEqual([
      ['run-0', 'with-retries'],
      ['run-1', 'no-retries'],
    ]);
    expect(reportData(d.runs).domainUs).toEqual([0, 60 * S]);
  });
});

describe('who won', () => {
  it('conclusion(runs) of retry-storm names the recovering designs and the failing ones, from check outcomes', () => {
    const runs = buildReportData(['naive-retries', 'backoff-jitter', 'backoff-jitter-budget', 'circuit-breaker'].map((variant) => runDetailed(retryStorm, { variant }))).runs;
    const c = conclusion(runs);
    expect(c.text).toBe(
      'Backoff-jitter-budget and circuit-breaker meet every check; naive-retries and backoff-jitter fail recovers-after-trigger and backend-load-bounded (as expected).'.replace(
        /^B/,
        'b',
      ),
    );
    expect(c.parts.map((p) => [p.outcome, p.variants])).toEqual([
      ['pass', ['backoff-jitter-budget', 'circuit-breaker']],
      ['fail', ['naive-retries', 'backoff-jitter']],
    ]);
  });

  it('conclusion(runs) says when an outcome was not expected and when nothing was checked', () => {
    const [run] = buildReportData([fixtureRun({ messages: false })]).runs;
    // the fixture's availability check fails as designed and its liveness check cannot decide
    expect(conclusion([run!]).text).toBe('with-retries fails availability-slo (as expected) and could not decide liveness.');
    const surprise = { ...run!, checks: run!.checks.map((c) => (c.name === 'no-lost-writes' ? { ...c, status: 'fail' as const, asExpected: false } : c)) };
    expect(conclusion([surprise]).text).toBe('with-retries fails availability-slo and no-lost-writes (not as expected) and could not decide liveness.');
    expect(conclusion([{ ...run!, checks: [] }]).text).toBe('This scenario defines no checks: compare the metrics below.');
  });

  it('metricDirection(name) judges only names whose better side is plain', () => {
    expect(['availabilityAfterTrigger', 'goodputPerSecAfter', 'worstWindowAvailability'].map(metricDirection)).toEqual(['higher', 'higher', 'higher']);
    expect(['latencyMs.p50', 'retriesPerRequest', 'backendAttemptsPerRequestAfter', 'recoveredAfterMs', 'writesLost', 'pageMsP99AfterHeal', 'errorRatePlateau'].map(metricDirection)).toEqual(
      Array(7).fill('lower'),
    );
    expect(['backendServedPerSecAfter', 'ejections', 'healthCheckFailures', 'staleAppendsRejected', 'podsAtEnd', 'workerThreadsInUseMax'].map(metricDirection)).toEqual(Array(6).fill(undefined));
  });

  it('bestRuns(values, better) marks every run holding the best value, and none when all are equal', () => {
    expect(bestRuns([0, 0, 1, 1], 'higher')).toEqual([2, 3]);
    expect(bestRuns([9.29, 9.48, 1, 0.99], 'lower')).toEqual([3]);
    expect(bestRuns([null, null, 3000, 1000], 'lower')).toEqual([3]);
    expect(bestRuns([5, 5], 'lower')).toEqual([]);
    expect(bestRuns([1, 2], undefined)).toEqual([]);
  });
});

describe('drawing details', () => {
  it('stepPoints stops a partial last window at the end of the run', () => {
    const pts = stepPoints({ name: 't', startUs: 0, widthUs: S, values: [10, 10, 10], endUs: 2.3 * S }, 0, 3 * S);
    expect(pts[pts.length - 1]).toEqual([2.3 * S, 10]);
  });

  it('gives swimlane values of different rows colours far apart (CIELAB ΔE ≥ 20)', () => {
    const values = [...Object.keys(STATE_COLORS), 'side 1 of 3', 'side 2 of 3', 'side 3 of 3', 'leader (term 2)', 'ejected by lb'];
    const distinct = [...new Map(values.map((v) => [segmentColor(v), v])).entries()];
    const close: string[] = [];
    for (let i = 0; i < distinct.length; i++) {
      for (let j = i + 1; j < distinct.length; j++) {
        const a = lab(distinct[i]![0]);
        const b = lab(distinct[j]![0]);
        const d = Math.hypot(a.l - b.l, a.a - b.a, a.b - b.b);
        if (d < 20) close.push(`${distinct[i]![1]} ~ ${distinct[j]![1]} (ΔE ${d.toFixed(1)})`);
      }
    }
    expect(close).toEqual([]);
    // the pairs a reader confused: each is a different colour
    for (const [a, b] of [['up', 'closed'], ['crashed', 'open'], ['restarting', 'half-open']] as const) expect(segmentColor(a)).not.toBe(segmentColor(b));
  });
});

describe('browser-safe aggregation', () => {
  it('bundles the folds for a browser (or a Web Worker) with no Node module', async () => {
    const dir = join(import.meta.dirname, '..', '..', 'viz');
    const out = await build({
      stdin: { contents: "export * from './fold.ts'; export * from './data.ts'; export * from './collect.ts'; export * from './compare.ts';", resolveDir: dir, loader: 'ts' },
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      logLevel: 'silent',
    });
    expect(out.errors).toEqual([]);
    expect(out.outputFiles[0]!.text).not.toMatch(/from ["']node:|require\(["']node:/);
  });
});

describe('the content security policy', () => {
  it('names the inline script and stylesheet by hash and allows no inline code otherwise', async () => {
    const html = await renderReportHtml(buildReportData([fixtureRun({ messages: false })]));
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!;
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('worker-src');
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    expect(csp).toContain(`script-src ${cspHash(script)}`);
    expect(csp).toContain(`style-src ${cspHash(style)}`);
    expect(csp.startsWith("default-src 'none';")).toBe(true);
  });
});
