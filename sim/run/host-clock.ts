/**
 * The one place outside `cli/` allowed to read the host's clock (the tidy test enforces it).
 * Wall-clock readings feed `stats.wallMs`, progress and sweep watchdogs only; they never enter a
 * simulation, its trace or its hash. The function is captured when this module loads, so a test
 * that replaces `performance.now` with a throwing stub (to prove the simulation never reads it)
 * does not break the runner's own bookkeeping.
 */
const hostNow: () => number = performance.now.bind(performance);

export function wallClockMs(): number {
  return hostNow();
}
