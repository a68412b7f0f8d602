import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCommand } from '../../sim/cli/check-command.ts';
import { scenarioNames } from '../../sim/cli/load.ts';

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await checkCommand(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s), isTTY: false });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'faultline-check-targets-'));

describe('faultline check aims faults at what the world has', () => {
  // Each built-in either holds (0) or shows a violation (1); never an input error or a crash.
  it.each(scenarioNames())('check %s --runs 2 exits 0 or 1', async (name) => {
    const r = await cli([name, '--runs', '2', '--out', join(dir, `${name}.plan.json`)]);
    expect(r.err).not.toMatch(/internal error|needs .* from|no nodes were given/);
    expect([0, 1]).toContain(r.code);
  }, 60_000);

  it('--targets with a service name aims only at its replicas', async () => {
    const r = await cli(['retry-storm', '--runs', '6', '--kinds', 'crash,limp', '--targets', 'backend', '--json', '--out', join(dir, 'rs.json')]);
    expect([0, 1]).toContain(r.code);
    const report = JSON.parse(r.out);
    const hit = new Set(Object.values(report.coverage as Record<string, Record<string, number>>).flatMap((t) => Object.keys(t)));
    expect([...hit]).toEqual(['backend']);
    expect(report.replay).toMatch(/--targets backend/);
  }, 60_000);

  it('--targets with a zone aims zone faults at that zone', async () => {
    const r = await cli(['zone-outage', '--runs', '3', '--kinds', 'zone-outage', '--targets', 'us-east-1c', '--json', '--out', join(dir, 'zo.json')]);
    expect([0, 1]).toContain(r.code);
    expect(Object.keys(JSON.parse(r.out).coverage['zone-outage'])).toEqual(['us-east-1c']);
  }, 60_000);

  it('a target the world lacks is an input error listing the valid targets', async () => {
    const r = await cli(['retry-storm', '--runs', '2', '--targets', 'db-9']);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/--targets: "db-9" is not in the world; valid targets: nodes client, frontend, backend; services backend, frontend; zones default/);
  });

  it('a scenario without a world explores seeds alone, and says so', async () => {
    const r = await cli(['mmc-queue', '--runs', '2', '--param', 'customers=2000']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/builds no world, so no faults were injected/);
    const k = await cli(['mmc-queue', '--runs', '2', '--param', 'customers=2000', '--kinds', 'crash']);
    expect(k.code).toBe(2);
    expect(k.err).toMatch(/^faultline: .*crash needs target from nodes, but there are no nodes/);
  });
});
