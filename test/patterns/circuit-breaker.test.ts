import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../../sim/kernel/errors.ts';
import { Simulation } from '../../sim/kernel/sim.ts';
import { Tracer } from '../../sim/observe/trace.ts';
import { Metrics } from '../../sim/observe/metrics.ts';
import { circuitBreaker, type CircuitBreaker } from '../../sim/patterns/circuit-breaker.ts';
import type { Outcome } from '../../sim/patterns/call.ts';
import { runOne, scripted, ok, fail } from './helpers.ts';

const OK: Outcome = { ok: true, error: '', latencyUs: 1000 };
const ERR: Outcome = { ok: false, error: 'unavailable', latencyUs: 1000 };

/** Record n outcomes through the permission protocol; returns how many were permitted. */
function feed(b: CircuitBreaker, o: Outcome, n: number, durationUs = 1000): number {
  let permitted = 0;
  for (let i = 0; i < n; i++) {
    if (!b.tryAcquirePermission()) continue;
    permitted++;
    b.onResult(durationUs, o);
  }
  return permitted;
}

describe('circuitBreaker (Resilience4j 2.x)', () => {
  it('circuitBreaker({ failureRateThreshold: 150 }) throws an InputError naming field, value and range', () => {
    const sim = new Simulation();
    expect(() => circuitBreaker({ sim, failureRateThreshold: 150 })).toThrow(InputError);
    expect(() => circuitBreaker({ sim, failureRateThreshold: 150 })).toThrow('failureRateThreshold = 150 is out of range; valid: (0, 100] (percent)');
    expect(() => circuitBreaker({ sim, failureRateThreshold: 0 })).toThrow(/\(0, 100\]/);
    expect(() => circuitBreaker({ sim, permittedNumberOfCallsInHalfOpenState: 0 })).toThrow(/permittedNumberOfCallsInHalfOpenState = 0/);
    expect(() => circuitBreaker({ sim, waitDurationInOpenState: '0ms' })).toThrow(/waitDurationInOpenState/);
    expect(() => circuitBreaker({ sim, slidingWindowTyp: 'COUNT_BASED' } as never)).toThrow(/unknown option "slidingWindowTyp"/);
  });

  it('circuitBreaker({}) has the Resilience4j defaults', () => {
    const b = circuitBreaker({ sim: new Simulation() });
    expect(b.config).toMatchObject({
      failureRateThreshold: 50,
      slowCallRateThreshold: 100,
      slowCallDurationThresholdUs: 60_000_000,
      slidingWindowType: 'COUNT_BASED',
      slidingWindowSize: 100,
      minimumNumberOfCalls: 100,
      waitDurationInOpenStateUs: 60_000_000,
      permittedNumberOfCallsInHalfOpenState: 10,
      maxWaitDurationInHalfOpenStateUs: 0,
      automaticTransitionFromOpenToHalfOpenEnabled: false,
    });
    expect(b.state).toBe('closed');
  });

  it('opens when the failure rate reaches the threshold (≥, not >) once minimumNumberOfCalls are recorded', () => {
    const sim = new Simulation();
    const b = circuitBreaker({ sim, slidingWindowSize: 10, minimumNumberOfCalls: 4, failureRateThreshold: 50 });
    feed(b, OK, 1);
    feed(b, ERR, 1);
    feed(b, OK, 1);
    expect(b.state).toBe('closed'); // 3 calls < minimum
    feed(b, ERR, 1); // 2 of 4 = 50 % ≥ 50
    expect(b.state).toBe('open');
    expect(b.tryAcquirePermission()).toBe(false);
  });

  // Misunderstood semantics #1
  it('minimumNumberOfCalls is capped at slidingWindowSize for COUNT_BASED: { minimumNumberOfCalls: 10, slidingWindowSize: 5 } opens after 5 failures', () => {
    const sim = new Simulation();
    const b = circuitBreaker({ sim, slidingWindowType: 'COUNT_BASED', slidingWindowSize: 5, minimumNumberOfCalls: 10 });
    feed(b, ERR, 4);
    expect(b.state).toBe('closed');
    feed(b, ERR, 1);
    expect(b.state).toBe('open');
  });

  it('minimumNumberOfCalls is not capped for TIME_BASED, whose slidingWindowSize is seconds', () => {
    const sim = new Simulation();
    const b = circuitBreaker({ sim, slidingWindowType: 'TIME_BASED', slidingWindowSize: 5, minimumNumberOfCalls: 10 });
    feed(b, ERR, 9);
    expect(b.state).toBe('closed');
    feed(b, ERR, 1);
    expect(b.state).toBe('open');
  });

  it('TIME_BASED with slidingWindowSize 2 forgets calls older than 2 one-second buckets', () => {
    const sim = new Simulation();
    const b = circuitBreaker({ sim, slidingWindowType: 'TIME_BASED', slidingWindowSize: 2, minimumNumberOfCalls: 4 });
    feed(b, ERR, 3); // second 0
    sim.run(2_500_000); // now in second 2: second 0 is out of the window
    expect(b.window.total).toBe(0);
    feed(b, ERR, 3);
    expect(b.state).toBe('closed');
    feed(b, ERR, 1);
    expect(b.state).toBe('open');
  });

  // Misunderstood semantics #2
  it('half-open decides after min(minimumNumberOfCalls, permittedNumberOfCallsInHalfOpenState) calls: { minimumNumberOfCalls: 5, permitted: 10 } closes after 5 successes', () => {
    const sim = new Simulation();
    const b = circuitBreaker({ sim, slidingWindowSize: 5, minimumNumberOfCalls: 5, permittedNumberOfCallsInHalfOpenState: 10, waitDurationInOpenState: '1s' });
    feed(b, ERR, 5);
    expect(b.state).toBe('open');
    sim.run(1_000_001);
    feed(b, OK, 4);
    expect(b.state).toBe('half-open');
    feed(b, OK, 1);
    expect(b.state).toBe('closed');
  });

  it('half-open with defaults decides after 10 calls (min(100, 10))', () => {
    const sim = new Simulation();
    const b = circuitBreaker({ sim, waitDurationInOpenState: '1s' });
    b.transitionToOpenState();
    sim.run(2_000_000);
    feed(b, ERR, 9);
    expect(b.state).toBe('half-open');
    feed(b, ERR, 1);
    expect(b.state).toBe('open');
    expect(b.openAttempts).toBe(2);
  });

  it('half-open rejects calls beyond permittedNumberOfCallsInHalfOpenState instead of queueing them', () => {
    const sim = new Simulation();
    const b = circuitBreaker({ sim, permittedNumberOfCallsInHalfOpenState: 3, waitDurationInOpenState: '1s' });
    b.transitionToOpenState();
    sim.run(1_000_001);
    const got = [b.tryAcquirePermission(), b.tryAcquirePermission(), b.tryAcquirePermission(), b.tryAcquirePermission()];
    expect(got).toEqual([true, true, true, false]);
    b.releasePermission();
    expect(b.tryAcquirePermission()).toBe(true);
  });

  it('open permits the next call only strictly after waitDurationInOpenState, and that call is a half-open permit', () => {
    const sim = new Simulation();
    const b = circuitBreaker({ sim, waitDurationInOpenState: '1s', permittedNumberOfCallsInHalfOpenState: 2 });
    b.transitionToOpenState();
    sim.run(1_000_000);
    expect(b.tryAcquirePermission()).toBe(false);
    expect(b.state).toBe('open');
    sim.run(1_000_001);
    expect(b.tryAcquirePermission()).toBe(true);
    expect(b.state).toBe('half-open');
    expect(b.halfOpenPermitsLeft).toBe(1);
  });

  it('automaticTransitionFromOpenToHalfOpenEnabled: true moves to half-open at the deadline without a call', () => {
    const sim = new Simulation();
    const trace = new Tracer({ level: 'summary' });
    const b = circuitBreaker({ sim, trace, name: 'db', node: 'api', waitDurationInOpenState: '2s', automaticTransitionFromOpenToHalfOpenEnabled: true });
    b.transitionToOpenState();
    sim.run();
    expect(b.state).toBe('half-open');
    expect(sim.now).toBe(2_000_000);
    expect(trace.records.map((r) => r.kind === 'breaker-state' && `${r.time}:${r.from}->${r.to}`)).toEqual(['0:closed->open', '2000000:open->half-open']);
  });

  it('slowCallDurationThreshold is strict (>), and slowCallRateThreshold opens on slow successes', () => {
    const sim = new Simulation();
    const b = circuitBreaker({ sim, slidingWindowSize: 4, minimumNumberOfCalls: 4, slowCallDurationThresholdMs: 100, slowCallRateThreshold: 50 });
    feed(b, OK, 4, 100_000); // exactly the threshold: not slow
    expect(b.slowCallRate).toBe(0);
    feed(b, OK, 2, 100_001);
    expect(b.state).toBe('open');
  });

  it('ignoreExceptions count as neither success nor failure; errors outside recordExceptions count as successes', () => {
    const sim = new Simulation();
    const b = circuitBreaker({ sim, slidingWindowSize: 2, minimumNumberOfCalls: 2, recordExceptions: ['unavailable'], ignoreExceptions: ['not-found'] });
    feed(b, { ok: false, error: 'not-found', latencyUs: 1 }, 5);
    expect(b.window.total).toBe(0);
    feed(b, { ok: false, error: 'bad-request', latencyUs: 1 }, 2);
    expect(b.window).toEqual({ total: 2, failed: 0, slow: 0 });
    expect(b.state).toBe('closed');
  });

  it('late completions while open are recorded in the old window and never change the state', () => {
    const sim = new Simulation();
    const b = circuitBreaker({ sim, slidingWindowSize: 4, minimumNumberOfCalls: 2 });
    expect(b.tryAcquirePermission()).toBe(true); // a slow call in flight
    feed(b, ERR, 2);
    expect(b.state).toBe('open');
    b.onResult(1000, OK);
    expect(b.state).toBe('open');
    expect(b.window.total).toBe(3);
  });

  it('maxWaitDurationInHalfOpenState forces the transition to OPEN after that long in half-open', () => {
    const sim = new Simulation();
    const b = circuitBreaker({ sim, waitDurationInOpenState: '1s', maxWaitDurationInHalfOpenState: '5s' });
    b.transitionToHalfOpenState();
    sim.run(5_000_000);
    expect(b.state).toBe('open');
  });

  it('execute() rejects with breaker-open when not permitted, and publishes metrics', () => {
    const sim = new Simulation();
    const metrics = new Metrics();
    const b = circuitBreaker({ sim, metrics, name: 'db', slidingWindowSize: 2, minimumNumberOfCalls: 2 });
    const callee = scripted(sim, [fail(), fail(), ok()]);
    runOne(sim, (c, d) => b.execute(c, callee, d));
    runOne(sim, (c, d) => b.execute(c, callee, d));
    const r = runOne(sim, (c, d) => b.execute(c, callee, d));
    expect(r.outcome).toMatchObject({ ok: false, error: 'breaker-open', latencyUs: 0 });
    expect(callee.calls.length).toBe(2);
    expect(metrics.counter('circuit-breaker.db.not-permitted').value).toBe(1);
    expect(metrics.gauge('circuit-breaker.db.state').value).toBe(1);
  });

  it('property: half-open never admits more than permittedNumberOfCallsInHalfOpenState calls', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.record({ op: fc.constantFrom('acquire', 'ok', 'fail', 'ignore', 'wait'), n: fc.integer({ min: 1, max: 5 }) }), { maxLength: 80 }),
        (permitted, minCalls, ops) => {
          const sim = new Simulation();
          const b = circuitBreaker({ sim, permittedNumberOfCallsInHalfOpenState: permitted, minimumNumberOfCalls: minCalls, slidingWindowSize: 5, waitDurationInOpenState: '1s', ignoreExceptions: ['ignored'] });
          let inHalfOpenAdmitted = 0;
          let outstanding = 0;
          let t = 0;
          for (const { op, n } of ops) {
            for (let i = 0; i < n; i++) {
              const before = b.state;
              if (op === 'wait') {
                t += 600_000;
                sim.run(t);
              } else if (op === 'acquire') {
                if (b.tryAcquirePermission()) {
                  outstanding++;
                  if (b.state === 'half-open') {
                    if (before !== 'half-open') inHalfOpenAdmitted = 0;
                    inHalfOpenAdmitted++;
                  }
                }
              } else if (outstanding > 0) {
                outstanding--;
                b.onResult(1000, op === 'ok' ? OK : op === 'fail' ? ERR : { ok: false, error: 'ignored', latencyUs: 1 });
                if (op === 'ignore' && b.state === 'half-open') inHalfOpenAdmitted--;
              }
              if (b.state !== 'half-open') inHalfOpenAdmitted = 0;
              expect(inHalfOpenAdmitted).toBeLessThanOrEqual(permitted);
              expect(b.halfOpenPermitsLeft).toBeGreaterThanOrEqual(0);
            }
          }
        },
      ),
    );
  });
});
