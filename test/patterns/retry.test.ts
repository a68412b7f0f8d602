import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Simulation } from '../../sim/kernel/sim.ts';
import { RandomStreams } from '../../sim/kernel/random.ts';
import { Tracer } from '../../sim/observe/trace.ts';
import { retry, resilience4jRetry, grpcRetry, envoyRetry, awsStandardRetry } from '../../sim/patterns/retry.ts';
import { constantBackoff, exponentialBackoff, grpcBackoff, envoyBackoff } from '../../sim/patterns/backoff.ts';
import { grpcRetryThrottling, envoyRetryBudget, awsRetryQuota } from '../../sim/patterns/retry-budget.ts';
import { hedging } from '../../sim/patterns/hedging.ts';
import { pipeline } from '../../sim/patterns/compose.ts';
import { circuitBreaker } from '../../sim/patterns/circuit-breaker.ts';
import { timeLimiter } from '../../sim/patterns/timeout.ts';
import { newCallContext, type Call, type Outcome } from '../../sim/patterns/call.ts';
import { fail, ok, runOne, scripted } from './helpers.ts';

const rng = () => new RandomStreams(7).get('test/backoff');

describe('retry', () => {
  it('retry({ attemptsMax: 3 }) stops after the third failure', () => {
    const sim = new Simulation();
    const callee = scripted(sim, [fail()]);
    const r = runOne(sim, (c, d) => retry({ sim, attemptsMax: 3, backoff: constantBackoff({ delay: '10ms' }) }).execute(c, callee, d));
    expect(callee.calls.length).toBe(3);
    expect(callee.calls.map((c) => c.ctx.attempt)).toEqual([1, 2, 3]);
    expect(r.outcome).toMatchObject({ ok: false, error: 'unavailable', latencyUs: 23_000 });
  });

  it('retry({ retriesMax: 3 }) makes four attempts', () => {
    const sim = new Simulation();
    const callee = scripted(sim, [fail()]);
    runOne(sim, (c, d) => retry({ sim, retriesMax: 3, backoff: constantBackoff({ delay: '1ms' }) }).execute(c, callee, d));
    expect(callee.calls.length).toBe(4);
  });

  // Misunderstood semantics #3
  it('attempts vs retries: resilience4jRetry({ maxAttempts: 3 }) makes 3 calls, envoyRetry({ num_retries: 3 }) makes 4, grpcRetry({ maxAttempts: 9 }) is capped at 5, awsStandardRetry({ max_attempts: 3 }) makes 3', () => {
    const count = (make: (sim: Simulation) => { execute: (c: any, call: Call, d: any) => void }): number => {
      const sim = new Simulation();
      const callee = scripted(sim, [fail(1000, 'unavailable')]);
      runOne(sim, (c, d) => make(sim).execute(c, callee, d));
      return callee.calls.length;
    };
    const random = new RandomStreams(1);
    expect(count((sim) => resilience4jRetry({ sim, maxAttempts: 3, waitDuration: '1ms' }))).toBe(3);
    expect(count((sim) => envoyRetry({ sim, random, num_retries: 3 }))).toBe(4);
    expect(count((sim) => grpcRetry({ sim, random, maxAttempts: 9, initialBackoff: '10ms', maxBackoff: '1s', backoffMultiplier: 2, retryableStatusCodes: ['unavailable'] }))).toBe(5);
    expect(count((sim) => awsStandardRetry({ sim, random, max_attempts: 3 }))).toBe(3);
    expect(() => retry({ sim: new Simulation(), attemptsMax: 3, retriesMax: 2 })).toThrow(/not both/);
  });

  it('retry({ retryOn: ["unavailable"] }) does not retry other errors, and never retries a success', () => {
    const sim = new Simulation();
    const callee = scripted(sim, [fail(1000, 'bad-request')]);
    runOne(sim, (c, d) => retry({ sim, attemptsMax: 5, retryOn: ['unavailable'] }).execute(c, callee, d));
    expect(callee.calls.length).toBe(1);
    const sim2 = new Simulation();
    const callee2 = scripted(sim2, [fail(), ok()]);
    const r = runOne(sim2, (c, d) => retry({ sim: sim2, attemptsMax: 5, backoff: constantBackoff({ delay: '1ms' }) }).execute(c, callee2, d));
    expect(callee2.calls.length).toBe(2);
    expect(r.outcome!.ok).toBe(true);
  });

  it('grpcRetry requires retryableStatusCodes and maxAttempts > 1', () => {
    const sim = new Simulation();
    expect(() => grpcRetry({ sim, maxAttempts: 1, backoffMultiplier: 2, initialBackoff: '1s', maxBackoff: '2s', retryableStatusCodes: ['unavailable'] })).toThrow(/maxAttempts = 1 is out of range/);
    expect(() => grpcRetry({ sim, maxAttempts: 3, backoffMultiplier: 2, initialBackoff: '1s', maxBackoff: '2s', retryableStatusCodes: [] })).toThrow(/retryableStatusCodes/);
  });
});

