/**
 * The data behind the topology, its playback and the tour, in Node: the playback fold's queue
 * means against an integral done by hand, its bounded size on a long run, the guided tour's
 * recovery step against the scenario's own recovery check, and `lookAt` validation.
 */
import { describe, expect, it } from 'vitest';
import { defineScenario } from '../../sim/run/scenario.ts';
import { runDetailed } from '../../sim/run/runner.ts';
import '../../sim/faults/register.ts';
import retryStorm from '../../scenarios/retry-storm.ts';
import metastable from '../../scenarios/metastable-retry.ts';
import type { TraceRecord } from '../../sim/observe/trace.ts';
import { ReportCollector, teeSinks } from '../../viz/collect.ts';
import { FRAMES_MAX, FRAME_US_MIN, PlaybackFold } from '../../viz/playback-fold.ts';
import { buildTour } from '../../viz/tour.ts';

const deliver = (time: number, from: string, to: string, id: number, sentUs = time): TraceRecord => ({ time, kind: 'message-deliver', from, to, id, sentUs }) as TraceRecord;

describe('PlaybackFold', () => {
  it('counts a node’s open requests as the time-weighted mean of requests delivered and not yet answered', () => {
    const f = new PlaybackFold();
    const w = FRAME_US_MIN;
    // frame 0: a→b at 0 and at w/2, b answers the first at 3w/4 → b holds 1 for w/2, 2 for w/4, 1 for w/4
    f.write(deliver(0, 'a', 'b', 1));
    f.write(deliver(w / 2, 'a', 'b', 2));
    f.write(deliver((3 * w) / 4, 'b', 'a', 3));
    // frame 1: b answers the second at w + w/2; then b sends a request of its own to a (not an answer: a has none open at b)
    f.write(deliver(w + w / 2, 'b', 'a', 4));
    f.write(deliver(w + (3 * w) / 4, 'b', 'a', 5));
    const v = f.finish(2 * w);
    const b = v.nodes.find((n) => n.name === 'b')!;
    const a = v.nodes.find((n) => n.name === 'a')!;
    expect(b.open[0]).toBeCloseTo((1 * (w / 2) + 2 * (w / 4) + 1 * (w / 4)) / w, 2);
    expect(b.open[1]).toBeCloseTo((1 * (w / 2)) / w, 2);
    expect(a.open[1]).toBeCloseTo((1 * (w / 4)) / w, 2);
    expect(v.links.find((l) => l.from === 'a' && l.to === 'b')?.role).toBe('call');
    expect(v.links.find((l) => l.from === 'b' && l.to === 'a')?.role).toBe('reply');
  });

  it('keeps at most FRAMES_MAX frames, every message counted, on a run 100 times longer than the first grid', () => {
    const f = new PlaybackFold();
    const endUs = FRAMES_MAX * FRAME_US_MIN * 100;
    let n = 0;
    for (let t = 0; t < endUs; t += 7_919) f.write(deliver(t, 'a', 'b', n++));
    const v = f.finish(endUs);
    expect(v.frames).toBeLessThanOrEqual(FRAMES_MAX);
    expect(v.links[0]!.sent.reduce((x, y) => x + y, 0)).toBe(n);
  });
});

describe('buildTour', () => {
  function view(scenario: typeof retryStorm, variant: string) {
    const report = new ReportCollector();
    const { fold } = report.next();
    const playback = new PlaybackFold();
    const art = runDetailed(scenario, { variant, traceLevel: 'full', traceSink: teeSinks(fold, playback) });
    const v = report.finish(fold, art);
    v.playback = playback.finish(v.endUs, art.world);
    return v;
  }

  it('says there was no recovery exactly when the scenario’s own recovery check fails (retry-storm)', () => {
    for (const variant of ['naive-retries', 'circuit-breaker']) {
      const v = view(retryStorm, variant);
      const kinds = buildTour(v).map((s) => s.kind);
      const failed = v.checks.find((c) => c.name === 'recovers-after-trigger')!.status === 'fail';
      expect(kinds.includes('no-recovery'), variant).toBe(failed);
      expect(kinds.includes('recovery'), variant).toBe(!failed);
      expect(kinds.filter((k) => k === 'fault-start')).toHaveLength(v.faults.length);
    }
  });

  it('puts the scenario’s lookAt notes at the moments its params give (metastable-retry)', () => {
    const v = view(metastable as never, 'immediate-retries');
    const notes = buildTour(v).filter((s) => s.kind === 'note');
    expect(notes.map((s) => s.timeUs)).toEqual([7_500_000, 12_000_000]);
    expect(notes[0]!.nodes).toEqual(['server-2']);
  });
});

describe('ScenarioSpec.lookAt', () => {
  const base = { name: 'x', title: 't', description: 'd', params: {}, build() {} };
  it('refuses a note without text, or with a bad time or an unknown key, naming the note', () => {
    expect(() => defineScenario({ ...base, lookAt: [{ at: '1s', text: '' }] })).toThrow(/lookAt\[0\]: text is required/);
    expect(() => defineScenario({ ...base, lookAt: [{ at: 'soon', text: 'look' }] })).toThrow(/lookAt\[0\]\.at: "soon" is not a duration/);
    expect(() => defineScenario({ ...base, lookAt: [{ at: '1s', text: 'look', node: ['a'] } as never] })).toThrow(/did you mean "nodes"/);
  });
});
