// Swarm testing (`check --swarm`): each run draws a subset of the fault kinds and an intensity for
// each from named streams of the check's seed; the report lists the mixes and which found what.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import splitBrain from '../../scenarios/split-brain.ts';
import { checkScenario, faultPlan } from '../../sim/check/index.ts';
import { drawSwarmMix, SWARM_INTENSITIES, type CheckReport } from '../../sim/check/property.ts';
import { faultKindSpec } from '../../sim/faults/plan.ts';
import { RandomStreams } from '../../sim/kernel/random.ts';
import { cli as faultline } from '../support/cli.ts';
import '../../sim/faults/register.ts';

const TOY = 'test/check/toy-scenario.ts';

/** `faultline check <argv>` in-process. */
const cli = async (argv: string[]) => {
  const r = await faultline(['check', ...argv]);
  return { code: r.code, out: r.stdout, err: r.stderr };
};

function expectConsistentMixes(report: CheckReport): void {
  const mixes = report.mixes!;
  expect(mixes.reduce((n, m) => n + m.runs, 0)).toBe(report.runs);
  for (const m of mixes) {
    expect(m.kinds.length).toBeGreaterThan(0);
    expect(report.space.kinds).toEqual(expect.arrayContaining(m.kinds));
    expect(m.violations).toBeLessThanOrEqual(m.runs);
    expect(m.invariants.length > 0).toBe(m.violations > 0);
  }
  expect(new Set(mixes.map((m) => m.kinds.join('+'))).size).toBe(mixes.length);
}

describe('swarm mixes', () => {
  it('a mix is a non-empty subset of the kinds in declared order, each kind in about half the mixes, with intensities from the swarm levels', () => {
    const kinds = ['partition', 'crash', 'pause', 'clock-skew'];
    const streams = new RandomStreams(7);
    const counts = new Map(kinds.map((k) => [k, 0]));
    const n = 400;
    for (let i = 0; i < n; i++) {
      const m = drawSwarmMix(streams.get(`swarm/run/${i}`), kinds);
      expect(m.kinds.length).toBeGreaterThan(0);
      expect(m.kinds).toEqual(kinds.filter((k) => m.kinds.includes(k)));
      expect(Object.keys(m.intensities)).toEqual(m.kinds);
      for (const x of Object.values(m.intensities)) expect(SWARM_INTENSITIES).toContain(x);
      for (const k of m.kinds) counts.set(k, counts.get(k)! + 1);
    }
    // each kind is in with probability 1/2 (plus a little from the empty draws): within 4 binomial σ (σ = 10 at n = 400)
    for (const k of kinds) expect(Math.abs(counts.get(k)! - n / 2 - n / 64)).toBeLessThan(45);
    // the draws are the seed's, through the named stream
    expect(drawSwarmMix(new RandomStreams(7).get('swarm/run/3'), kinds)).toEqual(drawSwarmMix(new RandomStreams(7).get('swarm/run/3'), kinds));
  });

  it('an intensity keeps number fields in the low share of their range and `for` in that share of its longest', () => {
    const field = faultKindSpec('link-loss')!.fields.percent as { min?: number; max?: number };
    const [lo, hi] = [field.min ?? 0, field.max ?? 100];
    const arb = faultPlan({ kinds: ['link-loss'], targets: { nodes: ['a', 'b'] }, horizon: '10s', maxFaults: 3, intensities: { 'link-loss': 0.25 } });
    const plans = fc.sample(arb, { seed: 3, numRuns: 200 });
    const entries = plans.flat();
    expect(entries.length).toBeGreaterThan(50);
    for (const e of entries) {
      if (e.percent !== undefined) expect(e.percent as number).toBeLessThanOrEqual(lo + 0.25 * (hi - lo));
      expect(e.for!).toBeLessThanOrEqual(2_500_000);
    }
    expect(() => faultPlan({ kinds: ['link-loss'], targets: {}, horizon: '10s', intensities: { 'link-loss': 2 } })).toThrow('intensity 2 of kind link-loss is not valid; use a number in (0, 1]');
  });
});

