// metastable-retry against queueing arithmetic that does not come from the model: offered load
// against capacity, the fluid (deterministic) queue growth rate λ − cμ with the spread of a
// Poisson count around it, and Erlang C for the healthy state.
import { describe, expect, it } from 'vitest';
import { run, runDetailed, type RunArtifacts } from '../../sim/index.ts';
import scenario from '../../scenarios/metastable-retry.ts';
import { erlangC } from '../../scenarios/mmc-queue.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';

// stability-sim's example: 70 req/s over 2 servers × 5 slots × exp(100 ms), 1 s timeout, 4 attempts
const LAMBDA = 70;
const MU = 10; // per slot, 1 / 100 ms
const SLOTS = 5;
const CAPACITY = 2 * SLOTS * MU; // 100 req/s
const ATTEMPTS = 4;
const TRIGGER_S = [5, 10] as const;

/** Sum and count of a series' windows that start in [fromS, toS). */
function between(windows: readonly { startUs: number; count: number; sum: number }[], fromS: number, toS: number): { count: number; sum: number } {
  const ws = windows.filter((w) => w.startUs >= fromS * 1e6 && w.startUs < toS * 1e6);
  return { count: ws.reduce((a, w) => a + w.count, 0), sum: ws.reduce((a, w) => a + w.sum, 0) };
}

/** Mean of the 100 ms queue samples of `server` taken in the second that starts at `atS`. */
function queueAt(d: RunArtifacts, server: string, atS: number): number {
  const w = between(d.metrics.series.get(`${server}.queue`)!.windows(), atS, atS + 1);
  return w.sum / w.count;
}

