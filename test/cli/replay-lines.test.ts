// Replays that replay: the "replay:" lines printed by run, sweep and check are quoted for a shell,
// start `npm run faultline --` in this repository and `npx faultline` elsewhere, name plan files
// that exist, and executing them through a shell gives the same exit code and trace hash.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandLine, fileWord, insideCheckout, shellQuote } from '../../sim/run/replay-line.ts';
import { checkCommand } from '../../sim/cli/check-command.ts';
import { EXAMPLE_PRICES } from '../../sim/world/cost.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const BIN = join(ROOT, 'bin', 'faultline.mjs');
const INDEX = join(ROOT, 'sim', 'index.ts');
const base = realpathSync(mkdtempSync(join(tmpdir(), 'faultline replays-')));
const dir = join(base, "it's here"); // a space and a quote in every path below
mkdirSync(dir);
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A scenario whose one check fails on about half the seeds; an enum param whose values need quotes. */
const SCENARIO = `import { defineScenario } from ${JSON.stringify(INDEX)};
export default defineScenario({
  name: 'coin',
  title: 'coin',
  description: 'one request, ok on a coin flip',
  params: { label: { type: 'enum', default: 'plain', values: ['plain', "it's \\"quoted\\" & spaced"] } },
  variants: { a: {}, b: {} },
  build({ sim, random, requests, params }) {
    const ok = random.get('coin' + params.label).next() < 0.5;
    sim.schedule(1000, () => requests.record(sim.now, ok, 1000), null);
  },
  checks: [{ name: 'all-ok', check: ({ metrics }) => metrics.availability === 1 }],
});
`;
const file = join(dir, 'coin flip.ts');
writeFileSync(file, SCENARIO);