describe('check --swarm', () => {
  // the unfenced variant expects its lost-write check to fail, so the search is told to judge it
  it('split-brain, unfenced: reports its mixes and finds the violation, shrunk within the mix that found it', () => {
    const report = checkScenario(splitBrain, { variant: 'unfenced', runs: 150, swarm: true, shrinkRunsMax: 40, invariants: ['no-lost-acknowledged-write'] });
    expectConsistentMixes(report);
    const v = report.violation!;
    expect(v).not.toBeNull();
    expect(v.confirmed).toBe(true);
    expect(v.mix!.kinds.length).toBeGreaterThan(0);
    const found = report.mixes!.find((m) => m.kinds.join('+') === v.mix!.kinds.join('+'))!;
    expect(found.violations).toBeGreaterThan(0);
    expect(found.invariants).toContain(v.invariant);
    // the shrunk plan uses only kinds of that mix
    for (const e of report.faults!) expect(v.mix!.kinds).toContain(e.kind);
    expect(report.replay).not.toContain('--swarm'); // a violation replays as a plain run
  });

  it('the CLI prints mixes as JSON and as text; violations of the toy store only come from mixes with both a crash and a partition', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-swarm-'));
    const argv = [TOY, '--variant', 'buggy', '--kinds', 'toy-crash,toy-partition', '--horizon', '8s', '--swarm', '--runs', '40', '--out', join(dir, 'p.json')];
    const j = await cli([...argv, '--json']);
    expect(j.code).toBe(1);
    const report = JSON.parse(j.out);
    expect(Object.keys(report)).toEqual(['scenario', 'variant', 'seed', 'runs', 'coverage', 'violation', 'faults', 'mixes', 'replay']);
    for (const m of report.mixes) expect(Object.keys(m)).toEqual(['kinds', 'runs', 'violations', 'invariants']);
    expect(report.mixes.map((m: { kinds: string[] }) => m.kinds.join('+')).sort()).toEqual(['toy-crash', 'toy-crash+toy-partition', 'toy-partition']);
    for (const m of report.mixes) if (m.violations > 0) expect(m.kinds).toEqual(['toy-crash', 'toy-partition']);
    // the same seed, the same search: the text form names the same failing run
    const t = await cli(argv);
    expect(t.out).toContain(`run seed ${report.violation.runSeed}; fast-check seed 1`);
    expect(t.out).toMatch(/^swarm: 40 run\(s\) in 3 mix\(es\) of toy-crash, toy-partition; 1 mix\(es\) found a violation:$/m);
    expect(t.out).toMatch(/^ {2}toy-crash\+toy-partition +\d+ run\(s\) +[1-9]\d* violation\(s\) {2}no-lost-writes$/m);
    expect(t.out).toMatch(/^found in swarm run \d+, mix toy-crash \(intensity [\d.]+\), toy-partition \(intensity [\d.]+\)$/m);
  });

  it('without a violation the repeat line carries --swarm; another seed draws other mixes', async () => {
    const a = checkScenario(splitBrain, { variant: 'fenced-quorum', runs: 12, swarm: true, invariants: ['no-lost-acknowledged-write'] });
    expect(a.violation).toBeNull();
    expectConsistentMixes(a);
    expect(a.replay).toMatch(/ --swarm$/);
    const b = checkScenario(splitBrain, { variant: 'fenced-quorum', runs: 12, swarm: true, seed: 2, invariants: ['no-lost-acknowledged-write'] });
    expect(JSON.stringify(b.mixes)).not.toBe(JSON.stringify(a.mixes));
  });

  it.each([
    [['mmc-queue', '--swarm'], /^faultline: --swarm: scenario mmc-queue declares no faultKinds to draw mixes from; give the kinds \(--kinds k1,k2; registered kinds: crash, /],
    [[TOY, '--swarm', '--invariants', 'nope', '--kinds', 'toy-crash'], /^faultline: scenario toy-kv has no check "nope"; checks: no-lost-writes/],
  ])('bad input exits 2 with one line naming what is valid: %j', async (argv, message) => {
    const r = await cli(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});