describe('backoff (AWS Architecture Blog formulas)', () => {
  it('exponentialBackoff({ jitter: "none" }) is min(cap, base·2^n) with n = retry − 1', () => {
    const b = exponentialBackoff({ base: '100ms', cap: '1s', jitter: 'none' });
    expect([1, 2, 3, 4, 5, 6].map((r) => b.delayUs(r, 0, null))).toEqual([100_000, 200_000, 400_000, 800_000, 1_000_000, 1_000_000]);
  });

  it('exponentialBackoff({ jitter: "full" }) draws U(0, min(cap, base·2^n)) and covers the range', () => {
    const b = exponentialBackoff({ base: '100ms', cap: '1s', jitter: 'full' });
    const r = rng();
    const xs = Array.from({ length: 2000 }, () => b.delayUs(3, 0, r));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThanOrEqual(400_000);
    expect(Math.min(...xs)).toBeLessThan(20_000);
    expect(Math.max(...xs)).toBeGreaterThan(380_000);
  });

  it('exponentialBackoff({ jitter: "equal" }) draws t/2 + U(0, t/2)', () => {
    const b = exponentialBackoff({ base: '100ms', cap: '1s', jitter: 'equal' });
    const r = rng();
    const xs = Array.from({ length: 2000 }, () => b.delayUs(3, 0, r));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(200_000);
    expect(Math.max(...xs)).toBeLessThanOrEqual(400_000);
  });

  it('exponentialBackoff({ jitter: "decorrelated" }) draws min(cap, U(base, prev·3)) starting from prev = base', () => {
    const b = exponentialBackoff({ base: '10ms', cap: '1s', jitter: 'decorrelated' });
    const r = rng();
    fc.assert(
      fc.property(fc.oneof(fc.constant(0), fc.integer({ min: 10_000, max: 2_000_000 })), fc.integer({ min: 1, max: 20 }), (prev, retry) => {
        // prev is 0 (no retry yet) or an earlier delay, which is never below base
        const d = b.delayUs(retry, prev, r);
        const p = prev > 0 ? prev : 10_000;
        expect(d).toBeGreaterThanOrEqual(10_000);
        expect(d).toBeLessThanOrEqual(Math.min(1_000_000, p * 3));
      }),
    );
    const first = Array.from({ length: 500 }, () => b.delayUs(1, 0, r));
    expect(Math.min(...first)).toBeGreaterThanOrEqual(10_000);
    expect(Math.max(...first)).toBeLessThan(30_000);
  });

  // Misunderstood semantics #8
  it('gRPC retry jitter is pinned to gRFC A6 as revised in 2024: initialBackoff·U(0.8, 1.2), not full jitter', () => {
    const b = grpcBackoff({ initialBackoff: '100ms', maxBackoff: '1s', backoffMultiplier: 2 });
    const r = rng();
    const first = Array.from({ length: 2000 }, () => b.delayUs(1, 0, r));
    expect(Math.min(...first)).toBeGreaterThanOrEqual(80_000);
    expect(Math.max(...first)).toBeLessThanOrEqual(120_000);
    // the cap applies before jitter, so a retry may wait up to 1.2 × maxBackoff
    const late = Array.from({ length: 2000 }, () => b.delayUs(10, 0, r));
    expect(Math.max(...late)).toBeGreaterThan(1_000_000);
    expect(Math.max(...late)).toBeLessThanOrEqual(1_200_000);
    const legacy = grpcBackoff({ initialBackoff: '100ms', maxBackoff: '1s', backoffMultiplier: 2, jitter: 'legacy-full' });
    expect(Math.min(...Array.from({ length: 2000 }, () => legacy.delayUs(1, 0, r)))).toBeLessThan(10_000);
  });

  it('envoyBackoff() follows Envoy 1.31 backoff_strategy.cc: random() % interval ms, interval 25, 50, 100, 200, then 250 ms', () => {
    // Reference: JitteredExponentialBackOffStrategy::nextBackOffMs returns random() % next_interval_
    // and then sets next_interval_ to twice itself while below max/2, else to max (base 25 ms, max 250 ms).
    const b = envoyBackoff();
    const r = rng();
    for (const [n, intervalMs] of [[1, 25], [2, 50], [3, 100], [4, 200], [5, 250], [6, 250], [12, 250]] as const) {
      const xs = Array.from({ length: 4000 }, () => b.delayUs(n, 0, r));
      expect(xs.every((x) => Number.isInteger(x / 1000) && x >= 0 && x < intervalMs * 1000)).toBe(true);
      // uniform over the whole milliseconds 0 … interval − 1: every value appears, mean (interval − 1)/2
      expect(new Set(xs).size).toBe(intervalMs);
      const meanMs = xs.reduce((a, x) => a + x, 0) / xs.length / 1000;
      const sdOfMean = intervalMs / Math.sqrt(12 * xs.length);
      expect(Math.abs(meanMs - (intervalMs - 1) / 2)).toBeLessThan(4 * sdOfMean);
    }
    // a max that is not a power-of-two multiple of the base: 10, 20, 40, then 70 ms
    const odd = envoyBackoff({ base_interval: '10ms', max_interval: '70ms' });
    expect([1, 2, 3, 4, 5].map((n) => Math.max(...Array.from({ length: 3000 }, () => odd.delayUs(n, 0, r))) / 1000)).toEqual([9, 19, 39, 69, 69]);
  });

  it('retry() draws jitter from its named stream: same seed, same delays', () => {
    const delays = (seed: number): number[] => {
      const sim = new Simulation();
      const trace = new Tracer({ level: 'full' });
      const callee = scripted(sim, [fail()]);
      runOne(sim, (c, d) => retry({ sim, trace, traceAttempts: true, random: new RandomStreams(seed), attemptsMax: 5, backoff: exponentialBackoff({ jitter: 'full' }) }).execute(c, callee, d));
      return trace.records.flatMap((x) => (x.kind === 'retry-scheduled' ? [x.delayUs] : []));
    };
    expect(delays(3)).toEqual(delays(3));
    expect(delays(3)).not.toEqual(delays(4));
    expect(delays(3).length).toBe(4);
  });
});

