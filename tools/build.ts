/**
 * `npm run build` (and `prepare`, so `npm ci` builds): writes the .d.ts files of `sim/`,
 * `scenarios/` and `viz/` to `dist/` with tsc, and their JavaScript with esbuild as a bundle with
 * code splitting (tools/bundle.ts: the command, the workers, the package's entry points and the
 * built-in scenarios at the paths tsc would use, shared code in `dist/sim/chunks/`), copies the
 * plain-JavaScript modules worker threads start from, writes the report viewer's bundle to
 * `dist/viz/viewer.bundle.js`, the built-in scenarios' listing to `dist/scenarios/catalog.json`
 * (what `faultline list` prints), and last writes `dist/.build-stamp`.
 *
 * `bin/faultline.mjs` runs `dist/` only when the stamp is at least as new as every file under
 * `sim/`, `scenarios/` and `viz/`, and the sources through tsx otherwise. The stamp's time is
 * the moment this build started, so a file saved while it ran counts as newer. A failed build
 * leaves no stamp, and the sources run.
 *
 * With `--prepare` (the `prepare` script), a checkout installed without its dev dependencies
 * (no TypeScript compiler) is not an error: the build is skipped and the CLI runs the sources.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { viewerBundle } from '../viz/report.ts';
import { bundleDist } from './bundle.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const started = new Date();
const prepare = process.argv.includes('--prepare');

function fail(message: string): never {
  process.stderr.write(`build: ${message}\n`);
  process.exit(1);
}

let tsc: string;
try {
  tsc = join(createRequire(import.meta.url).resolve('typescript/package.json'), '..', 'bin', 'tsc');
} catch {
  if (prepare) {
    process.stderr.write('build: skipped (TypeScript is not installed); the faultline command runs the sources through tsx\n');
    process.exit(0);
  }
  fail('TypeScript is not installed; run npm ci first');
}

rmSync(dist, { recursive: true, force: true });
// tsc writes the types; the JavaScript is esbuild's bundle, built meanwhile
const types = new Promise<number | null>((resolve) =>
  spawn(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--emitDeclarationOnly'], { stdio: 'inherit' }).on('exit', (code) => resolve(code)),
);
try {
  await bundleDist(root, dist);
} catch (err) {
  fail(`esbuild failed: ${err instanceof Error ? err.message : String(err)}`);
}
const typesExit = await types;
if (typesExit !== 0) fail(`tsc failed (exit ${typesExit})`);

// Worker threads start from plain JavaScript (a thread cannot load .ts before tsx is registered).
for (const dir of ['sim/run']) {
  for (const f of readdirSync(join(root, dir)).filter((n) => n.endsWith('.mjs'))) {
    mkdirSync(join(dist, dir), { recursive: true });
    copyFileSync(join(root, dir, f), join(dist, dir, f));
  }
}

writeFileSync(join(dist, 'viz', 'viewer.bundle.js'), await viewerBundle());

// `faultline list` reads the built-in scenarios' names, titles, variants and params from
// dist/scenarios/catalog.json instead of importing every scenario. Written by plain Node from the
// build (no tsx: its tsconfig paths would send the scenarios' `faultline` imports to the sources).
const catalog = spawnSync(
  process.execPath,
  ['--input-type=module', '-e', `const { writeScenarioCatalog } = await import(${JSON.stringify(pathToFileURL(join(dist, 'sim', 'cli', 'load.js')).href)}); await writeScenarioCatalog();`],
  { stdio: 'inherit', cwd: root },
);
if (catalog.status !== 0) fail(`writing dist/scenarios/catalog.json failed (exit ${catalog.status ?? catalog.signal})`);

const stamp = join(dist, '.build-stamp');
writeFileSync(stamp, 'Written last by `npm run build`; its time is when that build started. See tools/build.ts.\n');
utimesSync(stamp, started, started);
console.log(`build: dist/ in ${((Date.now() - started.getTime()) / 1000).toFixed(1)} s`);
