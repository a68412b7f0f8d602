/**
 * The one place outside `cli/` allowed to read the host's clock (the tidy test enforces it).
 * Wall-clock readings feed `stats.wallMs`, progress and sweep watchdogs only; they never enter a
 * simulation, its trace or its hash.
 */
export function wallClockMs(): number {
  return performance.now();
}
