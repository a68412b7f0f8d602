import { describe, expect, it } from 'vitest';
import { InputError } from '../../sim/kernel/errors.ts';
import { Simulation } from '../../sim/kernel/sim.ts';
import { RandomStreams } from '../../sim/kernel/random.ts';
import { deadline, timeLimiter } from '../../sim/patterns/timeout.ts';
import { retry } from '../../sim/patterns/retry.ts';
import { constantBackoff } from '../../sim/patterns/backoff.ts';
import { wrap } from '../../sim/patterns/compose.ts';
import { fail, ok, runOne, scripted } from './helpers.ts';

describe('timeouts', () => {
  it('timeLimiter({ timeoutDuration: "100ms" }) fails a slow call with timeout at 100 ms and cancels it', () => {
    const sim = new Simulation();
    const callee = scripted(sim, [ok(300_000)]);
    const t = timeLimiter({ sim, timeoutDuration: '100ms' });
    const r = runOne(sim, (ctx, done) => t.execute(ctx, callee, done));
    expect(r.outcome).toMatchObject({ ok: false, error: 'timeout', latencyUs: 100_000 });
    expect(r.atUs).toBe(100_000);
    expect(callee.cancels).toBe(1);
    expect(t.timeouts.value).toBe(1);
  });

  it('timeLimiter() lets a fast call through untouched (default timeoutDuration 1s)', () => {
    const sim = new Simulation();
    const t = timeLimiter({ sim });
    expect(t.limitUs).toBe(1_000_000);
    const r = runOne(sim, (ctx, done) => t.execute(ctx, scripted(sim, [ok(999_000)]), done));
    expect(r.outcome).toMatchObject({ ok: true, latencyUs: 999_000 });
  });

  it('deadline({ timeout: "250ms" }) propagates: a downstream call gets only the remaining budget', () => {
    const sim = new Simulation();
    const callee = scripted(sim, [fail(100_000), fail(100_000), ok(10_000)]);
    const p = wrap(
      deadline({ sim, timeout: '250ms' }),
      retry({ sim, attemptsMax: 5, backoff: constantBackoff({ delay: '10ms' }) }),
      timeLimiter({ sim, timeoutDuration: '200ms' }),
    );
    const r = runOne(sim, (ctx, done) => p.execute(ctx, callee, done));
    // attempt 1: 0–100ms, attempt 2: 110–210ms, attempt 3 at 220ms has 30ms left
    expect(callee.calls.map((c) => c.atUs)).toEqual([0, 110_000, 220_000]);
    expect(callee.calls[2]!.ctx.deadlineUs).toBe(250_000);
    expect(callee.calls[2]!.remainingUs).toBe(30_000);
    expect(r.outcome).toMatchObject({ ok: true });
  });

  it('timeLimiter inside a deadline reports deadline-exceeded when the inherited deadline fires first', () => {
    const sim = new Simulation();
    const p = wrap(deadline({ sim, timeout: '50ms' }), timeLimiter({ sim, timeoutDuration: '1s' }));
    const r = runOne(sim, (ctx, done) => p.execute(ctx, scripted(sim, [ok(500_000)]), done));
    expect(r.outcome).toMatchObject({ ok: false, error: 'deadline-exceeded' });
    expect(r.atUs).toBe(50_000);
  });

  it('retry() does not start an attempt after the propagated deadline', () => {
    const sim = new Simulation();
    const callee = scripted(sim, [fail(40_000)]);
    const p = wrap(deadline({ sim, timeout: '100ms' }), retry({ sim, attemptsMax: 10, backoff: constantBackoff({ delay: '30ms' }) }));
    const r = runOne(sim, (ctx, done) => p.execute(ctx, callee, done));
    // 0–40, wait to 70, 70–110 is cut at 100 by the deadline
    expect(callee.calls.length).toBe(2);
    expect(r.outcome!.ok).toBe(false);
    expect(r.atUs).toBeLessThanOrEqual(100_000);
  });

  it('timeLimiter({ timeoutDuration: 100 }) is refused: a bare number has no unit', () => {
    const sim = new Simulation();
    expect(() => timeLimiter({ sim, timeoutDuration: 100 as unknown as string })).toThrow(/timeoutDuration = 100 has no unit/);
    expect(() => timeLimiter({ sim, timeoutDurationMs: 100 })).not.toThrow();
    expect(() => deadline({ sim } as never)).toThrow(InputError);
    void RandomStreams;
  });
});
