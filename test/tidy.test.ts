// Style enforced by a test (STYLE.md): no ambient time or randomness in simulation code, no
// Node APIs in the layers the browser also runs, no leftover FIXMEs.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const p = join(dir, name);
    if (statSync(join(root, p)).isDirectory()) out.push(...files(p));
    else if (/\.(ts|mts|mjs|js)$/.test(name)) out.push(p);
  }
  return out;
}

/** Strip comments so prose may mention the banned names. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

const BANNED = [/Math\.random/, /Date\.now/, /performance\.now/, /new Date\(/, /\bsetTimeout\b/, /\bsetInterval\b/, /randomUUID/];
// Host clock reads live in one allow-listed file under run/ and in cli/ (DESIGN.md).
// The determinism guard names the same globals to trap them during a run.
const HOST_CLOCK_ALLOWED = new Set(['sim/run/host-clock.ts', 'sim/run/guard.ts']);
const SIM_LAYERS = ['sim/kernel', 'sim/world', 'sim/faults', 'sim/patterns', 'sim/app', 'sim/observe', 'sim/check', 'scenarios'];
const BROWSER_SAFE = ['sim/kernel', 'sim/world', 'sim/faults', 'sim/patterns', 'sim/app', 'sim/observe'];
const BROWSER_SAFE_FILES = ['sim/run/runner.ts', 'sim/run/scenario.ts', 'sim/run/guard.ts'];

const exists = (d: string): boolean => {
  try {
    return statSync(join(root, d)).isDirectory();
  } catch {
    return false;
  }
};

describe('tidy', () => {
  it('the scan sees the simulation sources (it would pass vacuously otherwise)', () => {
    expect(files('sim/kernel').length).toBeGreaterThan(3);
    expect(files('scenarios').length).toBeGreaterThan(0);
  });

  it('simulation code never reads ambient time, randomness or timers', () => {
    const offenders: string[] = [];
    const scan = [...SIM_LAYERS.filter(exists).flatMap(files), ...files('sim/run')];
    for (const f of scan) {
      if (HOST_CLOCK_ALLOWED.has(f)) continue;
      const lines = code(readFileSync(join(root, f), 'utf8')).split('\n');
      lines.forEach((line, i) => {
        for (const re of BANNED) if (re.test(line)) offenders.push(`${f}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  it('simulation layers do not read environment state', () => {
    const offenders: string[] = [];
    for (const f of SIM_LAYERS.filter(exists).flatMap(files)) {
      if (f === 'sim/check/vitest.ts') continue;
      const text = code(readFileSync(join(root, f), 'utf8'));
      if (/process\.(env|argv|cwd|hrtime|pid)/.test(text)) offenders.push(f);
    }
    expect(offenders).toEqual([]);
  });

  it('layers that also run in the browser import no Node built-ins', () => {
    const offenders: string[] = [];
    for (const f of [...BROWSER_SAFE.filter(exists).flatMap(files), ...BROWSER_SAFE_FILES]) {
      const text = readFileSync(join(root, f), 'utf8');
      if (/from\s+['"](node:|fs['"]|path['"]|worker_threads|child_process)/.test(text)) offenders.push(f);
    }
    expect(offenders).toEqual([]);
  });

  it('no leftover FIXME or XXX markers', () => {
    const offenders: string[] = [];
    const all = ['sim', 'scenarios', 'viz', 'test', 'bench'].filter(exists).flatMap(files);
    for (const f of all) {
      if (relative('test', f) === 'tidy.test.ts' || f === 'test/tidy.test.ts') continue;
      const lines = readFileSync(join(root, f), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (/\b(FIXME|XXX)\b/.test(line)) offenders.push(`${f}:${i + 1}: marker`);
      });
    }
    expect(offenders).toEqual([]);
  });
});
