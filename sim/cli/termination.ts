/**
 * What the command does when it is told to stop. SIGINT, SIGTERM and SIGHUP run the registered
 * cleanups (temporary output files are removed), then the process exits with 128 + the signal's
 * number (130 for SIGINT, 143 for SIGTERM), as Node's own default handlers do; worker threads end
 * with the process. Cleanups also run when the process exits on its own with work unfinished
 * (an error between creating a temporary file and renaming it).
 *
 * Handlers are installed on first use (`onTermination`), so a command that never writes a file
 * keeps Node's defaults.
 */
import { constants } from 'node:os';

const cleanups = new Set<() => void>();
let installed = false;
let stopping = false;

function runCleanups(): void {
  for (const fn of [...cleanups]) {
    cleanups.delete(fn);
    try {
      fn();
    } catch {
      // best effort: a cleanup that fails must not keep the others from running
    }
  }
}

/** Exit as a process stopped by `signal` would: cleanups, then 128 + its number. */
export function stopForSignal(signal: NodeJS.Signals): never {
  if (!stopping) {
    stopping = true;
    runCleanups();
  }
  process.exit(128 + (constants.signals[signal] ?? 15));
}

/** Install the signal handlers (idempotent). */
export function installTermination(): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stopForSignal(signal));
  process.on('exit', runCleanups);
}

/** Run `fn` if the process is stopped (or exits) before the returned function is called. */
export function onTermination(fn: () => void): () => void {
  installTermination();
  cleanups.add(fn);
  return () => void cleanups.delete(fn);
}
