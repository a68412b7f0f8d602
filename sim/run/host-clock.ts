/**
 * The one place outside `cli/` allowed to read the host's clock (the tidy test enforces it).
 * Wall-clock readings feed `stats.wallMs`, progress and sweep watchdogs only; they never enter a
 * simulation, its trace or its hash. The function is captured when this module loads, so a test
 * that replaces `performance.now` with a throwing stub (to prove the simulation never reads it)
 * does not break the runner's own bookkeeping, nor does the determinism guard (`guard.ts`).
 */
const hostNow: () => number = performance.now.bind(performance);
// the host's timers, captured too: the determinism guard (guard.ts) traps the globals during a run
const hostSetTimeout = setTimeout;
const hostClearTimeout = clearTimeout;

export function wallClockMs(): number {
  return hostNow();
}

/** A wall-clock watchdog for sweep workers; returns a function that disarms it. */
export function startWatchdog(ms: number, onExpire: () => void): () => void {
  const timer = hostSetTimeout(onExpire, ms);
  return () => hostClearTimeout(timer);
}
