/**
 * Command lines that replay: every printed "replay:" / "repeat:" command is built here, so that
 * pasting it into a shell reproduces the run. Words are quoted for a POSIX shell; the command
 * starts `npm run faultline --` inside this repository's checkout and `npx faultline` anywhere
 * else (an installed copy); file arguments are rewritten for where the command will run (`npm
 * run` runs from the checkout's root, whatever folder it is typed in).
 *
 * Browser-safe: without a working directory (a browser) the command reads `npx faultline`.
 */

/** The root of this copy of faultline when it is a checkout (not under node_modules), with a trailing slash; else null. */
const CHECKOUT_ROOT: string | null = ((): string | null => {
  const here = typeof import.meta.url === 'string' ? import.meta.url : '';
  if (!here.startsWith('file:')) return null;
  const sim = decodeURIComponent(new URL('../', here).pathname); // …/sim/ or …/dist/sim/
  const root = sim.endsWith('/dist/sim/') ? sim.slice(0, -'dist/sim/'.length) : sim.endsWith('/sim/') ? sim.slice(0, -'sim/'.length) : null;
  return root === null || root.includes('/node_modules/') ? null : root;
})();

function hostCwd(): string | null {
  const p = (globalThis as { process?: { cwd?: () => string } }).process;
  try {
    return typeof p?.cwd === 'function' ? p.cwd() : null;
  } catch {
    return null;
  }
}

/** True when commands are typed inside this repository's checkout (then `npm run faultline --`). */
export function insideCheckout(cwd: string | null = hostCwd()): boolean {
  return CHECKOUT_ROOT !== null && cwd !== null && (cwd + '/').startsWith(CHECKOUT_ROOT);
}

/** One word for a POSIX shell: as it is when it is safe, else in single quotes. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `a/./b/../c` → `a/c` (POSIX paths). */
function normalize(abs: string): string {
  const out: string[] = [];
  for (const seg of abs.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

/**
 * A file argument as the printed command must give it: inside the checkout relative to its root
 * (where `npm run` runs), elsewhere as the user gave it (relative to where they ran it).
 */
export function fileWord(path: string, cwd: string | null = hostCwd()): string {
  // outside the checkout, or at its root, the path means the same to the printed command
  if (!insideCheckout(cwd) || cwd === null || cwd + '/' === CHECKOUT_ROOT || path.startsWith('/')) return path;
  const abs = normalize(`${cwd}/${path}`);
  if (!(abs + '/').startsWith(CHECKOUT_ROOT!)) return abs;
  return abs.slice(CHECKOUT_ROOT!.length) || '.';
}

/** A scenario reference: a built-in name stays as it is, a file path becomes a file word. */
export function scenarioWord(ref: string, cwd: string | null = hostCwd()): string {
  return isScenarioPath(ref) ? fileWord(ref, cwd) : ref;
}

/** True when a scenario reference names a file (a user's own scenario), false for a built-in name. */
export function isScenarioPath(ref: string): boolean {
  return ref.includes('/') || ref.includes('\\') || /\.(ts|mts|js|mjs)$/.test(ref);
}

/** `faultline <words…>` as a line to paste into a shell, with the right prefix, every word quoted. */
export function commandLine(words: readonly string[], cwd: string | null = hostCwd()): string {
  const prefix = insideCheckout(cwd) ? ['npm', 'run', 'faultline', '--'] : ['npx', 'faultline'];
  return [...prefix, ...words].map(shellQuote).join(' ');
}
