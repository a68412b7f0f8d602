import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCommand } from '../../sim/cli/check-command.ts';
import { run } from '../../sim/run/runner.ts';
import { toyScenario } from './toy.ts';

const SCENARIO = 'test/check/toy-scenario.ts';

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await checkCommand(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s), isTTY: false });
  return { code, out, err };
}

describe('faultline check', () => {
  it('check <scenario> --json prints the report, writes the shrunk plan atomically and exits 1 on a violation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-check-'));
    const out = join(dir, 'plan.json');
    const r = await cli([SCENARIO, '--variant', 'buggy', '--runs', '200', '--seed', '42', '--kinds', 'toy-crash,toy-partition', '--horizon', '8s', '--json', '--out', out]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(Object.keys(report)).toEqual(['scenario', 'variant', 'seed', 'runs', 'coverage', 'violation', 'faults', 'replay']);
    expect(JSON.stringify(report.violation)).not.toMatch(/"(faults|plan)"/);
    expect(report.violation.invariant).toBe('no-lost-writes');
    expect(report.replay).toBe(`npm run faultline -- run ${SCENARIO} --seed ${report.violation.runSeed} --faults ${out}`);
    // the file holds exactly the shrunk plan; no temporary file is left behind
    const plan = JSON.parse(readFileSync(out, 'utf8'));
    expect(plan).toEqual(report.faults);
    expect(readdirSync(dir)).toEqual(['plan.json']);
    expect(r.err).toBe(`wrote ${out}\n`);
    const replayed = run(toyScenario, { seed: report.violation.runSeed, variant: 'buggy', faults: plan });
    expect(replayed.checks[0]!.status).toBe('fail');
  });

  it('exits 0 with coverage when no violation is found, and prints people-readable text without --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-check-'));
    const r = await cli([SCENARIO, '--variant', 'fixed', '--runs', '30', '--kinds', 'toy-crash,toy-partition', '--out', join(dir, 'p.json')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/toy-kv \(fixed\): 30 run\(s\), fast-check seed 1, no violation/);
    expect(r.out).toMatch(/toy-crash: n1×\d+, n2×\d+, n3×\d+/);
    expect(existsSync(join(dir, 'p.json'))).toBe(false);
    expect(r.err).toBe('');
  });

  it('--help prints usage and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: faultline check <scenario>/);
    expect(r.out).toMatch(/--kinds k1,k2/);
  });

  it.each([
    [[], /check: expected one scenario/],
    [[SCENARIO, '--runs', 'many'], /--runs: "many" is not an integer/],
    [[SCENARIO, '--runs'], /--runs needs a value/],
    [[SCENARIO, '--bogus'], /unknown flag --bogus/],
    [[SCENARIO, '--kinds', 'toy-crash,nope', '--horizon', '8s'], /unknown fault kind "nope"/],
    [[SCENARIO, '--variant', 'nope'], /no variant "nope"/],
    [[SCENARIO, '--seed', '-3'], /--seed/],
    // the toy scenario declares toy-delay, whose links a fault-free run does not reveal
    [[SCENARIO, '--variant', 'fixed'], /toy-delay needs target from links/],
    [['no-such-scenario'], /unknown scenario "no-such-scenario"/],
  ])('usage and input errors exit 2 with one line: %j', async (argv, message) => {
    const r = await cli(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.out).toBe('');
  });
});
