// docs/MODELLING.md runs as written: every TypeScript block is written to a file of its own (the
// name its `// file:` line gives), type-checked with tsc --strict against the public entry points,
// and every scenario a block defines runs each of its variants with the outcomes it declares; the
// blocks that are property tests run under vitest, as a user's project runs them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isScenario, outcomesAsExpected, run, type Scenario } from '../../sim/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOC = 'docs/MODELLING.md';

interface Block {
  file: string;
  code: string;
  line: number;
}

/** The doc's ```ts blocks, each named by its first line (`// file: name.ts`). */
export function tsBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const re = /^```ts\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) {
    const code = m[1]!;
    const name = /^\/\/ file: ([\w.-]+\.ts)\n/.exec(code);
    const line = markdown.slice(0, m.index).split('\n').length;
    blocks.push({ file: name ? name[1]! : `(unnamed block at line ${line})`, code, line });
  }
  return blocks;
}

function sh(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST|TEST$|NODE_ENV$)/.test(k)));
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: { ...env, NO_COLOR: '1' }, maxBuffer: 16 << 20, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, out: stdout + stderr }),
    );
  });
}

describe(DOC, () => {
  const blocks = tsBlocks(readFileSync(join(ROOT, DOC), 'utf8'));
  // Inside the repository (out/ is git-ignored) so that tsconfig.json's `paths` and vitest's
  // aliases map `faultline` and its subpaths to the sources, as a user's install maps them to the build.
  mkdirSync(join(ROOT, 'out'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'out', 'modelling-doc-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(() => {
    for (const b of blocks) writeFileSync(join(dir, b.file), b.code);
  });

  it('names every block with a file of its own', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    expect(blocks.filter((b) => b.file.startsWith('('))).toEqual([]);
    expect(new Set(blocks.map((b) => b.file)).size).toBe(blocks.length);
  });

  it('every block type-checks with tsc --strict against the public entry points', async () => {
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { noUnusedLocals: true }, include: ['*.ts'] }, null, 2),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = await sh(process.execPath, [tsc, '--noEmit', '-p', join(dir, 'tsconfig.json')], ROOT);
    expect(r.out.replaceAll(dir + '/', ''), 'tsc').toBe('');
    expect(r.code).toBe(0);
  }, 60_000);

  // Every scenario block, every variant, seed 1: each check's outcome is the one its variant declares.
  for (const b of blocks.filter((x) => !x.file.endsWith('.test.ts'))) {
    it(`${b.file} (line ${b.line}) runs every variant as it declares`, async () => {
      const mod = (await import(pathToFileURL(join(dir, b.file)).href)) as { default?: unknown };
      expect(isScenario(mod.default), `${b.file} default-exports a scenario`).toBe(true);
      const scenario = mod.default as Scenario<any>;
      expect(scenario.name).toBe(b.file.replace(/\.ts$/, ''));
      for (const variant of scenario.variantNames) {
        const result = run(scenario, { seed: 1, variant });
        const got = result.checks.map((c) => `${c.name}: ${c.status} (expected ${c.expected})${c.detail ? ` ${c.detail}` : ''}`);
        expect(outcomesAsExpected(result), `${b.file} ${variant}:\n${got.join('\n')}`).toBe(true);
        expect(result.metrics.requests).toBeGreaterThan(0);
      }
    });
  }

  it('the property-test blocks pass under vitest', async () => {
    const tests = blocks.filter((b) => b.file.endsWith('.test.ts'));
    expect(tests.length).toBeGreaterThan(0);
    writeFileSync(
      join(dir, 'vitest.config.ts'),
      `import config from '../../vitest.config.ts';\nexport default { ...config, test: { ...config.test, include: ['*.test.ts'] } };\n`,
    );
    const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
    const r = await sh(process.execPath, [vitest, 'run', '--root', dir, '--config', join(dir, 'vitest.config.ts')], dir);
    expect(r.out).toMatch(new RegExp(`Test Files +${tests.length} passed`));
    expect(r.code, r.out).toBe(0);
  }, 120_000);
});
