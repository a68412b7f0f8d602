// Real processes: a sweep with workers on every core, stopped by a signal.
import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sweepEtaS } from '../../sim/cli/sweep-command.ts';

const BIN = fileURLToPath(new URL('../../bin/faultline.mjs', import.meta.url));

/** Processes whose parent is `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU time (user + system) the process has used so far, in ms, from /proc. */
function cpuMsOf(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
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

/**
 * A long sweep with workers on every core, once it is running: it has used a second of CPU (the
 * command installs its signal handlers before it starts a worker; start-up takes a few tenths).
 */
async function startSweep(dir: string): Promise<ChildProcess> {
  const sweep = spawn(
    process.execPath,
    [BIN, 'sweep', 'retry-storm', '--seeds', '1..100000', '--workers', String(availableParallelism()), '--out', join(dir, 'out.json')],
    { stdio: 'ignore' },
  );
  const started = await until(() => cpuMsOf(sweep.pid!) >= 1000, 45_000);
  if (!started) sweep.kill('SIGKILL');
  expect(started).toBe(true);
  return sweep;
}

const exitOf = (p: ChildProcess): Promise<{ code: number | null; signal: string | null }> =>
  new Promise((resolve) => (p.exitCode !== null ? resolve({ code: p.exitCode, signal: null }) : p.on('exit', (code, signal) => resolve({ code, signal }))));

describe('a sweep stops when told to', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s: exit %i with its workers, no output written', async (signal, code) => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-sweep-sig-'));
    const sweep = await startSweep(dir);
    // one process: its workers are threads of it, and it started no second process
    expect(childrenOf(sweep.pid!)).toEqual([]);
    sweep.kill(signal);
    expect(await exitOf(sweep)).toEqual({ code, signal: null });
    expect(readdirSync(dir)).toEqual([]);
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
