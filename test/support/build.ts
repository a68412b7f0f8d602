// For tests of the command as it runs from the build (dist/): whether the build is current (the
// command runs dist/ only then; the lander builds before testing), and running the command with
// a module hook that reports every URL Node loads.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The checkout's file: URL, ending in '/': strip it to match on paths inside the checkout. */
export const ROOT_URL = pathToFileURL(ROOT).href.replace(/\/?$/, '/');

function newestMs(dir: string): number {
  let t = statSync(dir).mtimeMs;
  for (const e of readdirSync(dir, { withFileTypes: true })) t = Math.max(t, e.isDirectory() ? newestMs(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs);
  return t;
}
const stamp = join(ROOT, 'dist', '.build-stamp');

/** True when dist/ is at least as new as every source: the command then runs the build. */
export const buildCurrent = existsSync(stamp) && ['sim', 'scenarios', 'viz'].every((d) => newestMs(join(ROOT, d)) <= statSync(stamp).mtimeMs);

// a module hook that writes every URL Node loads to stderr (ES modules, in every thread; the
// CommonJS files a package requires internally do not pass through it, their package's entry does)
const LOG_LOADS = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent('export async function load(u, c, n) { process.stderr.write("LOADED " + u + "\\\\n"); return n(u, c); }'));`,
)}`;

/** Run `faultline …args` from this checkout; its exit code, stdout, the rest of stderr, and the URLs it loaded. */
export function commandLoads(...args: string[]): { status: number | null; stdout: string; stderr: string; loaded: string[] } {
  const r = spawnSync(process.execPath, ['--import', LOG_LOADS, join(ROOT, 'bin', 'faultline.mjs'), ...args], { encoding: 'utf8', cwd: ROOT });
  const lines = r.stderr.split('\n');
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: lines.filter((l) => !l.startsWith('LOADED ')).join('\n'),
    loaded: lines.filter((l) => l.startsWith('LOADED ')).map((l) => l.slice('LOADED '.length)),
  };
}
