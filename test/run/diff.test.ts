// `faultline diff`: the first record where two runs part, configuration records compared apart.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../support/cli.ts';
import { compareTraces, streamOf } from '../../sim/run/diff.ts';
import { parseFaultPlan } from '../../sim/faults/plan.ts';
// every fault kind a plan may use (the command's modules register them when they run)
import '../../sim/run/fault-kinds.ts';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'faultline-diff-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Report {
  identical: boolean;
  firstDivergence: { index: number; timeUs: number; a: Record<string, unknown> | null; b: Record<string, unknown> | null } | null;
  summary: { rows: { name: string; a: unknown; b: unknown }[] };
}

describe('compareTraces', () => {
  const start = (variant: string) => ({ time: 0, kind: 'run-start', scenario: 's', variant, seed: 1 });
  const rec = (time: number, id: number) => ({ time, kind: 'request', node: 'c', id, ok: true, latencyUs: 5 });

  it('never counts run-start as the divergence, and names the first record that differs', () => {
    const c = compareTraces([start('a'), rec(1, 1), rec(2, 2), rec(3, 3)], [start('b'), rec(1, 1), rec(2, 2), rec(4, 3)]);
    expect(c.identical).toBe(false);
    expect(c.firstDivergence).toMatchObject({ index: 3, timeUs: 3, a: rec(3, 3), b: rec(4, 3), component: 'node c' });
    expect(c.firstDivergence!.before).toEqual([rec(1, 1), rec(2, 2)]);
    expect(c.config).toEqual({ a: start('a'), b: start('b') });
  });

  it('a trace that ends early parts where it ends; identical traces do not part', () => {
    const c = compareTraces([start('a'), rec(1, 1), rec(2, 2)], [start('a'), rec(1, 1)]);
    expect(c.firstDivergence).toMatchObject({ index: 2, timeUs: 2, a: rec(2, 2), b: null });
    expect(c.records).toEqual({ a: 3, b: 2 });
    expect(compareTraces([start('a'), rec(1, 1)], [start('b'), rec(1, 1)]).identical).toBe(true);
  });

  it("names a link's and a fault's random stream", () => {
    expect(streamOf({ time: 5, kind: 'message-deliver', from: 'a', to: 'b', id: 1, sentUs: 1 })).toBe('net/link/a/b');
    const plan = parseFaultPlan([{ at: '3s', kind: 'crash', target: 'n1' }, { id: 'cut', at: '4s', kind: 'crash', target: 'n2' }]);
    expect(streamOf({ time: 3e6, kind: 'fault-start', fault: 'crash', index: 0 }, plan)).toBe('faults/crash/n1@3000000');
    expect(streamOf({ time: 4e6, kind: 'fault-start', fault: 'crash', index: 1 }, plan)).toBe('faults/id/cut');
  });
});

describe('faultline diff', () => {
  it('two variants of retry-storm (seed 1) part after the trigger starts (3 s)', async () => {
    const r = await cli(['diff', 'retry-storm', '--seed', '1', '--vs', 'variant=backoff-jitter', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.identical).toBe(false);
    const p = report.firstDivergence!;
    expect(p.index).toBeGreaterThan(0);
    expect(p.timeUs).toBeGreaterThan(3_000_000);
    expect(p.a).not.toEqual(p.b);
    const hashes = report.summary.rows.find((x) => x.name === 'trace hash')!;
    expect(hashes.a).not.toBe(hashes.b);
    const text = await cli(['diff', 'retry-storm', '--seed', '1', '--vs', 'variant=backoff-jitter']);
    expect(text.stdout).toContain(`first divergence: record #${p.index}, simulated time `);
    expect(text.stdout).toMatch(/\n {2}a: {2}\{.*\}\n {2}b: {2}\{.*\}\n/);
    expect(text.stdout).toMatch(/how they end:\n(.*\n)* {2}availability +0\.\d+ +0\.\d+/);
  });

  it('the same run against itself is identical: exit 0', async () => {
    const r = await cli(['diff', 'retry-storm', '--seed', '1', '--vs', 'seed=1', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.identical).toBe(true);
    expect(report.firstDivergence).toBeNull();
  });

  it('compares two trace files record by record, headers and footers apart', async () => {
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    await cli(['run', 'retry-storm', '--seed', '1', '--param', 'durationMs=6000', '--trace', a]);
    await cli(['run', 'retry-storm', '--seed', '2', '--param', 'durationMs=6000', '--trace', b]);
    const r = await cli(['diff', a, b]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('b differs in: seed 1 → 2');
    // record #0 is run-start, compared apart; the files' line 1 is the header
    expect(r.stdout).toMatch(/first divergence: record #(\d+), line (\d+), simulated time/);
    const [, index, line] = /record #(\d+), line (\d+)/.exec(r.stdout)!;
    expect(Number(line)).toBe(Number(index) + 2);
    expect(Number(index)).toBeGreaterThan(0);
    const same = await cli(['diff', a, a, '--json']);
    expect([same.code, (JSON.parse(same.stdout) as Report).identical]).toEqual([0, true]);
  });

  it('input errors are one line, exit 2', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"kind":"trace-header","format":1}\n{"time":0,"kind":"run-start"}\nnot json\n');
    for (const [argv, message] of [
      [['diff', 'retry-storm'], /say what the second run changes with --vs/],
      [['diff', 'retry-storm', '--vs', 'colour=red'], /unknown key "colour"; valid: variant, seed, faults, param/],
      [['diff', 'retry-storm', '--vs', 'variant=nope'], /has no variant "nope"/],
      [['diff', bad, bad], /bad\.jsonl line 3: not valid JSON/],
      [['diff', join(dir, 'none.jsonl'), bad], /cannot read/],
    ] as const) {
      const r = await cli([...argv]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
