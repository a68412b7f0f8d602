import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Simulation } from '../../sim/kernel/sim.ts';
import { RandomStreams } from '../../sim/kernel/random.ts';
import { newCallContext, type Call, type Outcome } from '../../sim/patterns/call.ts';
import { bulkhead } from '../../sim/patterns/bulkhead.ts';
import { rateLimiter } from '../../sim/patterns/rate-limiter.ts';
import { tokenBucket } from '../../sim/patterns/token-bucket.ts';
import { loadShedder } from '../../sim/patterns/load-shedding.ts';
import { adaptiveThrottling } from '../../sim/patterns/adaptive-throttling.ts';
import { aimdLimit, gradient2Limit, concurrencyLimiter } from '../../sim/patterns/adaptive-concurrency.ts';

function fixed(sim: Simulation, latencyUs: number, result: (i: number) => Outcome | null = () => null): Call & { n: number } {
  const f = ((_c, done) => {
    const i = f.n++;
    sim.schedule(latencyUs, () => done(result(i) ?? { ok: true, error: '', latencyUs }), null);
  }) as Call & { n: number };
  f.n = 0;
  return f;
}

function fire(sim: Simulation, policy: { execute: (c: any, call: Call, d: (o: Outcome) => void) => void }, call: Call, atUs: number, out: { t: number; o: Outcome }[]): void {
  sim.schedule(atUs, () => policy.execute(newCallContext(sim), call, (o) => out.push({ t: sim.now, o })), null);
}

describe('bulkhead (Resilience4j SemaphoreBulkhead)', () => {
  it('bulkhead({ maxConcurrentCalls: 2 }) rejects the third concurrent call at once (maxWaitDuration 0)', () => {
    const sim = new Simulation();
    const b = bulkhead({ sim, maxConcurrentCalls: 2 });
    const out: { t: number; o: Outcome }[] = [];
    const call = fixed(sim, 10_000);
    for (let i = 0; i < 3; i++) fire(sim, b, call, 0, out);
    sim.run();
    expect(out.map((x) => `${x.t}:${x.o.error || 'ok'}`)).toEqual(['0:bulkhead-full', '10000:ok', '10000:ok']);
    expect(b.rejected.value).toBe(1);
  });

  it('bulkhead({ maxWaitDuration: "5ms" }) lets a caller wait FIFO for a permit, then gives up', () => {
    const sim = new Simulation();
    const b = bulkhead({ sim, maxConcurrentCalls: 1, maxWaitDuration: '15ms' });
    const out: { t: number; o: Outcome }[] = [];
    const call = fixed(sim, 10_000);
    for (let i = 0; i < 3; i++) fire(sim, b, call, i, out);
    sim.run();
    // #1 runs 0–10ms, #2 waits and runs 10–20ms, #3 waits from 2us and gives up at 15.002ms
    expect(out.map((x) => `${x.t}:${x.o.error || 'ok'}`)).toEqual(['10000:ok', '15002:bulkhead-full', '20000:ok']);
    expect(bulkhead({ sim }).maxConcurrentCalls).toBe(25);
  });
});

describe('rateLimiter (Resilience4j AtomicRateLimiter)', () => {
  // Misunderstood semantics #10
  it('fixed cycles aligned to creation let 2 × limitForPeriod calls through within one period straddling a boundary, and the default limitRefreshPeriod is 500 ns', () => {
    const sim = new Simulation();
    expect(rateLimiter({ sim }).limitRefreshPeriodUs).toBe(0.5);
    expect(rateLimiter({ sim }).limitForPeriod).toBe(50);
    const rl = rateLimiter({ sim, limitForPeriod: 10, limitRefreshPeriod: '1s', timeoutDuration: '0s' });
    const out: { t: number; o: Outcome }[] = [];
    const call = fixed(sim, 1);
    for (let i = 0; i < 12; i++) fire(sim, rl, call, 900_000, out); // end of cycle 0
    for (let i = 0; i < 12; i++) fire(sim, rl, call, 1_000_000, out); // start of cycle 1
    sim.run();
    const passed = out.filter((x) => x.o.ok).length;
    expect(passed).toBe(20); // 20 calls within 100 ms although the limit is 10 per second
    expect(out.filter((x) => x.o.error === 'rate-limited').length).toBe(4);
  });

  it('a caller without a permit reserves one in a future cycle when the wait fits timeoutDuration', () => {
    const sim = new Simulation();
    const rl = rateLimiter({ sim, limitForPeriod: 2, limitRefreshPeriod: '100ms', timeoutDuration: '150ms' });
    const out: { t: number; o: Outcome }[] = [];
    const call = fixed(sim, 0);
    for (let i = 0; i < 7; i++) fire(sim, rl, call, 10_000, out);
    sim.run();
    // 2 now, 2 at 100ms (wait 90ms), 2 at 200ms would wait 190ms > 150ms → refused
    expect(out.map((x) => `${x.t}:${x.o.error || 'ok'}`).sort()).toEqual(['10000:ok', '10000:ok', '10000:rate-limited', '10000:rate-limited', '10000:rate-limited', '100000:ok', '100000:ok'].sort());
    expect(rl.availablePermissions()).toBe(0);
  });
});

