import { describe, expect, it } from 'vitest';
import { run } from '../../sim/index.ts';
import mmc, { erlangC } from '../../scenarios/mmc-queue.ts';

describe('erlangC()', () => {
  it('matches textbook values', () => {
    // M/M/1: P(wait) = rho, Wq = rho / (mu - lambda)
    expect(erlangC(0.8, 1, 1).pWait).toBeCloseTo(0.8, 12);
    expect(erlangC(0.8, 1, 1).wq).toBeCloseTo(4, 12);
    // M/M/2 with a = 1 (rho = 0.5): C = 1/3, Wq = C / (c mu - lambda) = 1/3
    expect(erlangC(1, 1, 2).pWait).toBeCloseTo(1 / 3, 12);
    expect(erlangC(1, 1, 2).wq).toBeCloseTo(1 / 3, 12);
    expect(erlangC(1, 1, 1).wq).toBe(Infinity);
  });
});

describe('mmc-queue against queueing theory', () => {
  // 60,000 customers at rho = 0.8. The tolerance is derived from the run itself: 4 batch-means
  // standard errors (30 batches). The test also bounds that standard error, so the tolerance
  // cannot silently grow: at this length it must be under 8% of the Erlang C value.
  for (const variant of ['mm1-rho-80', 'mm4-rho-80']) {
    for (const seed of [1, 2, 3]) {
      it(`${variant} seed ${seed}: mean wait matches Erlang C and Little's law holds`, () => {
        const r = run(mmc, { seed, variant, params: { customers: 60_000 } });
        const m = r.metrics as Record<string, number>;
        const stdErr = m.waitMsMeanStdErr!;
        expect(stdErr).toBeLessThan(0.08 * m.waitMsErlangC!);
        expect(Math.abs(m.waitMsMean! - m.waitMsErlangC!)).toBeLessThanOrEqual(4 * stdErr);
        expect(Math.abs(m.utilization! - 0.8)).toBeLessThan(0.02);
        // Little's law over the middle half of the run: L = λW within its statistical tolerance,
        // and L against queueing theory, L = λ(Wq + 1/μ) with Wq from Erlang C
        expect(m.littleFromMs).toBeGreaterThan(0);
        expect(m.littleToMs).toBeLessThan(r.stats.simTimeMs);
        expect(m.littleArrivals).toBeGreaterThan(20_000);
        expect(Math.abs(m.littleL! - m.littleLambdaW!)).toBeLessThanOrEqual(m.littleTolerance!);
        expect(m.littleTolerance).toBeLessThan(0.02 * m.littleL!);
        const lambda = variant === 'mm1-rho-80' ? 8 : 32;
        const lTheory = lambda * (erlangC(lambda, 10, variant === 'mm1-rho-80' ? 1 : 4).wq + 0.1);
        expect(Math.abs(m.littleL! - lTheory)).toBeLessThan(0.06 * lTheory);
        expect(r.checks.map((c) => [c.name, c.status])).toEqual([
          ['erlang-c-wait', 'ok'],
          ['littles-law', 'ok'],
        ]);
      });
    }
  }

  it("littles-law is a measurement over a window, not the whole-run identity, and it can fail", () => {
    const r = run(mmc, { seed: 1, variant: 'mm4-rho-80', params: { customers: 60_000 } });
    const m = r.metrics as Record<string, number>;
    // from empty to empty the two sides agree by construction; in the window they are two
    // measurements (occupancy and sojourn times) that agree only as far as the model conserves work
    expect(m.littleL).not.toBe(m.littleLWholeRun);
    expect(m.littleL).not.toBe(m.littleLambdaW);
    const check = mmc.checks!.find((c) => c.name === 'littles-law')!;
    const judge = (over: Record<string, number>) => {
      const out = check.check({ metrics: { ...m, ...over } } as never);
      return typeof out === 'boolean' ? out : out.status;
    };
    expect(judge({})).toBe('ok');
    // a model that lost a share of its customers' time in system (say, sojourns measured from the
    // start of service) would show λW below L by more than the tolerance
    expect(judge({ littleLambdaW: m.littleL! - 3 * m.littleTolerance! })).toBe('fail');
    expect(judge({ littleArrivals: 10 })).toBe('unknown');
  });

  it('the erlang-c-wait check fails when the model is wrong (a queue discipline bug would show)', () => {
    // Claim a service time the model does not use: a faster theoretical server than simulated.
    const r = run(mmc, { seed: 1, variant: 'mm1-rho-80', params: { customers: 60_000, arrivalRatePerSec: 9 } });
    // rho = 0.9 now: Erlang C says 900 ms; still consistent — so compare against rho 0.8 theory
    const m = r.metrics as Record<string, number>;
    expect(m.waitMsErlangC).toBeCloseTo(900, 6);
    expect(Math.abs(m.waitMsMean! - 400)).toBeGreaterThan(100);
  });
});