describe('retry budgets', () => {
  it('grpcRetryThrottling({ maxTokens: 10, tokenRatio: 0.1 }) allows retries only while tokens > maxTokens/2', () => {
    const t = grpcRetryThrottling({ maxTokens: 10, tokenRatio: 0.1 });
    const F: Outcome = { ok: false, error: 'unavailable', latencyUs: 1 };
    const S: Outcome = { ok: true, error: '', latencyUs: 1 };
    for (let i = 0; i < 4; i++) t.onAttemptEnd(F, true);
    expect(t.tokens).toBe(6);
    expect(t.tryAcquireRetry()).toBe(true);
    t.onAttemptEnd(F, true); // 5: not > 5
    expect(t.tryAcquireRetry()).toBe(false);
    t.onAttemptEnd(S, false); // 5.1
    expect(t.tokens).toBeCloseTo(5.1, 10);
    expect(t.tryAcquireRetry()).toBe(true);
    t.onAttemptEnd(F, false); // a non-retryable failure takes no token
    expect(t.tokens).toBeCloseTo(5.1, 10);
    expect(() => grpcRetryThrottling({ maxTokens: 1001, tokenRatio: 0.1 })).toThrow(/maxTokens = 1001 is out of range; valid: \(0, 1000\]/);
  });

  it('awsRetryQuota() starts at 500, a retry costs 5 (10 after a timeout), success refunds or adds 1', () => {
    const q = awsRetryQuota();
    expect(q.tryAcquireRetry({ ok: false, error: 'unavailable', latencyUs: 1 })).toBe(true);
    expect(q.available).toBe(495);
    expect(q.tryAcquireRetry({ ok: false, error: 'timeout', latencyUs: 1 })).toBe(true);
    expect(q.available).toBe(485);
    q.onCallEnd({ ok: true, error: '', latencyUs: 1 }, { ok: false, error: 'timeout', latencyUs: 1 });
    expect(q.available).toBe(495);
    q.onCallEnd({ ok: true, error: '', latencyUs: 1 }, null);
    expect(q.available).toBe(496);
    // ~100 failed retries exhaust it
    let n = 0;
    while (q.tryAcquireRetry({ ok: false, error: 'unavailable', latencyUs: 1 })) n++;
    expect(n).toBe(99);
  });

  it('property: gRPC retry throttling bounds retries to maxTokens/2 + tokenRatio × successes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 1000 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 6 }), (maxTokens, ratioMilli, okSeq, attemptsMax) => {
        const sim = new Simulation();
        const t = grpcRetryThrottling({ maxTokens, tokenRatio: ratioMilli / 1000 });
        let i = 0;
        let successes = 0;
        const callee: Call = (_c, done) => {
          const good = okSeq[i++ % okSeq.length]!;
          if (good) successes++;
          sim.schedule(1000, () => done(good ? { ok: true, error: '', latencyUs: 1000 } : { ok: false, error: 'unavailable', latencyUs: 1000 }), null);
        };
        const r = retry({ sim, attemptsMax, budget: t, backoff: constantBackoff({ delay: '1ms' }) });
        for (let k = 0; k < 50; k++) sim.schedule(k * 500, () => r.execute(newCallContext(sim), callee, () => {}), null);
        sim.run();
        expect(r.retries.value).toBeLessThanOrEqual(maxTokens / 2 + (ratioMilli / 1000) * successes + 1e-9);
        expect(r.attempts.value).toBeLessThanOrEqual(50 * attemptsMax);
      }),
      { numRuns: 150 },
    );
  });

  it('property: an Envoy retry budget keeps concurrent retries ≤ max(min_retry_concurrency, budget_percent × active requests)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 10, max: 300 }), fc.integer({ min: 1, max: 5 }), (pct, minConc, clients, attemptsMax) => {
        const sim = new Simulation();
        const budget = envoyRetryBudget({ budget_percent: pct, min_retry_concurrency: minConc });
        const random = new RandomStreams(clients);
        const lat = random.get('lat');
        const callee: Call = (_c, done) => sim.schedule(1000 + Math.floor(lat.next() * 5000), () => done({ ok: false, error: 'unavailable', latencyUs: 1 }), null);
        const r = retry({ sim, attemptsMax, budget, backoff: constantBackoff({ delay: '1ms' }) });
        let violations = 0;
        const orig = budget.tryAcquireRetry.bind(budget);
        budget.tryAcquireRetry = () => {
          const limit = Math.max(minConc, Math.floor((pct * budget.activeRequests) / 100));
          const okk = orig();
          if (okk && budget.activeRetries > limit) violations++;
          return okk;
        };
        for (let k = 0; k < clients; k++) sim.schedule(k * 50, () => r.execute(newCallContext(sim), callee, () => {}), null);
        sim.run();
        expect(violations).toBe(0);
        expect(budget.activeRetries).toBe(0);
        expect(budget.activeRequests).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  it('property: attempts never exceed attemptsMax per call', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }), (attemptsMax, seq) => {
        const sim = new Simulation();
        let i = 0;
        const callee: Call = (_c, done) => {
          const good = seq[i++ % seq.length]!;
          sim.schedule(100, () => done(good ? { ok: true, error: '', latencyUs: 100 } : { ok: false, error: 'unavailable', latencyUs: 100 }), null);
        };
        const r = retry({ sim, attemptsMax, backoff: exponentialBackoff({ jitter: 'decorrelated', base: '1ms' }), random: new RandomStreams(1) });
        let maxSeen = 0;
        const counting: Call = (c, d) => {
          maxSeen = Math.max(maxSeen, c.attempt);
          callee(c, d);
        };
        runOne(sim, (c, d) => r.execute(c, counting, d));
        expect(maxSeen).toBeLessThanOrEqual(attemptsMax);
        expect(r.attempts.value).toBeLessThanOrEqual(attemptsMax);
      }),
    );
  });
});

