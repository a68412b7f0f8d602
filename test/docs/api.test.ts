// `npm run docs` (and `npm run docs:api` alone) builds the API reference of every public entry
// point from the TSDoc comments with no warning, and every export has a summary, except those
// still listed in tools/api-docs-undocumented.txt (a list that only shrinks: a documented export
// must leave it). The reference is built once, through `npm run docs`'s own `generateDocs`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiDocsResult } from '../../tools/api-docs.ts';
import { generateDocs } from '../../tools/gen-docs.ts';
import { ENTRY_POINTS } from '../../sim/run/loaders.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run docs: the API reference', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'faultline-api-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  let built: ApiDocsResult;
  beforeAll(async () => {
    // the README and docs/FAULTS.md parts are computed, not written (test/docs.test.ts checks them)
    built = (await generateDocs({ writeFiles: false, apiOutDir: join(tmp, 'api') })).api;
  }, 120_000);

  it('builds with no warning', () => {
    expect(built.warnings).toEqual([]);
  });

  it('npm run docs and npm run docs:api both build it', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.docs).toMatch(/tools\/gen-docs\.ts$/);
    expect(scripts['docs:api']).toMatch(/tools\/api-docs\.ts$/);
    expect(built.outDir).toBe(join(tmp, 'api'));
  });

  it('has a page per entry point, and documented exports carry their summary', () => {
    const index = readFileSync(join(built.outDir, 'index.md'), 'utf8');
    for (const specifier of Object.keys(ENTRY_POINTS)) expect(index).toContain(`[${specifier.replace('/', '-')}]`);
    // a summary from the source comment reaches the page
    expect(readFileSync(join(built.outDir, 'faultline.definescenario.md'), 'utf8')).toMatch(/Define a scenario: validates the spec at once/);
    expect(existsSync(join(built.outDir, 'faultline-app.modelling.md'))).toBe(true);
  });

  it('every export has a TSDoc summary, apart from the known list (which only shrinks)', () => {
    const known = readFileSync(join(ROOT, 'tools', 'api-docs-undocumented.txt'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    expect(built.undocumented.filter((x) => !known.includes(x)), 'exports without a summary: document them').toEqual([]);
    expect(known.filter((x) => !built.undocumented.includes(x)), 'documented now: remove them from tools/api-docs-undocumented.txt').toEqual([]);
  });
});
