import { describe, expect, it } from 'vitest';
import { InputError } from '../../sim/kernel/errors.ts';
import { run } from '../../sim/run/runner.ts';
import { checkScenario, formatCheckReport, type CheckProgress } from '../../sim/check/index.ts';
import { TOY_LINKS, TOY_NODES, toyScenario } from './toy.ts';

const targets = { nodes: TOY_NODES, links: TOY_LINKS };

describe('checkScenario', () => {
  it('finds lost acknowledged writes on the buggy variant, shrinks them to a crash overlapping a partition, and the plan replays', () => {
    const report = checkScenario(toyScenario, {
      variant: 'buggy',
      runs: 200,
      seed: 42,
      faults: { kinds: ['toy-crash', 'toy-partition', 'toy-delay'], targets, maxFaults: 4 },
    });
    expect(report.violation).not.toBeNull();
    const v = report.violation!;
    expect(v.invariant).toBe('no-lost-writes');
    expect(v.confirmed).toBe(true);
    expect(report.runs).toBeLessThanOrEqual(200);
    // minimal: one crash and one partition, nothing else
    expect(report.faults!.map((f) => f.kind).sort()).toEqual(['toy-crash', 'toy-partition']);
    expect(v.faultCountBeforeShrink).toBeGreaterThanOrEqual(2);
    // shrunk toward shorter: the two overlap for one step of the time grid, when a write completes
    for (const f of report.faults!) expect(f.for).toBe('1ms');
    expect(report.faults![0]!.at).toBe(report.faults![1]!.at);
    expect(report.replay).toBe(`npm run faultline -- run toy-kv --seed ${v.runSeed} --faults plan.json`);

    // the plan, as written to plan.json, replays to the same failure
    const replayed = run(toyScenario, { seed: v.runSeed, variant: 'buggy', faults: JSON.parse(JSON.stringify(report.faults)) });
    const check = replayed.checks.find((c) => c.name === 'no-lost-writes')!;
    expect(check.status).toBe('fail');
    expect(replayed.traceHash).toBe(v.traceHash);
    expect(formatCheckReport(report)).toMatch(/violation: no-lost-writes[\s\S]*replayed: fails the same way[\s\S]*fast-check seed 42, path/);
  });

  it('passes the fixed variant and reports which kinds hit which targets', () => {
    const report = checkScenario(toyScenario, {
      variant: 'fixed',
      runs: 60,
      seed: 1,
      faults: { targets, horizon: '8s' },
    });
    expect(report.violation).toBeNull();
    expect(report.faults).toBeNull();
    expect(report.runs).toBe(60);
    // kinds default to the scenario's declared faultKinds
    expect(Object.keys(report.coverage)).toEqual(['toy-crash', 'toy-delay', 'toy-partition']);
    expect(Object.keys(report.coverage['toy-crash']!).sort()).toEqual(TOY_NODES);
    expect(Object.keys(report.coverage['toy-delay']!).every((t) => TOY_LINKS.includes(t))).toBe(true);
    expect(report.replay).toBe('npm run faultline -- check toy-kv --seed 1 --runs 60 --variant fixed');
    expect(formatCheckReport(report)).toMatch(/no violation/);
  });

  it('is deterministic: the same options give the same report', () => {
    const o = { variant: 'buggy', runs: 50, seed: 9, faults: { targets, horizon: '8s' } };
    expect(JSON.stringify(checkScenario(toyScenario, o))).toBe(JSON.stringify(checkScenario(toyScenario, o)));
  });

  it('goes straight to a reported counterexample with { seed, path }', () => {
    const o = { variant: 'buggy', runs: 200, seed: 42, faults: { kinds: ['toy-crash', 'toy-partition'], targets, horizon: '8s' } };
    const first = checkScenario(toyScenario, o);
    const again = checkScenario(toyScenario, { ...o, path: first.violation!.path });
    expect(again.faults).toEqual(first.faults);
    expect(again.violation!.runSeed).toBe(first.violation!.runSeed);
  });

  it('discovers targets and the horizon from a fault-free run when not given', () => {
    const report = checkScenario(toyScenario, { variant: 'fixed', runs: 20, faults: { kinds: ['toy-crash'] } });
    expect(report.space.targets.nodes).toEqual(TOY_NODES);
    expect(report.space.horizonMs).toBe(8000);
    expect(report.violation).toBeNull();
  });

  it('liveness mode heals at the horizon and finds a node that never comes back', () => {
    const bad = checkScenario(toyScenario, {
      variant: 'no-recovery',
      runs: 100,
      seed: 3,
      invariants: ['liveness'],
      liveness: { healKind: 'toy-heal', within: '1s', slo: { availabilityMin: 0.99 } },
      faults: { kinds: ['toy-crash', 'toy-partition'], targets },
    });
    expect(bad.space.horizonMs).toBe(5000);
    expect(bad.violation?.invariant).toBe('liveness');
    expect(bad.violation?.confirmed).toBe(true);
    // the heal entry is part of the replayable plan
    expect(bad.faults!.map((f) => f.kind)).toEqual(['toy-crash', 'toy-heal']);
    expect(bad.faults![1]!.at).toBe('5s');

    // a node that stays down until healed recovers in liveness mode, and only thanks to the heal
    const liveness = { healKind: 'toy-heal', within: '1s', slo: { availabilityMin: 0.99 } };
    const sticky = { variant: 'sticky', runs: 40, seed: 3, invariants: ['liveness'], faults: { kinds: ['toy-crash'], targets } };
    expect(checkScenario(toyScenario, { ...sticky, liveness }).violation).toBeNull();
    expect(checkScenario(toyScenario, { ...sticky, liveness: { ...liveness, healKind: null } }).violation?.invariant).toBe('liveness');

    const good = checkScenario(toyScenario, {
      variant: 'fixed',
      runs: 40,
      seed: 3,
      liveness: { healKind: 'toy-heal', within: '1s', slo: { availabilityMin: 0.99 } },
      invariants: ['liveness'],
      faults: { kinds: ['toy-crash', 'toy-partition'], targets },
    });
    expect(good.violation).toBeNull();
  });

  it('judges invariants of your own, and reports unknown outcomes as inconclusive', () => {
    const report = checkScenario(toyScenario, {
      variant: 'fixed',
      runs: 30,
      faults: { kinds: ['toy-crash'], targets, horizon: '8s' },
      invariants: [
        { name: 'some-requests', check: (r) => r.result.metrics.requests > 0 },
        { name: 'never-sure', check: () => ({ status: 'unknown', detail: 'cannot tell' }) },
        { name: 'no-long-crash', check: (r) => !r.plan.some((e) => e.kind === 'toy-crash' && e.for! > 2_000_000) },
      ],
    });
    expect(report.inconclusive['never-sure']).toBeGreaterThan(0);
    expect(report.violation?.invariant).toBe('no-long-crash');
    expect(report.faults).toEqual([{ at: '5.999s', kind: 'toy-crash', target: 'n1', for: '2.001s' }]);
  });

  it('turns a model that throws into a run-error violation', () => {
    const report = checkScenario(toyScenario, {
      variant: 'fixed',
      runs: 5,
      params: { explode: true },
      faults: { kinds: ['toy-crash'], targets, horizon: '8s' },
    });
    expect(report.violation?.invariant).toBe('run-error');
    expect(report.violation?.detail).toMatch(/toy model assertion/);
    expect(report.faults).toEqual([]);
    expect(report.replay).toMatch(/--param explode=true --faults plan.json$/);
  });

  it('stops with the InputError when runs reject the input, and validates its options', () => {
    expect(() => checkScenario(toyScenario, { runs: 20, faults: { kinds: ['toy-crash'], targets: { nodes: ['ghost'] }, horizon: '8s' } })).toThrow(
      /no node ghost/,
    );
    expect(() => checkScenario(toyScenario, { variant: 'nope' })).toThrow(InputError);
    expect(() => checkScenario(toyScenario, { invariants: ['nope'], faults: { targets, horizon: '8s' } })).toThrow(/no check "nope"/);
    expect(() => checkScenario(toyScenario, { runs: 0 })).toThrow(/runs=0/);
    expect(() => checkScenario(toyScenario, { faults: { kinds: ['crashh'], targets } })).toThrow(/unknown fault kind "crashh"/);
  });

  it('bounds shrinking and reports progress', () => {
    const seen: CheckProgress[] = [];
    const report = checkScenario(toyScenario, {
      variant: 'buggy',
      runs: 200,
      seed: 42,
      shrinkRunsMax: 3,
      faults: { kinds: ['toy-crash', 'toy-partition'], targets, horizon: '8s', maxFaults: 6 },
      onProgress: (p) => seen.push(p),
    });
    expect(report.violation!.shrinkRuns).toBe(3);
    expect(report.violation!.confirmed).toBe(true);
    expect(seen.some((p) => p.phase === 'explore')).toBe(true);
    expect(seen.filter((p) => p.phase === 'shrink').length).toBeGreaterThanOrEqual(1);
    expect(seen.at(-1)!.phase).toBe('confirm');
    expect(seen.at(-1)!.violation).toBe('no-lost-writes');
  });
});
