// `faultline list` from the build reads dist/scenarios/catalog.json (written by `npm run build`)
// instead of importing every scenario module: the listing must equal what the scenarios declare,
// and no scenario module may be loaded. Runs against dist/ only when the build is current (the
// lander builds before testing); from a stale build the command runs the sources anyway.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allScenarios } from '../support/scenarios.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function newestMs(dir: string): number {
  let t = statSync(dir).mtimeMs;
  for (const e of readdirSync(dir, { withFileTypes: true })) t = Math.max(t, e.isDirectory() ? newestMs(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs);
  return t;
}
const stamp = join(ROOT, 'dist', '.build-stamp');
const buildCurrent = existsSync(stamp) && ['sim', 'scenarios', 'viz'].every((d) => newestMs(join(ROOT, d)) <= statSync(stamp).mtimeMs);

// a module hook that writes every URL Node loads to stderr
const LOG_LOADS = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent('export async function load(u, c, n) { process.stderr.write("LOADED " + u + "\\\\n"); return n(u, c); }'));`,
)}`;

describe.runIf(buildCurrent)('faultline list from the build', () => {
  it('prints what every scenario declares, from the catalog, without importing a scenario module', async () => {
    const r = spawnSync(process.execPath, ['--import', LOG_LOADS, join(ROOT, 'bin', 'faultline.mjs'), 'list', '--json'], { encoding: 'utf8', cwd: ROOT });
    expect(r.status, r.stderr).toBe(0);
    const expected = (await allScenarios()).map((s) => ({ name: s.name, title: s.title, variants: s.variantNames, params: s.params }));
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(expected)));
    const loaded = r.stderr.split('\n').filter((l) => l.startsWith('LOADED '));
    expect(loaded.some((l) => l.includes('/dist/sim/cli/main.js'))).toBe(true);
    expect(loaded.filter((l) => l.includes('/scenarios/'))).toEqual([]);
  });
});
