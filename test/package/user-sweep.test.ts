// `faultline sweep <a user's file outside the repository>`: the command's worker threads load the
// file through the same loaders as its main thread, and 1 and 2 workers give the same runs.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'faultline.mjs');

function faultline(args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('sweep of a scenario file outside the repository', () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'faultline-user-')));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--seeds 1..8 --workers 2 succeeds and equals --workers 1', async () => {
    expect(relative(ROOT, dir).startsWith('..')).toBe(true);
    // a project without "type": "module" and without faultline installed
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-system', version: '1.0.0' }));
    copyFileSync(join(ROOT, 'scenarios', 'mmc-queue.ts'), join(dir, 'queue.ts'));
    const args = (workers: string): string[] => ['sweep', './queue.ts', '--seeds', '1..8', '--workers', workers, '--param', 'customers=3000', '--json'];
    const [one, two] = await Promise.all([faultline(args('1'), dir), faultline(args('2'), dir)]);
    for (const r of [one, two]) expect(r.stderr).toBe('');
    expect(two.status).toBe(0);
    expect(one.status).toBe(0);
    const runs = (r: { stdout: string }): { seed: number; traceHash: string; error?: string }[] => JSON.parse(r.stdout).runs;
    expect(runs(two).map((r) => r.seed)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const r of runs(two)) expect(r.error).toBeUndefined();
    expect(new Set(runs(two).map((r) => r.traceHash)).size).toBe(8);
    expect(JSON.parse(two.stdout)).toEqual(JSON.parse(one.stdout));
  });
});
