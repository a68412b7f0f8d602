// The memory watchdog: a run that allocates without bound is stopped at --heap-max-mb (in a
// sweep's worker, or in the worker `run --heap-max-mb` starts) and reported as "aborted by the
// memory watchdog" with its seed and a replay command that keeps the cap; exit 1, never a check
// outcome. The fixture keeps a megabyte more every simulated millisecond on seed 2 only, so a
// small cap (64 MB) stops it within seconds.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../sim/cli/main.ts';
import { runSweep } from '../../sim/cli/sweep-command.ts';
import { defaultWorkerHeapMb } from '../../sim/run/pool.ts';

const HOG = fileURLToPath(new URL('../fixtures/heap-hog.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'faultline-heap-'));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), isTTY: false });
  return { code, stdout, stderr };
}

describe('run --heap-max-mb', () => {
  it('stops a run that allocates without bound: exit 1, the seed and a replay that keeps the cap', async () => {
    const out = join(dir, 'hog.json');
    const r = await cli(['run', HOG, '--seed', '2', '--heap-max-mb', '64', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const [first, second] = r.stderr.trimEnd().split('\n');
    expect(first).toMatch(/^faultline: run heap-hog \(variant default, seed 2\) aborted by the memory watchdog: the run's heap passed 64 MB/);
    expect(second).toMatch(/^ {2}replay: .*run .*heap-hog\.ts --seed 2 --heap-max-mb 64$/);
    // nothing written, and no temporary file of the worker left behind
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  }, 60_000);

  it('memory outside the V8 heap (typed arrays) is watched too', async () => {
    const r = await cli(['run', HOG, '--seed', '2', '--param', 'typed=true', '--heap-max-mb', '64']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/seed 2\) aborted by the memory watchdog: the process's resident memory grew by more than 256 MB/);
  }, 60_000);

  it('a run within the cap prints and writes what it does without the flag', async () => {
    const plain = await cli(['run', HOG, '--seed', '1', '--json']);
    const out = join(dir, 'ok.json');
    const capped = await cli(['run', HOG, '--seed', '1', '--json', '--heap-max-mb', '64', '--out', out]);
    expect(capped.code).toBe(plain.code);
    expect(plain.code).toBe(0);
    const strip = (s: string): unknown => ({ ...JSON.parse(s), stats: undefined });
    expect(strip(capped.stdout)).toEqual(strip(plain.stdout));
    expect(JSON.parse(readFileSync(out, 'utf8')).traceHash).toBe(JSON.parse(plain.stdout).traceHash);
  }, 60_000);

  it('a cap below 16 MB or not a number is a usage error', async () => {
    for (const v of ['8', '64MB', '-1']) {
      const r = await cli(['run', HOG, '--heap-max-mb', v]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^faultline: --heap-max-mb: .* (is out of range|is not an integer); valid: 16\.\.1048576\n$/);
    }
  });
});

describe('sweep workers', () => {
  it('a row whose run passes the cap is reported with its seed; the other rows go on', async () => {
    const report = await runSweep({ scenarioRef: HOG, seeds: '1..3', workers: 1, heapMaxMb: 64 });
    const rows = report.runs.map((r) => [r.seed, r.traceHash !== null, r.error ?? '']);
    expect(rows.map(([s, ok]) => [s, ok])).toEqual([[1, true], [2, false], [3, true]]);
    const hog = report.runs.find((r) => r.seed === 2)!;
    expect(hog.error).toMatch(/^aborted by the memory watchdog: the run's heap passed 64 MB/);
    expect(hog.checks).toEqual([]); // not a check outcome
    expect(hog.replay).toMatch(/run .*heap-hog\.ts --seed 2 --heap-max-mb 64$/);
    expect(report.summary.default!.errors).toBe(1);
  }, 60_000);

  it('have a heap cap by default: half the memory shared among them, 256 to 4096 MB', () => {
    expect(defaultWorkerHeapMb(2, 24_000)).toBe(4096);
    expect(defaultWorkerHeapMb(8, 8192)).toBe(512);
    expect(defaultWorkerHeapMb(64, 4096)).toBe(256);
    expect(defaultWorkerHeapMb(1)).toBeGreaterThanOrEqual(256);
  });
});