describe('metastable-retry', () => {
  itMeetsVariantExpectations(scenario);

  it('healthy state: each server is a 5-slot queue at ρ = 0.7 and answers within its M/M/5 sojourn time', () => {
    // Round robin splits the Poisson stream into two of 35/s with Erlang-2 gaps, more regular than
    // Poisson, so M/M/5's mean sojourn Wq + 1/μ bounds it from above; the service time alone
    // (100 ms) bounds it from below. Slack: 4 standard errors of a mean of exponential times.
    const mm5 = erlangC(LAMBDA / 2, MU, SLOTS);
    const upperMs = (mm5.wq + 1 / MU) * 1000;
    for (const seed of [1, 2, 3]) {
      const d = runDetailed(scenario, { seed, variant: 'immediate-retries', faults: [], params: { durationMs: 30_000 } });
      const lat = between(d.requests.latency.windows(), 0, 30);
      const meanMs = lat.sum / lat.count / 1000;
      const stdErrMs = 100 / Math.sqrt(lat.count);
      expect(lat.count).toBeGreaterThan(30 * LAMBDA * 0.9);
      expect(meanMs).toBeGreaterThan(100 - 4 * stdErrMs);
      expect(meanMs).toBeLessThan(upperMs + 4 * stdErrMs);
      expect(d.result.metrics.availability).toBe(1);
      expect(d.result.checks.every((c) => c.status === 'ok')).toBe(true);
    }
  });

  it('during the trigger the other server takes all 70 req/s against 50 of capacity: its queue grows by λ − cμ = 20/s', () => {
    // Before any attempt times out (the wait passes 1 s once ~50 are queued, about 2.5 s in), the
    // queue follows arrivals (Poisson, 70/s) minus completions (50/s while all slots are busy):
    // mean growth 20/s, variance (70 + 50)/s. Averaged over 8 seeds, 4 standard deviations.
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
    const spanS = 2;
    const growth = (LAMBDA - SLOTS * MU) * spanS;
    const sd = Math.sqrt((LAMBDA + SLOTS * MU) * spanS) / Math.sqrt(seeds.length);
    let sum = 0;
    for (const seed of seeds) {
      const d = runDetailed(scenario, { seed, variant: 'immediate-retries', params: { durationMs: 12_000 } });
      sum += queueAt(d, 'server-2', TRIGGER_S[0] + spanS) - queueAt(d, 'server-2', TRIGGER_S[0]);
      // the rejecting server queues nothing new: what it held at 5 s is served within a second
      expect(queueAt(d, 'server-1', TRIGGER_S[0] + 1)).toBe(0);
    }
    expect(Math.abs(sum / seeds.length - growth)).toBeLessThan(4 * sd);
  });

  it('after the trigger every attempt times out: 4 attempts per request, 280/s offered to 100/s of capacity, queues grow by 180/s', () => {
    for (const seed of [1, 2, 3]) {
      const d = runDetailed(scenario, { seed, variant: 'immediate-retries' });
      const m = d.result.metrics as Record<string, number>;
      // every answer arrives after its caller gave up: nothing succeeds, and the servers are saturated
      expect(m.goodputPerSecAfter).toBe(0);
      // a request fails after its 4 attempts have each waited out the 1 s timeout: 4 s (histogram buckets are ≤ 1/128 wide)
      expect(Math.abs(d.result.metrics.latencyMs.p50 - ATTEMPTS * 1000)).toBeLessThanOrEqual((ATTEMPTS * 1000) / 128);
      expect(Math.abs(m.servedPerSecAfter! - CAPACITY)).toBeLessThan(4 * Math.sqrt(CAPACITY * 40) / 40);
      expect(m.attemptsPerRequestAfter).toBeGreaterThan(ATTEMPTS - 0.1);
      expect(m.attemptsPerRequestAfter).toBeLessThan(ATTEMPTS + 0.2);
      // fluid model from 20 s to 60 s: growth (4λ − capacity) × 40 s = 7,200; the attempt count is
      // a compound Poisson count (4 per request) with variance 16λ per second
      const at = (s: number) => queueAt(d, 'server-1', s) + queueAt(d, 'server-2', s);
      const grown = at(59) - at(19);
      const sd = Math.sqrt((ATTEMPTS ** 2 * LAMBDA + CAPACITY) * 40);
      expect(Math.abs(grown - (ATTEMPTS * LAMBDA - CAPACITY) * 40)).toBeLessThan(4 * sd);
    }
  });

  it('without the trigger the same design stays healthy at the same load: the bad state needs a push', () => {
    for (const seed of [1, 2]) {
      const r = run(scenario, { seed, variant: 'immediate-retries', faults: [] });
      expect(r.checks.map((c) => [c.name, c.status])).toEqual([
        ['healthy-before-trigger', 'ok'],
        ['recovers-after-trigger', 'ok'],
        ['load-bounded', 'ok'],
      ]);
      expect(r.metrics.availability).toBe(1);
    }
  });

  it('gRPC retry throttling: the budget runs dry while half the first tries fail, and afterwards throughput is the offered load', () => {
    for (const seed of [1, 2, 3]) {
      const d = runDetailed(scenario, { seed, variant: 'retry-budget' });
      // While server-1 rejects, round robin sends it every other first try. Each failure costs a
      // token and each success returns 0.1, so the tokens fall to zero and stay below the
      // threshold (5): almost no retries, availability ≈ 1/2 (the first 5 retries are allowed).
      const total = between(d.requests.throughput.windows(), 6, 10).count;
      const ok = between(d.requests.goodput.windows(), 6, 10).count;
      expect(Math.abs(ok / total - 0.5)).toBeLessThan(0.05);
      const m = d.result.metrics as Record<string, number>;
      // after it: every request succeeds at the first attempt; throughput is λ within 4 sd of a Poisson count
      expect(m.availabilityAfterTrigger).toBe(1);
      expect(m.attemptsPerRequestAfter).toBeLessThan(1.02);
      expect(Math.abs(m.goodputPerSecAfter! - LAMBDA)).toBeLessThan(4 * Math.sqrt(LAMBDA * 40) / 40);
      expect(m.queuedAtEnd).toBeLessThan(SLOTS * 2 * 5);
    }
  });
});
