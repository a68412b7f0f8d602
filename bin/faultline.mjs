#!/usr/bin/env node
// The faultline command. It runs the build in dist/ when that is at least as new as the sources,
// and the TypeScript sources through tsx otherwise, so an edit is never hidden behind a stale
// build and a checkout needs no build step (docs/ARCHITECTURE.md, "Build and sources"). From the
// build nothing is registered with Node and tsx is not loaded, unless a scenario file of the
// user's asks for it (sim/run/loaders.ts).
import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

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

// A command this file started again with other V8 flags (below) dies with its parent: when the
// parent goes, even by SIGKILL, the child is handed to another parent process and stops as on
// SIGTERM. (Polled: Linux's parent-death signal is out of Node's reach, and an IPC channel is
// not reliably open this early.)
const parentPid = Number(process.env.FAULTLINE_PARENT_PID);
if (parentPid > 0) {
  delete process.env.FAULTLINE_PARENT_PID;
  const orphaned = () => process.ppid !== parentPid;
  if (orphaned()) process.kill(process.pid, 'SIGTERM');
  setInterval(() => orphaned() && process.kill(process.pid, 'SIGTERM'), 200).unref();
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
const { main, relaunchFlags } = cli;
const argv = process.argv.slice(2);
const flags = await relaunchFlags(argv, process.execArgv);
if (flags.length === 0) {
  process.exitCode = await main(argv);
} else {
  // V8 flags are fixed when a process starts: run the command in a child that has them (a sweep
  // whose workers take every core collects garbage single-threaded, see sim/run/pool.ts).
  const { spawn } = await import('node:child_process');
  const { constants } = await import('node:os');
  // Signals go to the child, which cleans up and exits 128 + the signal's number; this process
  // exits with the child's code. The handlers come first: a signal that arrives while the child
  // starts is passed on once it runs.
  /** @type {import('node:child_process').ChildProcess | null} */
  let child = null;
  /** @type {NodeJS.Signals | null} */
  let pending = null;
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    process.on(signal, () => (child !== null ? child.kill(signal) : (pending = signal)));
  }
  const started = spawn(process.execPath, [...process.execArgv, ...flags, fileURLToPath(import.meta.url), ...argv], {
    stdio: 'inherit',
    env: { ...process.env, FAULTLINE_PARENT_PID: String(process.pid) },
  });
  child = started;
  if (pending !== null) started.kill(pending);
  process.exitCode = await new Promise((resolve) => {
    started.on('error', (err) => {
      process.stderr.write(`faultline: cannot start the sweep process: ${err.message}\n`);
      resolve(2);
    });
    started.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 1)));
  });
}
