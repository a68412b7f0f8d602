// The faultline/vitest helpers print replay lines that replay: the scenario named by a file the
// command can load, the shrunk plan written where the line says; executed through /bin/sh, the
// line gives the trace hash and the exit code of the failing run.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectScenarioHolds, expectScenarioViolation } from '../../sim/check/vitest.ts';
import type { Scenario } from '../../sim/run/scenario.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const INDEX = join(ROOT, 'sim', 'index.ts');
const dir = realpathSync(mkdtempSync(join(tmpdir(), 'faultline vitest replays-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** examples/checkout.ts, importing this checkout's sources, its naive variant expecting nothing. */
const source = (exportWord: string, name: string): string =>
  readFileSync(join(ROOT, 'examples', 'checkout.ts'), 'utf8')
    .replace("from 'faultline'", `from ${JSON.stringify(INDEX)}`)
    .replace('export default defineScenario', exportWord)
    .replace("name: 'checkout'", `name: '${name}'`)
    .replace(", expectFail: ['availability']", '');

const faults = { kinds: ['crash'], maxFaults: 1, targets: { nodes: ['payment-1', 'payment-2', 'payment-3'] } };

function sh(line: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('/bin/sh', ['-c', line], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function load(file: string): Promise<Scenario<any>> {
  const m = (await import(file)) as { default?: Scenario<any>; shop?: Scenario<any> };
  return (m.default ?? m.shop)!;
}

describe('faultline/vitest replay lines', () => {
  it('name the scenario file that default-exports it and write the plan: the line fails the same way', async () => {
    const file = join(dir, "it's checkout.ts");
    writeFileSync(file, source('export default defineScenario', 'checkout-copy'));
    const report = expectScenarioViolation(await load(file), { variant: 'naive', runs: 20, faults, invariant: 'availability' });
    const m = /^npm run faultline -- run (.+) --seed \S+ --variant naive --faults (.+)$/.exec(report.replay)!;
    expect(m).not.toBeNull();
    expect(m[1]).toContain('it'); // the file, quoted
    const plan = JSON.parse(readFileSync(planPathOf(report.replay), 'utf8')) as unknown;
    expect(plan).toEqual(report.faults);
    const again = sh(report.replay);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(1);
    expect(/^trace hash: (\S+)$/m.exec(again.stdout)?.[1]).toBe(report.violation.traceHash);
  }, 60_000);

  it('a scenario its file does not default-export is replayed through a scenario file written beside the plan', async () => {
    const file = join(dir, 'shop.ts');
    writeFileSync(file, source('export const shop = defineScenario', 'shop'));
    let message = '';
    try {
      expectScenarioHolds(await load(file), { variant: 'naive', runs: 20, faults });
    } catch (err) {
      message = (err as Error).message;
    }
    const line = /^replay: (.*)$/m.exec(message)?.[1];
    expect(line).toMatch(/^npm run faultline -- run \S+shop-naive-1\.scenario\.ts --seed \S+ --variant naive --faults \S+shop-naive-1\.plan\.json$/);
    expect(existsSync(planPathOf(line!))).toBe(true);
    const again = sh(line!);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/FAIL \(expected ok\) {2}availability/);
  }, 60_000);
});

/** The plan file of a replay line (its last word, unquoted). */
function planPathOf(line: string): string {
  const word = line.slice(line.lastIndexOf(' --faults ') + ' --faults '.length);
  return word.startsWith("'") ? word.slice(1, -1).replace(/'\\''/g, "'") : word;
}