function sh(line: string, cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('/bin/sh', ['-c', line], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function faultline(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const hashOf = (stdout: string): string | undefined => /^trace hash: (\S+)$/m.exec(stdout)?.[1];
const replayOf = (stdout: string): string => /^replay: (.*)$/m.exec(stdout)![1]!;
/** Outside this repository the line starts `npx faultline`; run it with this checkout's command instead (no registry). */
const local = (line: string): string => {
  expect(line.startsWith('npx faultline ')).toBe(true);
  return `${shellQuote(process.execPath)} ${shellQuote(BIN)} ${line.slice('npx faultline '.length)}`;
};

describe('replay lines', () => {
  it('quote words for a shell and choose the command by where they are typed', () => {
    expect(shellQuote('plain-word_1.ts')).toBe('plain-word_1.ts');
    expect(shellQuote("it's a b")).toBe(`'it'\\''s a b'`);
    expect(shellQuote('')).toBe("''");
    expect(insideCheckout(ROOT)).toBe(true);
    expect(insideCheckout(join(ROOT, 'examples'))).toBe(true);
    expect(insideCheckout(base)).toBe(false);
    expect(commandLine(['run', 'a b.ts'], ROOT)).toBe("npm run faultline -- run 'a b.ts'");
    expect(commandLine(['run', 'a b.ts'], base)).toBe("npx faultline run 'a b.ts'");
    // npm run runs from the checkout's root: a path typed in a subfolder is rewritten for it
    expect(fileWord('checkout.ts', join(ROOT, 'examples'))).toBe('examples/checkout.ts');
    expect(fileWord('plan.json', ROOT)).toBe('plan.json');
    expect(fileWord('./x.json', base)).toBe('./x.json');
  });

  it('run, outside the repository: the printed npx line reproduces the exit code and the hash', () => {
    const r = faultline(['run', './coin flip.ts', '--seed', '5', '--variant', 'b', '--param', `label=it's "quoted" & spaced`], dir);
    expect(r.stderr).toBe('');
    const line = replayOf(r.stdout);
    expect(line).toBe(`npx faultline run './coin flip.ts' --seed 5 --variant b --param 'label=it'\\''s "quoted" & spaced'`);
    const again = sh(local(line), dir);
    expect(again.stderr).toBe('');
    expect([again.code, hashOf(again.stdout)]).toEqual([r.code, hashOf(r.stdout)]);
  });

  it('run, inside the repository: the printed npm run line reproduces it', () => {
    const r = faultline(['run', file, '--seed', '5', '--param', `label=it's "quoted" & spaced`], ROOT);
    const line = replayOf(r.stdout);
    expect(line.startsWith(`npm run faultline -- run ${shellQuote(file)} --seed 5 --param `)).toBe(true);
    const again = sh(line, ROOT);
    expect([again.code, hashOf(again.stdout)]).toEqual([r.code, hashOf(r.stdout)]);
  });

  it('sweep: each unexpected seed prints a replay that fails the same way, with the same hash', () => {
    const r = faultline(['sweep', './coin flip.ts', '--seeds', '1..8', '--workers', '1', '--param', `label=it's "quoted" & spaced`, '--json'], dir);
    const report = JSON.parse(r.stdout) as { runs: { seed: number; traceHash: string; checks: { status: string }[]; replay: string }[] };
    const failing = report.runs.find((x) => x.checks[0]!.status === 'fail')!;
    const passing = report.runs.find((x) => x.checks[0]!.status === 'ok')!;
    for (const row of [failing, passing]) {
      const again = sh(local(row.replay), dir);
      expect([again.code, hashOf(again.stdout)]).toEqual([row === failing ? 1 : 0, row.traceHash]);
    }
  }, 30_000);

  it('check: writes the shrunk plan where its replay says, and the replay fails the same way', async () => {
    const out = join(dir, 'shrunk plan.json');
    let stdout = '';
    const code = await checkCommand(
      ['test/check/toy-scenario.ts', '--variant', 'buggy', '--runs', '200', '--seed', '42', '--kinds', 'toy-crash,toy-partition', '--horizon', '8s', '--out', out],
      { stdout: (s) => void (stdout += s), stderr: () => undefined, isTTY: false },
    );
    expect(code).toBe(1);
    expect(stdout).toContain(`\nwrote ${out}\n`);
    expect(existsSync(out)).toBe(true);
    const line = replayOf(stdout);
    expect(line).toMatch(/^npm run faultline -- run test\/check\/toy-scenario\.ts --seed \S+ --faults '.*shrunk plan\.json'$/);
    const again = sh(line, ROOT);
    expect(again.code).toBe(1); // check's exit code: the violation is one the variant does not expect
    expect(again.stdout).toMatch(/FAIL \(expected ok\) {2}no-lost-writes/);
  }, 60_000);
});

describe('replay lines carry what changes the outcome', () => {
  // a price table that doubles every node's price: the cost metrics differ from the default table's
  const prices = join(dir, 'my prices.json');
  const doubled = { ...EXAMPLE_PRICES, nodeTypes: Object.fromEntries(Object.entries(EXAMPLE_PRICES.nodeTypes).map(([k, v]) => [k, { ...v, perHour: v.perHour * 2 }])) };
  writeFileSync(prices, JSON.stringify(doubled));
  const costOf = (stdout: string): unknown => (JSON.parse(stdout) as { metrics: { costPerHourUsd: unknown } }).metrics.costPerHourUsd;

  it('run --prices: the line names the price table, and gives the same cost, hash and exit code', () => {
    const r = faultline(['run', 'retry-storm', '--param', 'durationMs=5000', '--prices', prices, '--json'], dir);
    const result = JSON.parse(r.stdout) as { replay: string; traceHash: string };
    expect(result.replay).toContain(` --prices ${shellQuote(prices)}`);
    const again = sh(`${local(result.replay)} --json`, dir);
    expect([again.code, costOf(again.stdout), (JSON.parse(again.stdout) as { traceHash: string }).traceHash]).toEqual([r.code, costOf(r.stdout), result.traceHash]);
    expect(costOf(r.stdout)).not.toEqual(costOf(faultline(['run', 'retry-storm', '--param', 'durationMs=5000', '--json'], dir).stdout));
  }, 30_000);

  it("sweep --prices: each row's line names the price table", () => {
    const r = faultline(['sweep', 'retry-storm', '--seeds', '1..1', '--workers', '1', '--param', 'durationMs=5000', '--prices', prices, '--json'], dir);
    const row = (JSON.parse(r.stdout) as { runs: { replay: string; metrics: { costPerHourUsd: unknown } }[] }).runs[0]!;
    expect(row.replay).toContain(` --prices ${shellQuote(prices)}`);
    const again = sh(`${local(row.replay)} --json`, dir);
    expect(costOf(again.stdout)).toEqual(row.metrics.costPerHourUsd);
  }, 30_000);

  it('check --liveness: the replay of a liveness violation judges liveness too, and fails as the search did', async () => {
    const out = join(dir, 'live plan.json');
    let stdout = '';
    const code = await checkCommand(
      ['test/check/toy-scenario.ts', '--variant', 'no-recovery', '--liveness', '--runs', '30', '--kinds', 'toy-crash', '--out', out],
      { stdout: (s) => void (stdout += s), stderr: () => undefined, isTTY: false },
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(/violation: liveness/);
    const line = replayOf(stdout);
    expect(line).toMatch(/ --liveness$/);
    const again = sh(line, ROOT);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/FAIL \(expected ok\) {2}liveness: no recovery/);
  }, 60_000);
});

describe('check counts only violations the variant does not expect', () => {
  it('a variant that expects its only check to fail has nothing to explore: exit 0, and it says so', async () => {
    let stdout = '';
    const code = await checkCommand(['memory-leak', '--runs', '3'], { stdout: (s) => void (stdout += s), stderr: () => undefined, isTTY: false });
    expect(code).toBe(0);
    expect(stdout).toMatch(/nothing to explore: variant no-mitigation expects no-oom-kill, availability-every-5s to fail/);
  });
});

describe('--faults on a scenario without a world', () => {
  it('exits 2 naming the entries nothing applies', () => {
    const plan = join(dir, 'plan.json');
    writeFileSync(plan, JSON.stringify([{ at: '1s', kind: 'crash', target: 'n1' }]));
    const r = faultline(['run', 'mmc-queue', '--faults', plan], ROOT);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('faultline: scenario mmc-queue builds no world, so nothing applies its fault plan (1 entry: crash n1 at 1s); --faults needs a scenario with services or a world (world({ nodes }) in build)\n');
  });
});
