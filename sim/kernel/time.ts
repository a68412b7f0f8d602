/**
 * Virtual time is an integer count of microseconds from the start of the run.
 * Public APIs take durations with their unit visible: a string such as "250ms" or "3s",
 * or a number in a field whose name ends in `Us` or `Ms`.
 */
import { InputError } from './errors.ts';

/**
 * A duration: a string with its unit (`"250ms"`, `"1.5s"`, `"90us"`, `"2min"`, `"1h"`) or a
 * number of microseconds.
 */
export type Duration = string | number;

const UNIT_US: Record<string, number> = {
  us: 1,
  µs: 1,
  ms: 1_000,
  s: 1_000_000,
  m: 60_000_000,
  min: 60_000_000,
  h: 3_600_000_000,
};

const DURATION_RE = /^\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*(us|µs|ms|s|m|min|h)\s*$/i;

/**
 * Parse a duration into integer microseconds. A string needs a unit ("250ms", "1.5s", "90us");
 * a number is taken as microseconds. Negative, NaN and infinite values are rejected.
 */
export function parseDuration(value: Duration, what = 'duration'): number {
  let us: number;
  if (typeof value === 'number') {
    us = value;
  } else if (typeof value === 'string') {
    const m = DURATION_RE.exec(value);
    if (!m) {
      throw new InputError(
        `${what}: ${JSON.stringify(value)} is not a duration; use a number with a unit: us, ms, s, m or h (for example "250ms" or "3s")`,
      );
    }
    us = Number(m[1]) * (UNIT_US[m[2]!.toLowerCase()] ?? NaN);
  } else {
    throw new InputError(`${what}: expected a duration such as "250ms", got ${JSON.stringify(value)}`);
  }
  if (!Number.isFinite(us)) throw new InputError(`${what}: ${JSON.stringify(value)} is not a finite duration`);
  if (us < 0) throw new InputError(`${what}: ${JSON.stringify(value)} is negative; durations must be ≥ 0`);
  return Math.round(us);
}

/** `n` microseconds, as integer µs (rounded). */
export const us = (n: number): number => Math.round(n);
/** `n` milliseconds, as integer µs (rounded). */
export const ms = (n: number): number => Math.round(n * 1_000);
/** `n` seconds, as integer µs (rounded). */
export const sec = (n: number): number => Math.round(n * 1_000_000);

/** Format microseconds for people: "1.5s", "250ms", "40us". */
export function formatDuration(valueUs: number): string {
  if (valueUs >= 1_000_000 && valueUs % 1_000 === 0) return `${+(valueUs / 1_000_000).toFixed(3)}s`;
  if (valueUs >= 1_000) return `${+(valueUs / 1_000).toFixed(3)}ms`;
  return `${valueUs}us`;
}
