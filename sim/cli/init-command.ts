/**
 * `faultline init [dir]`: a starter model in the user's project (or a new one). It writes a
 * scenario on the public API and a property test (`faultline/vitest`) under `scenarios/`, and,
 * when `dir` holds no package.json yet, the project around them: package.json (depending on
 * faultline, vitest and TypeScript), tsconfig.json and a README with the next commands. In an
 * existing project it leaves package.json and tsconfig.json alone and says what to install.
 *
 * It never overwrites: if any file it would write exists, it writes nothing and exits 2 naming
 * that file. Each file is written to a temporary name and hard-linked into place, so a file
 * appears whole or not at all, and one that appeared meanwhile is not replaced.
 *
 * The files are `templates/init/**\/*.tmpl` of the package, written without their `.tmpl`.
 */
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../kernel/errors.ts';
import { flagHelp, parseArgs, UsageError, type FlagSpec } from './args.ts';
import type { Io } from './io.ts';

const INIT_FLAGS: Record<string, FlagSpec> = {
  help: { type: 'boolean', help: 'show this help' },
};

/** Files of a new project only; in a folder that already has a package.json they are left out. */
const PROJECT_FILES = new Set(['package.json', 'tsconfig.json', 'README.md']);

/** The folder of the faultline package this module belongs to (the sources or dist/ inside it). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'faultline') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('init: cannot find the faultline package around ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** Template paths relative to `root`, sorted ("scenarios/starter.ts.tmpl", …). */
function templateFiles(root: string, sub = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, sub), { withFileTypes: true })) {
    const rel = sub ? `${sub}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...templateFiles(root, rel));
    else if (e.name.endsWith('.tmpl')) out.push(rel);
  }
  return out.sort();
}

/** An npm package name from a folder name: lower case, letters, digits, `-`, `.` and `_`. */
export function packageName(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|-+$/g, '');
  return name.slice(0, 214) || 'my-system';
}

export interface InitFile {
  /** Path relative to the project folder. */
  path: string;
  text: string;
}

/**
 * What `init` writes into a folder named `folder`: every template with its placeholders filled,
 * without the project files when `existingProject` (a package.json is there already).
 */
export function initFiles(folder: string, existingProject: boolean): InitFile[] {
  const root = packageRoot();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    version: string;
    devDependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  const values: Record<string, string> = {
    name: packageName(folder),
    faultlineRange: `^${pkg.version}`,
    typescriptRange: pkg.devDependencies?.typescript ?? '*',
    vitestRange: pkg.peerDependencies?.vitest ?? '*',
  };
  const dir = join(root, 'templates', 'init');
  return templateFiles(dir)
    .map((t) => ({ path: t.slice(0, -'.tmpl'.length), text: readFileSync(join(dir, t), 'utf8') }))
    .filter((f) => !(existingProject && PROJECT_FILES.has(f.path)))
    .map((f) => ({
      path: f.path,
      text: f.text.replace(/\{\{(\w+)\}\}/g, (m, key: string) => values[key] ?? m),
    }));
}

/** Write `text` to `path` unless it exists, atomically: a temporary file hard-linked into place. */
function writeNew(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, text, { flag: 'wx' });
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new InputError(`init: ${path} already exists; nothing more was written`);
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

export async function initCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = parseArgs(argv, INIT_FLAGS, 'init');
  if (args.flags.help) {
    io.stdout(
      `Usage: faultline init [dir]\n\nWrites a starter scenario and its property test into scenarios/ of dir (default: the current\n` +
        `directory), and, when dir has no package.json, package.json, tsconfig.json and a README.\n` +
        `Never overwrites a file: if one exists, nothing is written (exit 2).\n\n${flagHelp(INIT_FLAGS)}\n`,
    );
    return 0;
  }
  if (args.positionals.length > 1) throw new UsageError(`init: expected at most one directory, got ${args.positionals.join(' ')}`);
  const given = args.positionals[0];
  const dir = resolve(process.cwd(), given ?? '.');
  const st = statSync(dir, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) throw new InputError(`init: ${given} is not a directory`);
  const existingProject = existsSync(join(dir, 'package.json'));
  const files = initFiles(basename(dir), existingProject);
  const shown = (p: string): string => relative(process.cwd(), join(dir, p)) || '.';

  const clash = files.find((f) => existsSync(join(dir, f.path)));
  if (clash) throw new InputError(`init: ${shown(clash.path)} already exists; nothing was written (move it away or init another directory)`);
  for (const f of files) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeNew(join(dir, f.path), f.text);
  }

  const steps: [string, string][] = [];
  if (given !== undefined && dir !== process.cwd()) steps.push([`cd ${relative(process.cwd(), dir)}`, '']);
  if (existingProject) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    const missing = ['faultline', 'vitest'].filter((n) => !(pkg.dependencies?.[n] ?? pkg.devDependencies?.[n]));
    if (missing.length) steps.push([`npm install --save-dev ${missing.join(' ')}`, '']);
  } else {
    steps.push(['npm install', '']);
  }
  steps.push(
    ['npx faultline run ./scenarios/starter.ts --all-variants', 'both designs on seed 1'],
    [existingProject ? 'npx vitest run scenarios' : 'npm test', 'the property test'],
  );
  const w = Math.max(...steps.map(([c]) => c.length));
  const lines = [
    `wrote ${files.map((f) => shown(f.path)).join(', ')}`,
    '',
    'next:',
    ...steps.map(([c, why]) => `  ${why ? `${c.padEnd(w)}   # ${why}` : c}`),
    '',
    `then make scenarios/starter.ts yours: its comments${existingProject ? '' : ' and README.md'} say what to change.`,
  ];
  io.stdout(lines.join('\n') + '\n');
  return 0;
}
