// Issue 6, item 6: on split-brain without fencing, `check` finds a lost acknowledged write within
// 200 runs and shrinks it to a plan of at most 2 faults that still fails when replayed; the fenced
// variant passes 200 runs.
import { describe, expect, it } from 'vitest';
import scenario from '../../scenarios/split-brain.ts';
import { run } from '../../sim/run/runner.ts';
import { checkScenario } from '../../sim/check/index.ts';

const invariants = ['no-lost-acknowledged-write'];

describe('check split-brain', () => {
  it('unfenced: finds a lost acknowledged write within 200 runs, shrinks it to at most 2 faults, and the plan replays', () => {
    const report = checkScenario(scenario, { variant: 'unfenced', runs: 200, seed: 1, invariants });
    expect(report.violation?.invariant).toBe('no-lost-acknowledged-write');
    expect(report.runs).toBeLessThanOrEqual(200);
    expect(report.faults!.length).toBeGreaterThanOrEqual(1);
    expect(report.faults!.length).toBeLessThanOrEqual(2);
    expect(report.violation!.confirmed).toBe(true);
    const replayed = run(scenario, { seed: report.violation!.runSeed, variant: 'unfenced', faults: JSON.parse(JSON.stringify(report.faults)) });
    expect(replayed.checks.find((c) => c.name === 'no-lost-acknowledged-write')!.status).toBe('fail');
    expect(replayed.traceHash).toBe(report.violation!.traceHash);
  });

  it('fenced-quorum: passes 200 runs of partitions, crashes, pauses and clock skew', () => {
    const report = checkScenario(scenario, { variant: 'fenced-quorum', runs: 200, seed: 1, invariants });
    expect(report.violation).toBeNull();
    expect(report.runs).toBe(200);
    expect(Object.keys(report.coverage).sort()).toEqual(['clock-skew', 'crash', 'partition', 'pause']);
    expect(Object.keys(report.coverage.crash!)).toContain('db-1');
  });
});
