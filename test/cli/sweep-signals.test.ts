// Real processes: a sweep that relaunched itself (workers on every core) and its child.
import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sweepEtaS } from '../../sim/cli/sweep-command.ts';

const BIN = fileURLToPath(new URL('../../bin/faultline.mjs', import.meta.url));

/** Children of `pid` that run faultline (not, say, esbuild's service), from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && readFileSync(`/proc/${e}/cmdline`, 'utf8').includes('faultline.mjs')) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\S+ \S+ Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/\(.*\)/, 'x'));
  } catch {
    return false;
  }
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

/** A long sweep with workers on every core (so it relaunches itself), and its child's pid. */
async function startSweep(dir: string): Promise<{ parent: ChildProcess; child: number }> {
  const parent = spawn(
    process.execPath,
    [BIN, 'sweep', 'retry-storm', '--seeds', '1..100000', '--workers', String(availableParallelism()), '--out', join(dir, 'out.json')],
    { stdio: 'ignore' },
  );
  let child = 0;
  const found = await until(() => {
    child = childrenOf(parent.pid!)[0] ?? 0;
    return child !== 0;
  }, 45_000);
  if (!found) parent.kill('SIGKILL');
  expect(found).toBe(true);
  return { parent, child };
}

const exitOf = (p: ChildProcess): Promise<{ code: number | null; signal: string | null }> =>
  new Promise((resolve) => (p.exitCode !== null ? resolve({ code: p.exitCode, signal: null }) : p.on('exit', (code, signal) => resolve({ code, signal }))));

describe('a sweep stops when told to, and its relaunched child with it', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s: exit %i, no child left, no output written', async (signal, code) => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-sweep-sig-'));
    const { parent, child } = await startSweep(dir);
    parent.kill(signal);
    expect(await exitOf(parent)).toEqual({ code, signal: null });
    expect(await until(() => !running(child), 5_000)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);

  it('SIGKILL of the parent: the child dies too and never writes --out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-sweep-kill-'));
    const { parent, child } = await startSweep(dir);
    parent.kill('SIGKILL');
    await exitOf(parent);
    expect(await until(() => !running(child), 5_000)).toBe(true);
    expect(existsSync(join(dir, 'out.json'))).toBe(false);
  }, 60_000);
});

describe('sweep ETA', () => {
  it('is shown only after enough runs past the first, at the rate measured since the first', () => {
    expect(sweepEtaS(0, 100, 2, null, 1)).toBeNull();
    expect(sweepEtaS(1, 100, 2, 30, 30)).toBeNull();
    // five runs past the first are not enough yet with 2 workers (5 ≥ max(5, 4) is): 
    expect(sweepEtaS(5, 100, 2, 30, 34)).toBeNull();
    expect(sweepEtaS(6, 100, 2, 30, 35)).toBeCloseTo((5 / 5) * 94);
    // with 8 workers it waits for 16 runs past the first
    expect(sweepEtaS(10, 100, 8, 30, 35)).toBeNull();
    expect(sweepEtaS(17, 100, 8, 30, 38)).toBeCloseTo((8 / 16) * 83);
    expect(sweepEtaS(100, 100, 2, 30, 60)).toBeNull();
  });
});
