import { Simulation } from '../../sim/kernel/sim.ts';
import { newCallContext, type Call, type CallContext, type Outcome } from '../../sim/patterns/call.ts';

export interface Step {
  latencyUs: number;
  ok: boolean;
  error?: string;
}

/** A callee that answers the i-th call with `steps[i]` (the last step repeats), recording each call. */
export function scripted(sim: Simulation, steps: readonly Step[]): Call & { calls: { atUs: number; ctx: CallContext; remainingUs: number }[]; cancels: number } {
  const calls: { atUs: number; ctx: CallContext; remainingUs: number }[] = [];
  const f = ((ctx: CallContext, done: (o: Outcome) => void) => {
    const s = steps[Math.min(calls.length, steps.length - 1)]!;
    calls.push({ atUs: sim.now, ctx, remainingUs: ctx.remainingUs() });
    ctx.onCancel(() => f.cancels++, null);
    sim.schedule(s.latencyUs, () => done({ ok: s.ok, error: s.ok ? '' : (s.error ?? 'unavailable'), latencyUs: s.latencyUs }), null);
  }) as Call & { calls: { atUs: number; ctx: CallContext; remainingUs: number }[]; cancels: number };
  f.calls = calls;
  f.cancels = 0;
  return f;
}

export const ok = (latencyUs = 1000): Step => ({ latencyUs, ok: true });
export const fail = (latencyUs = 1000, error = 'unavailable'): Step => ({ latencyUs, ok: false, error });

/** Run one call through `run` starting at the current time; returns the outcome once the sim is drained. */
export function runOne(sim: Simulation, run: (ctx: CallContext, done: (o: Outcome) => void) => void, deadlineUs?: number): { outcome: Outcome | null; atUs: number } {
  const res: { outcome: Outcome | null; atUs: number } = { outcome: null, atUs: -1 };
  const ctx = newCallContext(sim, deadlineUs === undefined ? {} : { deadlineUs });
  run(ctx, (o) => {
    if (res.outcome !== null) throw new Error('done called twice');
    res.outcome = o;
    res.atUs = sim.now;
  });
  sim.run();
  return res;
}
