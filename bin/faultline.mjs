#!/usr/bin/env node
// The faultline command. It runs the build in dist/ when that is at least as new as the sources,
// and the TypeScript sources through tsx otherwise, so an edit is never hidden behind a stale
// build and a checkout needs no build step (docs/ARCHITECTURE.md, "Build and sources"). From the
// build nothing is registered with Node and tsx is not loaded, unless a scenario file of the
// user's asks for it (sim/run/loaders.ts).
import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// One `run` is mostly V8 warming up: the same run takes a fraction of the time once the process is
// warm, and the largest part of the first is TurboFan optimizing the simulator's hot functions.
// Inlining callees larger than 100 bytes of bytecode (V8's limit is 460) is what makes those
// optimizations costly: without it `run metastable-retry` takes ≈ 10 % fewer instructions (a third
// less compiling) and ≈ 15 % less CPU on a busy machine, while a run long enough to outweigh its
// warm-up (seconds) runs up to ≈ 4 % slower (docs/PERFORMANCE.md, "Start-up and the whole-process
// figures"). Set first, before any of the simulator is compiled; only for `run` (a sweep's workers
// run warm for most of their time), and not over a limit given to node on its command line.
const INLINING = '--max-inlined-bytecode-size=100';
if (process.argv[2] === 'run' && !process.execArgv.some((a) => a.includes('inlined-bytecode-size'))) {
  (await import('node:v8')).setFlagsFromString(INLINING);
}

const root = fileURLToPath(new URL('..', import.meta.url));
/** What the build compiles; any file or folder here newer than the build's stamp makes it stale. */
const SOURCES = ['sim', 'scenarios', 'viz'];

/**
 * True when `dir`, or any file or folder under it, changed after `time` (ms since the epoch). A
 * folder's time covers files added, removed or renamed in it. About 145 entries: 1-2 ms.
 */
/** @param {string} dir @param {number} time @returns {boolean} */
function changedSince(dir, time) {
  const self = statSync(dir, { throwIfNoEntry: false });
  if (self === undefined) return false;
  if (self.mtimeMs > time) return true;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory() ? changedSince(path, time) : (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) > time) return true;
  }
  return false;
}

/** Whether to run dist/: its stamp exists and no source changed after the build started. */
function buildIsCurrent() {
  const stamp = statSync(join(root, 'dist', '.build-stamp'), { throwIfNoEntry: false });
  if (stamp === undefined) return false;
  // An installed copy runs its build: npm gives every file of a package the same time.
  if (root.includes(`${sep}node_modules${sep}`)) return true;
  return !SOURCES.some((dir) => changedSince(join(root, dir), stamp.mtimeMs));
}

// `faultline list | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

/** @type {typeof import('../sim/cli/main.ts')} */
let cli;
if (buildIsCurrent()) {
  const built = '../dist/sim/cli/main.js'; // a variable: the typecheck must not need a build
  cli = await import(built);
} else {
  (await import('tsx/esm/api')).register();
  (await import('../sim/run/loaders.ts')).useSourceLoaders();
  cli = await import('../sim/cli/main.ts');
}
const code = await cli.main(process.argv.slice(2));
process.exitCode = code;
// A command returns when its work is done: its files written, its worker threads ended. Exit as
// soon as what it printed has been handed to the operating system, instead of letting Node wind
// down on its own, which first runs the garbage collector's pending tasks and frees the heap of
// the finished run (≈ 10 ms of a default run's CPU; 'exit' handlers, such as the cleanups of
// temporary files, still run).
let unflushed = 2;
const flushed = () => --unflushed === 0 && process.exit(code);
process.stdout.write('', flushed);
process.stderr.write('', flushed);
