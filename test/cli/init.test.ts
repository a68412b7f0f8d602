// `faultline init` as a user meets it: in an empty temporary folder it writes a project whose
// commands (the generated README's, word for word) pass against the packed package, linked into
// the project's node_modules (no network); it never overwrites a file; in an existing project it
// writes only the starter and leaves package.json alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'faultline.mjs');
/** Not part of a clean clone: left out of the copy that is packed. */
const SKIP = new Set(['node_modules', '.git', 'dist', 'out', '.bench', 'screenshots']);

// The child commands see the user's environment: not npm's script settings, nor the variables
// vitest sets for its own workers (a vitest run inside the project would take them as its own).
const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !(/^npm_/i.test(k) && !/^npm_config_(cache|registry|userconfig)$/i.test(k)) && !/^(VITEST|TEST$|NODE_ENV$|NODE_OPTIONS$)/.test(k),
  ),
);
env.NO_COLOR = '1';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sh(cmd: string, args: string[], cwd: string): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env, maxBuffer: 64 << 20, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

function ok(r: Ran, what: string): Ran {
  expect(r.code, `${what} failed:\n${r.stderr}\n${r.stdout}`).toBe(0);
  return r;
}

function init(args: string[], cwd: string): Ran {
  const r = spawnSync(process.execPath, [BIN, 'init', ...args], { cwd, env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under `dir` with its text, for before/after comparisons. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.name === 'node_modules') continue;
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

const STARTER = ['scenarios/starter.test.ts', 'scenarios/starter.ts'];

describe('faultline init', () => {
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'faultline-init-')));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('refuses to overwrite: exit 2, one line naming the file, nothing written', () => {
    const dir = join(tmp, 'clash');
    mkdirSync(join(dir, 'scenarios'), { recursive: true });
    writeFileSync(join(dir, 'README.md'), '# mine\n');
    const r = init(['clash'], tmp);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('faultline: init: clash/README.md already exists; nothing was written (move it away or init another directory)\n');
    expect(snapshot(dir)).toEqual({ 'README.md': '# mine\n' });

    writeFileSync(join(dir, 'scenarios', 'starter.ts'), '// mine\n');
    writeFileSync(join(dir, 'package.json'), '{ "name": "mine" }\n');
    const again = init([], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^faultline: init: scenarios\/starter\.ts already exists; nothing was written/);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(join(dir, 'scenarios', 'starter.ts'), 'utf8')).toBe('// mine\n');
    expect(existsSync(join(dir, 'scenarios', 'starter.test.ts'))).toBe(false);
  });

  it('bad arguments exit 2 with one line', () => {
    writeFileSync(join(tmp, 'a-file'), '');
    for (const [args, message] of [
      [['a', 'b'], /^faultline: init: expected at most one directory, got a b$/],
      [['a-file'], /^faultline: init: a-file is not a directory$/],
      [['--frobnicate'], /^faultline: .*--frobnicate/],
    ] as const) {
      const r = init([...args], tmp);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim()).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('in an existing project it writes only the starter and says what to install', () => {
    const dir = join(tmp, 'existing');
    mkdirSync(dir);
    const pkg = '{\n  "name": "existing",\n  "dependencies": { "express": "^4" }\n}\n';
    writeFileSync(join(dir, 'package.json'), pkg);
    const r = init([], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(Object.keys(snapshot(dir)).sort()).toEqual(['package.json', ...STARTER]);
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe(pkg);
    expect(r.stdout).toContain('npm install --save-dev faultline vitest');
  });

  describe('in an empty folder, with the packed package linked into the project', () => {
    const project = join(tmp, 'my-system');
    let stdout = '';

    beforeAll(async () => {
      // pack a copy (packing runs the build; this checkout's dist/ stays as it is)
      const copy = join(tmp, 'faultline');
      const pack = join(tmp, 'pack');
      mkdirSync(pack);
      ok(await sh('tar', ['-c', ...[...SKIP].map((s) => `--exclude=./${s}`), '-f', join(tmp, 'src.tar'), '.'], ROOT), 'tar');
      mkdirSync(copy);
      ok(await sh('tar', ['-x', '-f', join(tmp, 'src.tar'), '-C', copy], tmp), 'untar');
      symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
      ok(await sh('npm', ['pack', '--pack-destination', pack, '--loglevel=error'], copy), 'npm pack');
      const tgz = readdirSync(pack).filter((f) => f.endsWith('.tgz'));
      expect(tgz).toHaveLength(1);

      mkdirSync(project);
      const r = init([], project);
      expect(r.code, r.stderr).toBe(0);
      stdout = r.stdout;

      // what `npm install` would make, without the network: the package as installed, its
      // dependencies and the project's dev tools taken from this checkout's node_modules
      const nm = join(project, 'node_modules');
      mkdirSync(join(nm, 'faultline'), { recursive: true });
      mkdirSync(join(nm, '.bin'));
      ok(await sh('tar', ['-x', '-z', '-f', join(pack, tgz[0]!), '--strip-components=1', '-C', join(nm, 'faultline')], tmp), 'untar the package');
      symlinkSync(join(ROOT, 'node_modules'), join(nm, 'faultline', 'node_modules'), 'dir');
      for (const dep of ['vitest', 'typescript']) symlinkSync(join(ROOT, 'node_modules', dep), join(nm, dep), 'dir');
      symlinkSync('../faultline/bin/faultline.mjs', join(nm, '.bin', 'faultline'));
      symlinkSync('../vitest/vitest.mjs', join(nm, '.bin', 'vitest'));
      symlinkSync('../typescript/bin/tsc', join(nm, '.bin', 'tsc'));
    }, 120_000);

    it('writes package.json, tsconfig.json, a README and the starter, and says what to run next', () => {
      expect(Object.keys(snapshot(project)).sort()).toEqual(['README.md', 'package.json', ...STARTER, 'tsconfig.json']);
      const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
      const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
      expect(pkg).toMatchObject({ name: 'my-system', type: 'module', scripts: { test: 'vitest run' } });
      expect(pkg.devDependencies).toEqual({ faultline: `^${own.version}`, vitest: own.peerDependencies.vitest, typescript: own.devDependencies.typescript });
      expect(stdout).toMatch(/^wrote .*scenarios\/starter\.ts/);
      expect(stdout).toContain('npx faultline run ./scenarios/starter.ts --all-variants');
      expect(readFileSync(join(project, 'scenarios', 'starter.ts'), 'utf8')).toMatch(/^import \{ defineScenario \} from 'faultline';$/m);
    });

    it("the README's commands pass word for word (npm install replaced by the link above)", async () => {
      const readme = readFileSync(join(project, 'README.md'), 'utf8');
      const block = /```sh\n([\s\S]*?)```/.exec(readme);
      expect(block).not.toBeNull();
      const lines = block![1]!.trim().split('\n');
      expect(lines[0]).toBe('npm install');
      const results = new Map<string, Ran>();
      // one at a time: two cores are shared by the whole suite
      for (const line of lines.slice(1)) results.set(line, ok(await sh('sh', ['-e', '-c', line], project), line));
      const get = (prefix: string): string => {
        const hit = [...results].find(([l]) => l.startsWith(prefix));
        expect(hit, prefix).toBeDefined();
        return hit![1].stdout + hit![1].stderr;
      };
      const run = get('npx faultline run ./scenarios/starter.ts --all-variants');
      expect(run).toMatch(/^resilient +[\d.]+ .* ok$/m);
      expect(run).toMatch(/^naive +[\d.]+ .* FAIL$/m);
      expect(run).toContain('verdict: every variant behaved as expected');
      expect(get('npm test')).toMatch(/Tests +1 passed/);
      expect(get('npx faultline run ./scenarios/starter.ts --report')).toMatch(/wrote report: out\/starter\.html/);
      expect(readFileSync(join(project, 'out', 'starter.html'), 'utf8')).toMatch(/^<!doctype html>/i);
      expect(get('npx faultline sweep')).toMatch(/every run came out as its variant expects/);
    }, 150_000);

    it('npm run typecheck reports a type error in the starter (the check is real)', async () => {
      const file = join(project, 'scenarios', 'starter.ts');
      const good = readFileSync(file, 'utf8');
      writeFileSync(file, good.replace('{ replicas: 3,', '{ replicaz: 3,'));
      const broken = await sh('npm', ['run', 'typecheck', '--silent'], project);
      writeFileSync(file, good);
      expect(broken.code).not.toBe(0);
      expect(broken.stdout).toMatch(/scenarios\/starter\.ts.*error TS/);
    }, 60_000);
  });
});
