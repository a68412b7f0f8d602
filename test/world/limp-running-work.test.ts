// A limp slows work that is already running, and its effect ends with it: the node behaves as a
// CPU whose speed is 1/factor while the limp lasts. The reference is the integral of that speed:
// a job of w µs started at s ends at the first t with ∫ₛᵗ speed(τ) dτ = w, computed below in
// closed form over the piecewise-constant speed profile, apart from the model.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { makeWorld } from './helpers.ts';

interface Span {
  fromUs: number;
  toUs: number;
  /** speed multiplier over the span: 1 / limp factor, or 0 for a pause */
  speed: number;
}

/** Speed at time t: the product of the speeds of the spans that cover t. */
function speedAt(spans: Span[], t: number): number {
  let v = 1;
  for (const s of spans) if (s.fromUs <= t && t < s.toUs) v *= s.speed;
  return v;
}

/** When w µs of work started at `startUs` ends under the speed profile. */
function finishUs(spans: Span[], startUs: number, workUs: number): number {
  const edges = [...new Set(spans.flatMap((s) => [s.fromUs, s.toUs]))].filter((e) => e > startUs).sort((a, b) => a - b);
  let t = startUs;
  let left = workUs;
  for (const e of [...edges, Infinity]) {
    const v = speedAt(spans, t);
    if (v > 0 && t + left / v <= e) return t + left / v;
    left -= v * (e - t);
    t = e;
  }
  throw new Error('unreachable');
}

/** Completion times of back-to-back jobs on one core. */
function referenceCompletions(spans: Span[], jobsUs: number[]): number[] {
  const out: number[] = [];
  let t = 0;
  for (const w of jobsUs) {
    t = finishUs(spans, t, w);
    out.push(t);
  }
  return out;
}

function runJobs(plan: unknown[], jobsUs: number[]): number[] {
  const { sim, world } = makeWorld({ nodes: [{ name: 'a', cores: 1 }] }, plan);
  const node = world.node('a');
  const done: number[] = [];
  for (const w of jobsUs) node.execute(() => done.push(sim.now), null, w);
  sim.run();
  return done;
}

describe('limp and work already running', () => {
  it('1-second jobs on one core under ×10 from 0.5 s to 1.5 s finish at 1.9 s, 2.9 s and 3.9 s', () => {
    const done = runJobs([{ at: '500ms', kind: 'limp', target: 'a', factor: 10, for: '1s' }], [1e6, 1e6, 1e6]);
    // by hand: 0.5 s of work by 0.5 s, 0.1 s more during the limp, the last 0.4 s after it
    expect(done).toEqual([1_900_000, 2_900_000, 3_900_000]);
    expect(done).toEqual(referenceCompletions([{ fromUs: 500_000, toUs: 1_500_000, speed: 0.1 }], [1e6, 1e6, 1e6]));
  });

  it('property: completions follow the integral of the speed profile under overlapping limps and pauses', () => {
    const span = fc.record({ atMs: fc.integer({ min: 0, max: 3000 }), forMs: fc.integer({ min: 1, max: 2000 }), factor: fc.integer({ min: 1, max: 20 }), pause: fc.boolean() });
    fc.assert(
      fc.property(fc.array(span, { maxLength: 5 }), fc.array(fc.integer({ min: 1, max: 800_000 }), { minLength: 1, maxLength: 8 }), (spans, jobs) => {
        // pauses do not nest in this reference (a node pauses once at a time): keep at most one
        let paused = false;
        const kept = spans.filter((s) => !s.pause || (paused ? false : (paused = true)));
        const plan = kept.map((s) => (s.pause ? { at: `${s.atMs}ms`, kind: 'pause', target: 'a', for: `${s.forMs}ms` } : { at: `${s.atMs}ms`, kind: 'limp', target: 'a', factor: s.factor, for: `${s.forMs}ms` }));
        const profile = kept.map((s) => ({ fromUs: s.atMs * 1000, toUs: (s.atMs + s.forMs) * 1000, speed: s.pause ? 0 : 1 / s.factor }));
        const got = runJobs(plan, jobs);
        expect(got.length).toBe(jobs.length);
        // The kernel schedules whole microseconds (a delay rounds to the nearest one), so a job ends
        // within 1 µs of its exact end, and the next job starts then. Each job is compared from the
        // start the model gave it (the previous job's end): comparing the whole chain from 0 would
        // let a sub-µs offset grow by a limp's factor whenever it moves an end across the start of
        // a slower span.
        for (let i = 0; i < jobs.length; i++) {
          const want = finishUs(profile, i === 0 ? 0 : got[i - 1]!, jobs[i]!);
          expect(Math.abs(got[i]! - want)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 300 },
    );
  });
});
