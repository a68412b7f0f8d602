// `faultline check --search-params`: the search varies declared params within their ranges and
// shrinks them toward their defaults; the report and the replay line carry the shrunk params.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli as faultline } from '../support/cli.ts';
import { parseArgs } from '../../sim/cli/args.ts';
import { run } from '../../sim/run/runner.ts';
import scenario from '../../scenarios/race-and-deadlock.ts';

/** `faultline check <argv>` in-process. */
const cli = async (argv: string[]) => {
  const r = await faultline(['check', ...argv]);
  return { code: r.code, out: r.stdout, err: r.stderr };
};

describe('faultline check --search-params', () => {
  it('finds the lost update of the racy design and shrinks it to two clients with one transfer each; the replay line reproduces it', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'faultline-search-')), 'plan.json');
    const r = await cli(['race-and-deadlock', '--variant', 'racy', '--search-params', 'clients,transfers', '--json', '--out', out]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(Object.keys(report)).toEqual(['scenario', 'variant', 'seed', 'runs', 'coverage', 'violation', 'faults', 'params', 'replay']);
    expect(report.params).toEqual({ clients: 2, transfers: 1 });
    expect(report.violation.invariant).toBe('no-lost-updates');
    expect(report.replay).toBe(`npm run faultline -- run race-and-deadlock --seed ${report.violation.runSeed} --param clients=2 --param transfers=1 --faults ${out}`);
    // the replay line, as `run` parses it, fails the same way
    const words = report.replay.split(' ').slice(4);
    const args = parseArgs(words.slice(1), { seed: { type: 'string', help: '' }, param: { type: 'list', help: '' }, faults: { type: 'string', help: '' } }, 'run');
    const params = Object.fromEntries((args.flags.param as string[]).map((kv) => [kv.split('=')[0], Number(kv.split('=')[1])]));
    const replayed = run(scenario, { seed: Number(args.flags.seed), variant: 'racy', params, faults: report.faults });
    expect(replayed.checks.find((c) => c.name === 'no-lost-updates')!.status).toBe('fail');
    expect(replayed.traceHash).toBe(report.violation.traceHash);
  });

  it('text output names the shrunk params; without a violation the repeat line carries --search-params', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-search-'));
    const bad = await cli(['race-and-deadlock', '--variant', 'deadlock', '--search-params', 'clients', '--out', join(dir, 'a.json')]);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/violation: no-stuck-workers/);
    expect(bad.out).toMatch(/deadlock: bank\/transfer#\d waits for accounts:account-[ab] held by bank\/transfer#\d, which waits for/);
    expect(bad.out).toMatch(/^params \(searched, shrunk toward the variant's values\): clients=2$/m);
    const ok = await cli(['race-and-deadlock', '--variant', 'lock-ordering', '--search-params', 'clients', '--runs', '20', '--out', join(dir, 'b.json')]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/repeat: npm run faultline -- check race-and-deadlock --seed 1 --runs 20 --variant lock-ordering --search-params clients$/m);
  });

  it.each([
    [['race-and-deadlock', '--search-params', 'clients,nope'], /^faultline: --search-params: scenario race-and-deadlock has no param "nope"; searchable params of race-and-deadlock: design, clients, transfers, /],
    [['test/check/unranged-scenario.ts', '--search-params', 'jitterMs'], /^faultline: --search-params: param jitterMs declares no range \(min and max\) to search within; searchable params of toy-kv: writeEveryMs, explode\n$/],
    [['race-and-deadlock', '--search-params', ','], /^faultline: --search-params: give at least one param name/],
    [['race-and-deadlock', '--search-params', 'clients', '--param', 'clients=3'], /^faultline: --search-params: clients is also set with --param/],
    [['race-and-deadlock', '--search-params', 'clients,clients'], /a param is named twice/],
  ])('bad input exits 2 with one line naming what is valid: %j', async (argv, message) => {
    const r = await cli(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.out).toBe('');
  });
});