describe('hedging (gRFC A6)', () => {
  it('hedging({ maxAttempts: 3, hedgingDelay: "10ms" }) sends a hedge every 10 ms and the first success wins, cancelling the rest', () => {
    const sim = new Simulation();
    const callee = scripted(sim, [ok(50_000), ok(15_000), ok(1000)]);
    const h = hedging({ sim, maxAttempts: 3, hedgingDelay: '10ms' });
    const r = runOne(sim, (c, d) => h.execute(c, callee, d));
    expect(callee.calls.map((c) => c.atUs)).toEqual([0, 10_000, 20_000]);
    expect(r.atUs).toBe(21_000);
    expect(r.outcome).toMatchObject({ ok: true, latencyUs: 21_000 });
    expect(callee.cancels).toBe(2);
  });

  it('a non-fatal status sends the next hedge at once; a fatal one ends the call', () => {
    const sim = new Simulation();
    const callee = scripted(sim, [fail(2000, 'unavailable'), ok(1000)]);
    const h = hedging({ sim, maxAttempts: 2, hedgingDelay: '1s', nonFatalStatusCodes: ['unavailable'] });
    const r = runOne(sim, (c, d) => h.execute(c, callee, d));
    expect(callee.calls.map((c) => c.atUs)).toEqual([0, 2000]);
    expect(r.outcome!.ok).toBe(true);
    const sim2 = new Simulation();
    const callee2 = scripted(sim2, [fail(2000, 'internal'), ok(1000)]);
    const r2 = runOne(sim2, (c, d) => hedging({ sim: sim2, maxAttempts: 2, hedgingDelay: '1s', nonFatalStatusCodes: ['unavailable'] }).execute(c, callee2, d));
    expect(callee2.calls.length).toBe(1);
    expect(r2.outcome!.error).toBe('internal');
  });
});

describe('composition', () => {
  it('pipeline(options, retry, breaker, timeLimiter) traces its order and per-call entries in that order', () => {
    const sim = new Simulation();
    const trace = new Tracer({ level: 'full' });
    const p = pipeline(
      { sim, trace, node: 'client', name: 'to-db', traceCalls: true },
      retry({ sim, attemptsMax: 2, backoff: constantBackoff({ delay: '1ms' }) }),
      circuitBreaker({ sim, name: 'db' }),
      timeLimiter({ sim, timeoutDuration: '5ms' }),
    );
    expect(p.order).toBe('retry > circuit-breaker:db > time-limiter');
    const callee = scripted(sim, [ok(10_000), ok(1000)]);
    const r = runOne(sim, (c, d) => p.execute(c, callee, d));
    expect(r.outcome!.ok).toBe(true);
    const kinds = trace.records.map((x) => (x.kind === 'policy-pipeline' ? `order ${x.order}` : x.kind === 'policy-enter' ? `${x.attempt}:${x.policy}` : x.kind));
    expect(kinds).toEqual(['order retry > circuit-breaker:db > time-limiter', '1:retry', '1:db', '1:time-limiter', '2:db', '2:time-limiter']);
  });
});