describe('tokenBucket (Envoy TokenBucket)', () => {
  it('tokenBucket({ max_tokens: 3, tokens_per_fill: 1, fill_interval: "1s" }) starts full and refills one token per second', () => {
    const sim = new Simulation();
    const tb = tokenBucket({ sim, max_tokens: 3, fill_interval: '1s' });
    expect([tb.tryConsume(), tb.tryConsume(), tb.tryConsume(), tb.tryConsume()]).toEqual([true, true, true, false]);
    sim.run(2_500_000);
    expect(tb.tokens()).toBe(2);
    sim.run(60_000_000);
    expect(tb.tokens()).toBe(3);
    expect(() => tokenBucket({ sim, max_tokens: 3 } as never)).toThrow(/fill_interval is required/);
  });
});

describe('loadShedder', () => {
  it('loadShedder({ queueLengthMax: 2 }) sheds arrivals to a full queue at once', () => {
    const sim = new Simulation();
    const ls = loadShedder({ sim, concurrency: 1, queueLengthMax: 2 });
    const out: { t: number; o: Outcome }[] = [];
    const call = fixed(sim, 10_000);
    for (let i = 0; i < 5; i++) fire(sim, ls, call, 0, out);
    sim.run();
    expect(out.filter((x) => x.o.error === 'shed').length).toBe(2);
    expect(out.filter((x) => x.o.error === 'shed').every((x) => x.t === 0)).toBe(true);
  });

  it('loadShedder({ codel: true }) sheds requests queued longer than target once the queue has stood for an interval', () => {
    const sim = new Simulation();
    const ls = loadShedder({ sim, concurrency: 1, codel: true, target: '5ms', interval: '100ms' });
    const out: { t: number; o: Outcome }[] = [];
    const call = fixed(sim, 10_000);
    // 2 arrivals per 10 ms service time: a standing queue forms
    for (let i = 0; i < 100; i++) fire(sim, ls, call, i * 5000, out);
    sim.run();
    const firstShed = out.find((x) => x.o.error === 'shed');
    expect(firstShed).toBeDefined();
    // nothing is shed before the queue has stood for 100 ms
    expect(firstShed!.t).toBeGreaterThan(100_000);
    const served = out.filter((x) => x.o.ok);
    // once shedding, queueing delay of served requests stays bounded near the interval, not growing
    expect(ls.shedCodel.value).toBeGreaterThan(20);
    expect(served.length + ls.shedCodel.value).toBe(100);
  });

  it('loadShedder({ adaptiveLifo: true }) serves the newest request first while the queue stands', () => {
    const sim = new Simulation();
    const ls = loadShedder({ sim, concurrency: 1, adaptiveLifo: true, interval: '100ms' });
    const started: number[] = [];
    const call: Call = (c, done) => {
      started.push(c.key as number);
      sim.schedule(50_000, () => done({ ok: true, error: '', latencyUs: 50_000 }), null);
    };
    for (let i = 0; i < 6; i++) sim.schedule(i, () => ls.execute(newCallContext(sim, { key: i }), call, () => {}), null);
    sim.run();
    // 0 runs; at 50ms the queue has stood < 100ms: FIFO (1); at 100ms still < 100ms+: FIFO (2); then LIFO
    expect(started.slice(0, 3)).toEqual([0, 1, 2]);
    expect(started.slice(3)).toEqual([5, 4, 3]);
  });
});

