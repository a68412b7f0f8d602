// The public entry points are named in four places that must agree: package.json `exports` (the
// build, for users), `typesVersions` (types for older TypeScript resolution), tsconfig.json
// `paths` (the sources, for the typecheck) and ENTRY_POINTS in sim/run/loaders.ts (the sources
// or the build, for vitest, the CLI and worker threads).
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ENTRY_POINTS, entryPointUrls } from '../../sim/run/loaders.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
/** tsconfig.json with its whole-line comments removed. */
const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8').replace(/^\s*\/\/.*$/gm, ''));
const subpath = (specifier: string): string => (specifier === 'faultline' ? '.' : `./${specifier.slice('faultline/'.length)}`);

describe('public entry points', () => {
  const specifiers = Object.keys(ENTRY_POINTS);

  it('are faultline, its world, patterns, app and check layers, and the vitest helpers', () => {
    expect(specifiers).toEqual(['faultline', 'faultline/world', 'faultline/patterns', 'faultline/app', 'faultline/check', 'faultline/vitest']);
  });

  it('package.json exports each from dist/ with its types first, and nothing else but package.json', () => {
    const expected: Record<string, unknown> = { './package.json': './package.json' };
    for (const [spec, path] of Object.entries(ENTRY_POINTS)) {
      expected[subpath(spec)] = { types: `./dist/sim/${path}.d.ts`, default: `./dist/sim/${path}.js` };
    }
    expect(pkg.exports).toEqual(expected);
    for (const conditions of Object.values(pkg.exports as Record<string, unknown>)) {
      if (typeof conditions === 'object') expect(Object.keys(conditions as object)[0]).toBe('types');
    }
    expect(pkg.main).toBe(`./dist/sim/${ENTRY_POINTS.faultline}.js`);
    expect(pkg.types).toBe(`./dist/sim/${ENTRY_POINTS.faultline}.d.ts`);
    const older = Object.fromEntries(
      Object.entries(ENTRY_POINTS)
        .filter(([spec]) => spec !== 'faultline')
        .map(([spec, path]) => [spec.slice('faultline/'.length), [`./dist/sim/${path}.d.ts`]]),
    );
    expect(pkg.typesVersions).toEqual({ '*': older });
  });

  it('tsconfig paths and the loaders map each to its source file, which exists', () => {
    const paths = Object.fromEntries(Object.entries(ENTRY_POINTS).map(([spec, path]) => [spec, [`./sim/${path}.ts`]]));
    expect(tsconfig.compilerOptions.paths).toEqual(paths);
    for (const [spec, url] of Object.entries(entryPointUrls())) {
      expect(url, spec).toBe(new URL(`sim/${ENTRY_POINTS[spec]}.ts`, pathToFileURL(ROOT)).href);
      expect(existsSync(fileURLToPath(url)), spec).toBe(true);
    }
  });

  it('the package installs what the command needs at run time; vitest is an optional peer', () => {
    for (const dep of ['tsx', 'esbuild', 'd3', 'seedrandom', 'fast-check']) expect(pkg.dependencies[dep], dep).toBeDefined();
    expect(pkg.devDependencies.tsx).toBeUndefined();
    expect(pkg.peerDependencies).toEqual({ vitest: '^4' });
    expect(pkg.peerDependenciesMeta).toEqual({ vitest: { optional: true } });
  });
});
