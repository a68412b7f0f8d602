import { describe, expect, it } from 'vitest';
import { Simulation } from '../../sim/kernel/sim.ts';
import type { Outcome } from '../../sim/patterns/call.ts';
import { hystrixBreaker, opossumBreaker, pollyBreaker, type LibraryBreaker } from '../../sim/patterns/library-breakers.ts';
import { circuitBreaker } from '../../sim/patterns/circuit-breaker.ts';

const OK: Outcome = { ok: true, error: '', latencyUs: 1 };
const ERR: Outcome = { ok: false, error: 'unavailable', latencyUs: 1 };

/** n outcomes spaced `gapUs` apart through the permission protocol. */
function drive(sim: Simulation, b: { tryAcquirePermission(): boolean; onResult: (...a: any[]) => void }, seq: Outcome[], gapUs: number, r4j = false): void {
  for (const o of seq) {
    sim.run(sim.now + gapUs);
    if (b.tryAcquirePermission()) r4j ? b.onResult(1, o) : b.onResult(o);
  }
}

describe('library breakers compared', () => {
  // Misunderstood semantics #4
  it('opossumBreaker() opens on the very first failure: volumeThreshold 0 and 1 of 1 = 100 % > 50 %', () => {
    const sim = new Simulation();
    const b = opossumBreaker({ sim });
    drive(sim, b, [ERR], 1000);
    expect(b.state).toBe('open');
    const r4j = circuitBreaker({ sim });
    drive(sim, r4j, [ERR], 1000, true);
    expect(r4j.state).toBe('closed');
    // opossum's comparison is strict: exactly 50 % does not open
    const b2 = opossumBreaker({ sim, volumeThreshold: 2 });
    drive(sim, b2, [OK, ERR], 1000);
    expect(b2.state).toBe('closed');
  });

  // Misunderstood semantics #5
  it('hystrixBreaker() needs requestVolumeThreshold 20 requests (not failures) in the window, and trips only at a health snapshot', () => {
    const sim = new Simulation();
    const b = hystrixBreaker({ sim });
    drive(sim, b, Array(19).fill(ERR), 1000); // 19 failures: below the request volume
    expect(b.state).toBe('closed');
    const c = hystrixBreaker({ sim });
    drive(sim, c, [...Array(10).fill(OK), ...Array(10).fill(ERR)], 1000); // 20 requests at 50 % ≥ 50
    // the last snapshot was taken at the first outcome; the next is due 500 ms later
    expect(c.state).toBe('closed');
    drive(sim, c, [ERR], 500_000);
    expect(c.state).toBe('open');
  });

  // Misunderstood semantics #6
  it('pollyBreaker() with v8 defaults never opens under low traffic: MinimumThroughput 100 within SamplingDuration 30 s', () => {
    const sim = new Simulation();
    const b = pollyBreaker({ sim });
    drive(sim, b, Array(200).fill(ERR), 1_000_000); // 1 failing call per second: ≤ 30 in any window
    expect(b.state).toBe('closed');
    const busy = pollyBreaker({ sim });
    drive(sim, busy, [...Array(90).fill(OK), ...Array(10).fill(ERR)], 10_000); // 100 calls, ratio 0.1 ≥ 0.1
    expect(busy.state).toBe('open');
  });

  it('each library lets exactly one half-open probe through and rejects the rest until it completes', () => {
    const sim = new Simulation();
    for (const b of [opossumBreaker({ sim, resetTimeout: '1s' }), hystrixBreaker({ sim, sleepWindowInMilliseconds: 1000, requestVolumeThreshold: 1, healthSnapshotIntervalInMilliseconds: 0 }), pollyBreaker({ sim, MinimumThroughput: 2, BreakDuration: '1s' })] as LibraryBreaker[]) {
      drive(sim, b, [ERR, ERR], 1000);
      expect(b.state).toBe('open');
      sim.run(sim.now + 1_000_000);
      expect([b.tryAcquirePermission(), b.tryAcquirePermission()]).toEqual([true, false]);
      expect(b.state).toBe('half-open');
      b.onResult(OK);
      expect(b.state).toBe('closed');
    }
  });
});
