// split-brain's clients record their operations in the trace; the linearizability checker, fed
// the history rebuilt from those records, rejects the unfenced design and accepts the fenced one
// on seeds 1..20.
import { describe, expect, it } from 'vitest';
import scenario from '../../scenarios/split-brain.ts';
import { runDetailed } from '../../sim/run/runner.ts';
import { checkLinearizable, historyFromRecords } from '../../sim/check/index.ts';

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
// a run's history needs a few hundred search steps; the bound keeps a regression from hanging the suite
const searchMax = 20_000;

const historyOf = (variant: string, seed: number, traceLevel: 'summary' | 'off' = 'summary') => historyFromRecords(runDetailed(scenario, { seed, variant, traceLevel }).records);

describe('split-brain histories', () => {
  it('are kept in the trace at level summary (invoke, then ok, fail or info per operation), and not at level off', () => {
    const ops = historyOf('unfenced', 1);
    expect(ops.length).toBeGreaterThan(200);
    expect(new Set(ops.map((o) => o.process))).toEqual(new Set(['client-1', 'client-2', 'client-3']));
    expect(new Set(ops.map((o) => o.op))).toEqual(new Set(['read', 'write']));
    for (const o of ops) if (o.completeUs !== null) expect(o.completeUs).toBeGreaterThanOrEqual(o.invokeUs);
    expect(ops.some((o) => o.outcome === 'info')).toBe(true);
    expect(historyOf('unfenced', 1, 'off')).toEqual([]);
  });

  it('the linearizability checker rejects the unfenced variant’s history and accepts the fenced one’s, on seeds 1..20', () => {
    const verdicts = (variant: string): string[] => SEEDS.map((seed) => checkLinearizable(historyOf(variant, seed), { searchMax }).status);
    expect(verdicts('unfenced')).toEqual(SEEDS.map(() => 'fail'));
    expect(verdicts('fenced-quorum')).toEqual(SEEDS.map(() => 'ok'));
  });

  it('the wall-clock lease variant loses nothing but serves stale reads while two leases overlap', () => {
    const r = runDetailed(scenario, { seed: 1, variant: 'wall-clock-lease', traceLevel: 'summary' });
    expect(r.result.metrics.writesLost).toBe(0);
    const overlap = r.records.filter((x) => x.kind === 'lease-overlap');
    expect(overlap.length).toBeGreaterThan(0);
    const lin = checkLinearizable(historyFromRecords(r.records), { searchMax });
    expect(lin.status).toBe('fail');
    // the read no order explains is client-1's, on the isolated db-1, during the overlap
    expect(lin.operation!.process).toBe('client-1');
    expect(lin.operation!.op).toBe('read');
  });
});