describe('adaptiveThrottling (Google SRE)', () => {
  it('adaptiveThrottling({ K: 2 }) rejects with p = max(0, (requests − K·accepts)/(requests + 1))', () => {
    const sim = new Simulation();
    const at = adaptiveThrottling({ sim, K: 2, random: new RandomStreams(1) });
    const fails = fixed(sim, 1000, () => ({ ok: false, error: 'overloaded', latencyUs: 1000 }));
    for (let i = 0; i < 10; i++) at.execute(newCallContext(sim), fails, () => {});
    sim.run();
    expect(at.requests).toBe(10);
    expect(at.accepts).toBe(0);
    expect(at.rejectionProbability()).toBeCloseTo(10 / 11, 12);
    // one request at a time, all accepted: requests ≤ K·accepts keeps p at 0
    const sim2 = new Simulation();
    const at2 = adaptiveThrottling({ sim: sim2, random: new RandomStreams(1) });
    const oks = fixed(sim2, 10);
    for (let i = 0; i < 50; i++) sim2.schedule(i * 100, () => at2.execute(newCallContext(sim2), oks, () => {}), null);
    sim2.run();
    expect(oks.n).toBe(50);
    expect(at2.rejectionProbability()).toBe(0);
  });

  it('adaptiveThrottling({ protection: 5 }) follows go-zero googlebreaker: p = max(0, (requests − 5 − K·accepts)/(requests + 1))', () => {
    const sim = new Simulation();
    const at = adaptiveThrottling({ sim, K: 2, protection: 5, random: new RandomStreams(1) });
    const fails = fixed(sim, 1000, () => ({ ok: false, error: 'overloaded', latencyUs: 1000 }));
    // the first five requests of a fresh client are never rejected, even all in flight at once
    for (let i = 0; i < 6; i++) at.execute(newCallContext(sim), fails, () => {});
    expect(fails.n).toBe(6);
    sim.run();
    expect(at.rejectionProbability()).toBeCloseTo((6 - 5) / 7, 12);
    for (let i = 0; i < 14; i++) at.execute(newCallContext(sim), fails, () => {});
    sim.run();
    expect(at.requests).toBe(20);
    expect(at.rejectionProbability()).toBeCloseTo((20 - 5) / 21, 12);
    // the book's formula (protection 0) rejects a fresh client's second concurrent request half the time
    const book = adaptiveThrottling({ sim: new Simulation(), random: new RandomStreams(1) });
    book.execute(newCallContext(sim), () => {}, () => {});
    expect(book.rejectionProbability()).toBeCloseTo(1 / 2, 12);
    expect(() => adaptiveThrottling({ sim, protection: -1 })).toThrow(/protection/);
  });

  it('property: under total backend rejection, the share that reaches the backend approaches 0 (K=2) while accepted traffic is never throttled', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), (seed) => {
        const sim = new Simulation();
        const at = adaptiveThrottling({ sim, K: 2, random: new RandomStreams(seed) });
        const fails = fixed(sim, 100, () => ({ ok: false, error: 'overloaded', latencyUs: 100 }));
        for (let i = 0; i < 2000; i++) sim.schedule(i * 1000, () => at.execute(newCallContext(sim), fails, () => {}), null);
        sim.run();
        expect(fails.n).toBeLessThan(2000 * 0.1);
      }),
      { numRuns: 10 },
    );
  });
});

describe('adaptive concurrency (Netflix concurrency-limits)', () => {
  it('aimdLimit() grows by 1 per sample while inflight ≥ limit/2 and backs off ×0.9 on a drop, within [20, 200]', () => {
    const l = aimdLimit();
    expect(l.limit).toBe(20);
    l.onSample(1000, 10, false);
    expect(l.limit).toBe(21);
    l.onSample(1000, 5, false); // app-limited: no growth
    expect(l.limit).toBe(21);
    for (let i = 0; i < 300; i++) l.onSample(1000, 1000, false);
    expect(l.limit).toBe(200);
    l.onSample(1000, 100, true);
    expect(l.limit).toBe(180);
    l.onSample(6_000_000, 100, false); // rtt above the 5 s timeout counts as a drop
    expect(l.limit).toBe(162);
    for (let i = 0; i < 100; i++) l.onSample(1000, 100, true);
    expect(l.limit).toBe(20);
  });

  it('gradient2Limit() shrinks when RTT rises above the long-term average and recovers when it falls', () => {
    const l = gradient2Limit({ minLimit: 5, initialLimit: 50 });
    for (let i = 0; i < 200; i++) l.onSample(10_000, 50, false);
    const steady = l.limit;
    expect(steady).toBeGreaterThan(50);
    for (let i = 0; i < 50; i++) l.onSample(100_000, 500, false);
    expect(l.limit).toBeLessThan(steady);
  });

  it('concurrencyLimiter({ limit }) rejects with limit-exceeded when inflight ≥ limit', () => {
    const sim = new Simulation();
    const cl = concurrencyLimiter({ sim, limit: aimdLimit({ initialLimit: 2, minLimit: 1, maxLimit: 2 }) });
    const out: { t: number; o: Outcome }[] = [];
    const call = fixed(sim, 1000);
    for (let i = 0; i < 3; i++) fire(sim, cl, call, 0, out);
    sim.run();
    expect(out.map((x) => x.o.error || 'ok')).toEqual(['limit-exceeded', 'ok', 'ok']);
  });
});
