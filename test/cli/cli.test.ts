// The faultline command as a user runs it: a child process, exit codes, one-line errors.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/faultline.mjs', import.meta.url));

function faultline(args: string[], cwd?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const quick = ['--param', 'customers=2000'];

describe('faultline CLI', () => {
  it('list --json prints [{ name, title, variants, params }]', () => {
    const r = faultline(['list', '--json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { name: string; title: string; variants: string[]; params: object }[];
    const mmc = list.find((s) => s.name === 'mmc-queue')!;
    expect(Object.keys(mmc)).toEqual(['name', 'title', 'variants', 'params']);
    expect(mmc.variants).toEqual(['mm4-rho-80', 'mm1-rho-80']);
  });

  it('run --json prints a RunResult and exits 0 when outcomes are as expected', () => {
    const r = faultline(['run', 'mmc-queue', '--seed', '4', '--json', ...quick]);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.scenario).toBe('mmc-queue');
    expect(res.seed).toBe(4);
    expect(res.replay).toBe('npm run faultline -- run mmc-queue --seed 4 --param customers=2000');
  });

  it('run --all-variants --json prints an array of RunResults on the same seed', () => {
    const r = faultline(['run', 'mmc-queue', '--all-variants', '--json', ...quick]);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout) as { variant: string; seed: number }[];
    expect(res.map((x) => x.variant)).toEqual(['mm4-rho-80', 'mm1-rho-80']);
    expect(new Set(res.map((x) => x.seed)).size).toBe(1);
  });

  it('every command has --help', () => {
    for (const cmd of ['list', 'run', 'faults']) {
      const r = faultline([cmd, '--help']);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`Usage: faultline ${cmd}`));
    }
    expect(faultline(['--help']).stdout).toMatch(/Commands:/);
  });

  const usageErrors: [string[], RegExp][] = [
    [['run', 'no-such-scenario'], /unknown scenario "no-such-scenario"; built-in scenarios: .*mmc-queue/],
    [['run', 'mmc-queu'], /did you mean mmc-queue\?/],
    [['run', 'mmc-queue', '--variant', 'nope'], /no variant "nope"; variants: mm4-rho-80, mm1-rho-80/],
    [['run', 'mmc-queue', '--param', 'nope=1'], /no param "nope"; params: arrivalRatePerSec/],
    [['run', 'mmc-queue', '--param', 'servers=0'], /servers=0 is below the minimum; valid: an integer in \[1, 10000\]/],
    [['run', 'mmc-queue', '--param', 'servers=4x'], /"4x" is not a number/],
    [['run', 'mmc-queue', '--param', 'servers=NaN'], /"NaN" is not a number/],
    [['run', 'mmc-queue', '--seed'], /--seed needs a value/],
    [['run', 'mmc-queue', '--seed', '-1'], /--seed: -1 is not an integer/],
    [['run', 'mmc-queue', '--frobnicate'], /unknown flag --frobnicate/],
    [['run', 'mmc-queue', '--faults', '/nonexistent/plan.json'], /cannot read \/nonexistent\/plan.json/],
    [['run'], /expected one scenario/],
    [['explode'], /unknown command "explode"/],
    [['replya'], /unknown command "replya"; did you mean "replay"\?.*commands: list, run, sweep, merge, check, diff, replay, faults, play, init/],
  ];
  for (const [args, message] of usageErrors) {
    it(`${args.join(' ')} → exit 2 with a one-line error`, () => {
      const r = faultline(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    });
  }

  it('a bad fault plan names the entry index, the field, the value and what is valid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-'));
    const plan = join(dir, 'plan.json');
    writeFileSync(plan, JSON.stringify([{ at: '1s', kind: 'meteor-strike' }]));
    const r = faultline(['run', 'mmc-queue', '--faults', plan, ...quick]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/fault plan entry 0: kind="meteor-strike" is not valid; valid kinds: /);
    writeFileSync(plan, '{ not json');
    expect(faultline(['run', 'mmc-queue', '--faults', plan]).stderr).toMatch(/is not valid JSON/);
  });

  it('a runaway run stops on its budget with exit 1 and names the budget, seed and time', () => {
    const r = faultline(['run', 'mmc-queue', '--seed', '9', '--budget', 'eventsMax=500']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/run budget eventsMax=500 exceeded at simulated time [\d.]+ ms \(seed 9\)/);
  });

  it('--trace streams the full trace to a JSONL file, atomically', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-'));
    const file = join(dir, 'sub', 'trace.jsonl');
    const r = faultline(['run', 'mmc-queue', '--trace', file, ...quick]);
    expect(r.code).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ kind: 'trace-header', scenario: 'mmc-queue' });
    expect(lines[1]).toMatchObject({ time: 0, kind: 'run-start', scenario: 'mmc-queue' });
    expect(lines.filter((l) => l.kind === 'request')).toHaveLength(2000);
    expect(lines.at(-2).kind).toBe('run-end');
    expect(lines.at(-1)).toMatchObject({ kind: 'trace-footer', records: lines.length - 2 });
    expect(readdirSync(join(dir, 'sub'))).toEqual(['trace.jsonl']); // no temp file left behind
  });

  it("runs a user's own scenario file from outside the repository, importing 'faultline'", () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-user-'));
    const file = join(dir, 'my-service.ts');
    writeFileSync(
      file,
      `import { defineScenario } from 'faultline';
export default defineScenario({
  name: 'my-service',
  title: 'My service',
  description: 'A user-defined scenario.',
  params: { requests: { type: 'number', default: 100, min: 1, integer: true } },
  build({ sim, random, params, requests }) {
    const r = random.get('latency');
    for (let i = 0; i < params.requests; i++) {
      sim.schedule(i * 1000, () => requests.record(sim.now, r.bernoulli(0.99), r.exponential(5000)), null);
    }
  },
  checks: [{ name: 'availability', check: ({ metrics }) => metrics.availability >= 0.9 }],
});
`,
    );
    const r = faultline(['run', './my-service.ts', '--json'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.scenario).toBe('my-service');
    expect(res.metrics.requests).toBe(100);
    expect(res.replay).toMatch(/run \.\/my-service\.ts --seed 1/);
    expect(existsSync(file)).toBe(true);
  });

  it('--report and --perfetto write a self-contained HTML report and a Chrome Trace Event file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-report-'));
    const html = join(dir, 'out', 'report.html');
    const perfetto = join(dir, 'out', 'trace.json');
    const r = faultline(['run', 'mmc-queue', '--all-variants', '--report', html, '--perfetto', perfetto, ...quick]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote report: ${html}`);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/i);
    expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+href=["']https?:/i);
    const trace = JSON.parse(readFileSync(perfetto, 'utf8'));
    expect(Array.isArray(trace.traceEvents)).toBe(true);
    expect(trace.traceEvents.length).toBeGreaterThan(0);
  });
});
