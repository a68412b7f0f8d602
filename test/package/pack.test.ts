// faultline as a user installs it: the repository is copied to a temporary folder and packed
// there (so the build that `prepare` runs never rewrites this checkout while other tests run), the
// tarball is installed into a fresh project, and the command, the API and the shipped types are
// used from that project. A second project installs it with --omit=dev. The build that `npm pack`
// runs is then made stale by an edit, and `npm start` runs the edited sources.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { appendFileSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../sim/index.ts';
import { loadScenario } from '../../sim/cli/load.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Not part of a clean clone (or never packed): left out of the copy. */
const SKIP = new Set(['node_modules', '.git', 'dist', 'out', '.bench', 'screenshots']);

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

// npm passes its own settings to scripts as npm_* variables; the npm commands below must see only
// the user's configuration (the cache stays, so installs come from the cache npm ci warmed).
const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || /^npm_config_(cache|registry|userconfig)$/i.test(k)),
);

function sh(cmd: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: { ...env, ...extraEnv }, maxBuffer: 64 << 20, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function ok(r: Ran, what: string): Ran {
  expect(r.code, `${what} failed:\n${r.stderr}\n${r.stdout}`).toBe(0);
  return r;
}

const NPM_QUIET = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

// A resolve hook that makes importing tsx or esbuild fail: with a current build the command needs
// tsx only for a TypeScript scenario file, and esbuild not at all (the viewer comes prebuilt).
const NO_TSX = `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(
  "export async function resolve(s, c, next) { if (/^(tsx|esbuild)(\\\\/|$)/.test(s)) throw new Error(s + ' was loaded'); return next(s, c); }"));
`;

// A user's program in plain JavaScript: a scenario defined with the public API, run by seed.
const PLAIN_MJS = `import { defineScenario, run } from 'faultline';
import { checkWindowedSlo } from 'faultline/check';

const scenario = defineScenario({
  name: 'plain',
  title: 'A plain JavaScript scenario',
  description: 'Requests at a fixed rate; one in ten fails.',
  params: { requests: { type: 'number', default: 200, min: 1, integer: true } },
  build({ sim, random, params, requests }) {
    const r = random.get('service');
    for (let i = 0; i < params.requests; i++) {
      sim.schedule(i * 1_000, () => requests.record(sim.now, !r.bernoulli(0.1), r.exponential(5_000)), null);
    }
  },
  checks: [{ name: 'most-succeed', check: ({ metrics }) => metrics.availability > 0.8 }],
});
const a = run(scenario, { seed: 7 });
const b = run(scenario, { seed: 7 });
console.log(JSON.stringify({ hash: a.traceHash, same: a.traceHash === b.traceHash, requests: a.metrics.requests, check: a.checks[0].status, slo: typeof checkWindowedSlo }));
`;

const TSCONFIG = {
  compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', types: [], lib: ['ES2023'] },
  include: ['scenarios'],
};

describe('the packed package, installed in a fresh project', () => {
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'faultline-pack-')));
  const copy = join(tmp, 'faultline');
  const project = join(tmp, 'my-system');
  const lean = join(tmp, 'my-system-omit-dev');
  let tarball = '';
  let listing: string[] = [];
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  beforeAll(async () => {
    expect(relative(ROOT, tmp).startsWith('..')).toBe(true);
    cpSync(ROOT, copy, { recursive: true, filter: (src) => !SKIP.has(src.slice(src.lastIndexOf('/') + 1)) });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
    ok(await sh('npm', ['pack', '--pack-destination', tmp, '--loglevel=error'], copy), 'npm pack');
    const tgz = readdirSync(tmp).filter((f) => f.endsWith('.tgz'));
    expect(tgz).toHaveLength(1);
    tarball = join(tmp, tgz[0]!);
    listing = ok(await sh('tar', ['-tzf', tarball], tmp), 'tar -tzf').stdout.split('\n').filter(Boolean);
    for (const dir of [project, lean]) {
      mkdirSync(join(dir, 'scenarios'), { recursive: true });
      ok(await sh('npm', ['init', '-y', '--loglevel=error'], dir), 'npm init');
      copyFileSync(join(ROOT, 'scenarios', 'split-brain.ts'), join(dir, 'scenarios', 'split-brain.ts'));
    }
    const [full, omitDev] = await Promise.all([
      sh('npm', ['install', ...NPM_QUIET, tarball], project),
      sh('npm', ['install', '--omit=dev', ...NPM_QUIET, tarball], lean),
    ]);
    ok(full, 'npm install <tarball>');
    ok(omitDev, 'npm install --omit=dev <tarball>');
  }, 150_000);

  it('the tarball holds the build, its types and the viewer bundle, and no test', () => {
    expect(listing.some((f) => f.endsWith('.d.ts'))).toBe(true);
    for (const f of ['package/dist/sim/index.js', 'package/dist/sim/index.d.ts', 'package/dist/sim/index.js.map', 'package/dist/viz/viewer.bundle.js', 'package/dist/.build-stamp', 'package/dist/sim/run/worker-entry.mjs', 'package/bin/faultline.mjs', 'package/scenarios/split-brain.ts', 'package/examples/checkout.ts']) {
      expect(listing, f).toContain(f);
    }
    expect(listing.filter((f) => /(^package\/test\/|\.test\.[cm]?[jt]s$|\/fixtures\/)/.test(f))).toEqual([]);
    expect(listing.filter((f) => /^package\/(bench|tools|docs|\.ci)\//.test(f))).toEqual([]);
  });

  it('npx faultline sweep --workers 2 and check work on a scenario file of the project (run and list: the README test below)', async () => {
    const npx = (...args: string[]): Promise<Ran> => sh('npx', ['--no', 'faultline', ...args], project);
    const [sweep, check] = await Promise.all([
      npx('sweep', './scenarios/split-brain.ts', '--seeds', '1..4', '--workers', '2', '--json'),
      npx('check', './scenarios/split-brain.ts', '--variant', 'fenced-quorum', '--runs', '5', '--json'),
    ]);
    const builtIn = run(await loadScenario('split-brain'), { seed: 1 });
    const runs = JSON.parse(ok(sweep, 'sweep').stdout).runs as { seed: number; error?: string; traceHash: string }[];
    expect(runs.map((r) => [r.seed, r.error])).toEqual([1, 2, 3, 4].map((s) => [s, undefined]));
    expect(runs[0]!.traceHash).toBe(builtIn.traceHash);
    const report = JSON.parse(ok(check, 'check').stdout);
    expect(report.runs).toBe(5);
    expect(report.violation).toBeNull();
  });

  it("the README's commands for a template copied from the package work word for word", async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /```sh\n(mkdir -p scenarios\ncp node_modules\/faultline\/scenarios\/[\s\S]*?)```/.exec(readme);
    expect(block, 'README shows how to copy a template from the package').not.toBeNull();
    const r = ok(await sh('sh', ['-e', '-c', block![1]!], project), 'the README commands');
    expect(r.stdout).toMatch(/wrote report: .*out\/my-scenario\.html/);
    expect(r.stdout).toMatch(/^retry-storm +Retry storm/m); // npx faultline list
    expect(r.stdout).toMatch(/^split-brain +Split brain/m);
    expect(existsSync(join(project, 'out', 'my-scenario.html'))).toBe(true);
  });

  it('the installed command runs a built-in scenario and writes a report without loading tsx or esbuild', async () => {
    writeFileSync(join(project, 'no-tsx.mjs'), NO_TSX);
    const r = ok(
      await sh('npx', ['--no', 'faultline', 'run', 'mmc-queue', '--param', 'customers=2000', '--report', 'out/report.html'], project, {
        NODE_OPTIONS: '--import=./no-tsx.mjs',
      }),
      'run mmc-queue --report without tsx or esbuild',
    );
    expect(r.stdout).toMatch(/wrote report: .*out\/report\.html/);
  });

  it('a plain .mjs imports faultline and runs a scenario', async () => {
    writeFileSync(join(project, 'plain.mjs'), PLAIN_MJS);
    const out = JSON.parse(ok(await sh(process.execPath, ['plain.mjs'], project), 'node plain.mjs').stdout);
    expect(out).toMatchObject({ same: true, requests: 200, check: 'ok', slo: 'function' });
    expect(out.hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('tsc --noEmit --strict type-checks a .ts scenario of the project against the shipped types', async () => {
    ok(await sh('npm', ['pkg', 'set', 'type=module'], project), 'npm pkg set');
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    // a type error is reported: the check is real
    writeFileSync(join(project, 'scenarios', 'broken.ts'), "import { defineScenario } from 'faultline';\nexport default defineScenario({ name: 1 });\n");
    const broken = await sh(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], project);
    expect(broken.code).not.toBe(0);
    expect(broken.stdout).toMatch(/scenarios\/broken\.ts.*error TS/);
    expect(broken.stdout).not.toMatch(/split-brain\.ts|node_modules/);
    rmSync(join(project, 'scenarios', 'broken.ts'));
    ok(await sh(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], project), 'tsc --strict');
  });

  it('installed with --omit=dev, the command still runs a TypeScript scenario file', async () => {
    const r = ok(await sh('npx', ['--no', 'faultline', 'run', './scenarios/split-brain.ts', '--json'], lean), 'run after --omit=dev');
    expect(JSON.parse(r.stdout).scenario).toBe('split-brain');
  });

  it('after an edit in sim/, the command runs the sources, and npm start runs the edited code', async () => {
    writeFileSync(join(copy, 'no-tsx.mjs'), NO_TSX);
    const noTsx = { NODE_OPTIONS: `--import=${join(copy, 'no-tsx.mjs')}` };
    ok(await sh(process.execPath, ['bin/faultline.mjs', 'list'], copy, noTsx), 'the fresh build runs without tsx');
    appendFileSync(join(copy, 'sim', 'cli', 'main.ts'), "\nprocess.stderr.write('edited sources are running\\n');\n");
    const stale = await sh(process.execPath, ['bin/faultline.mjs', 'list'], copy, noTsx);
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toMatch(/tsx\/esm\/api was loaded/);
    const start = ok(await sh('npm', ['start', '--silent'], copy), 'npm start');
    expect(start.stderr).toContain('edited sources are running');
    expect(start.stdout).toMatch(/wrote report/);
  });
});
