import { describe, expect, it } from 'vitest';
import { run } from '../../sim/index.ts';
import { itMeetsVariantExpectations } from '../support/expectations.ts';
import scenario from '../../scenarios/cascading-failure.ts';

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
/** The links of the chain, in the order they must happen. */
const CHAIN = ['requests-do-not-pile-up', 'memory-below-90pct', 'no-oom-kill', 'survivors-cpu-below-90pct', 'tier-stays-up', 'recovers-after-slowdown'];

describe('cascading-failure', () => {
  itMeetsVariantExpectations(scenario);

  it('unprotected, seeds 1..20: only the link slowdown in the plan, yet OOM kills, no recovery, and the chain checks fail in time order', () => {
    const wrong: string[] = [];
    for (const seed of SEEDS) {
      const r = run(scenario, { seed, variant: 'unprotected' });
      expect(r.faults.map((f) => f.kind)).toEqual(['link-latency']);
      const m = r.metrics as Record<string, unknown>;
      if (!((m.oomKills as number) > 0)) wrong.push(`seed ${seed}: no OOM kill`);
      if ((m.availabilityAfterSlowdown as number) > 0.5 || m.recoveredAtMs !== null) wrong.push(`seed ${seed}: recovered (${m.availabilityAfterSlowdown} after the slowdown)`);
      const times = CHAIN.map((name) => r.checks.find((c) => c.name === name)!.firstFailedAtMs ?? null);
      const startMs = m.slowdownStartMs as number;
      if (times.some((t) => t === null) || times.some((t, i) => i > 0 && !(t! > times[i - 1]!)) || times[0]! < startMs) {
        wrong.push(`seed ${seed}: chain out of order: ${CHAIN.map((c, i) => `${c}@${times[i]}`).join(' ')}`);
      }
      // the cascade reaches every replica: the first four OOM kills are four different replicas
      const ooms = m.ooms as { node: string; atMs: number }[];
      if (!(ooms.length >= 4 && new Set(ooms.slice(0, 4).map((o) => o.node)).size === 4)) wrong.push(`seed ${seed}: not every replica was OOM-killed in the first wave`);
    }
    expect(wrong).toEqual([]);
  });

  it('each fix: no OOM kill, and back within the recovery bound after the slowdown (seed 1)', () => {
    for (const variant of ['bounded-queues', 'timeouts-retry-budget', 'adaptive-concurrency', 'more-headroom']) {
      const m = run(scenario, { seed: 1, variant }).metrics as Record<string, number | null>;
      expect(m.oomKills, variant).toBe(0);
      expect(m.recoveredAtMs! - m.slowdownEndMs!, variant).toBeLessThanOrEqual(m.recoveryBoundMs!);
    }
  });
});
