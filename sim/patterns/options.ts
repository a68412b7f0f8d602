/**
 * Option validation shared by every public builder ("public builders validate, then delegate").
 * Errors name the builder, the field, the value and what would be valid:
 *
 *   circuitBreaker: failureRateThreshold = 150 is out of range; valid: (0, 100] (percent)
 *
 * Durations use the real library's name with a visible unit: either the plain name with a string
 * that carries a unit (`waitDurationInOpenState: "60s"`) or the name suffixed `Ms` with a number of
 * milliseconds (`waitDurationInOpenStateMs: 60000`). A bare number under the plain name is refused,
 * because its unit would be a guess.
 */
import { InputError } from '../kernel/errors.ts';
import { checkKeys, expectObject } from '../kernel/suggest.ts';
import { parseDuration } from '../kernel/time.ts';
import type { Simulation } from '../kernel/sim.ts';

export type Opts = Record<string, unknown>;

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/**
 * Refuse option names the builder does not know (a typo would otherwise be silently ignored), with
 * the closest valid name: `retry: unknown option "attemptMax"; did you mean "attemptsMax"? …`.
 * A value that is not an options object at all (`retry(3)`) is refused too.
 */
export function checkKnown(where: string, opts: Opts, known: readonly string[]): void {
  expectObject(where, opts);
  checkKeys(where, opts, known, 'option');
}

export interface NumberRule {
  min?: number;
  max?: number;
  /** Exclude the min (max) itself. */
  minExclusive?: boolean;
  maxExclusive?: boolean;
  integer?: boolean;
  unit?: string;
}

function rangeText(r: NumberRule): string {
  const lo = r.min === undefined ? '(-∞' : `${r.minExclusive ? '(' : '['}${r.min}`;
  const hi = r.max === undefined ? '∞)' : `${r.max}${r.maxExclusive ? ')' : ']'}`;
  return `${r.integer ? 'an integer in ' : ''}${lo}, ${hi}${r.unit ? ` (${r.unit})` : ''}`;
}

/** Read a numeric option with a default, validated against `rule`. */
export function numberOption(where: string, opts: Opts, field: string, dflt: number, rule: NumberRule): number {
  const v = opts[field];
  if (v === undefined) return dflt;
  const ok =
    typeof v === 'number' &&
    !Number.isNaN(v) &&
    (!rule.integer || Number.isInteger(v)) &&
    (rule.min === undefined || (rule.minExclusive ? v > rule.min : v >= rule.min)) &&
    (rule.max === undefined || (rule.maxExclusive ? v < rule.max : v <= rule.max));
  if (!ok) {
    throw new InputError(`${where}: ${field} = ${show(v)} is out of range; valid: ${rangeText(rule)}`);
  }
  return v as number;
}

export function booleanOption(where: string, opts: Opts, field: string, dflt: boolean): boolean {
  const v = opts[field];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new InputError(`${where}: ${field} = ${show(v)} is not valid; use true or false`);
  return v;
}

export function enumOption<T extends string>(where: string, opts: Opts, field: string, dflt: T, values: readonly T[]): T {
  const v = opts[field];
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !values.includes(v as T)) {
    throw new InputError(`${where}: ${field} = ${show(v)} is not valid; use one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
  }
  return v as T;
}

export function stringListOption(where: string, opts: Opts, field: string, dflt: readonly string[]): readonly string[] {
  const v = opts[field];
  if (v === undefined) return dflt;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new InputError(`${where}: ${field} = ${JSON.stringify(v)} is not valid; use a list of error kinds (strings)`);
  }
  return v as string[];
}

/** The option names a duration may be given under: `name` (string with unit) and `nameMs`. */
export function durationNames(name: string): [string, string] {
  return [name, `${name}Ms`];
}

/**
 * Read a duration option given as `name: "60s"` or `nameMs: 60000`; returns microseconds.
 * `rule` bounds apply to the value in microseconds (`minUs`, `maxUs`, exclusive variants).
 */
export function durationOption(
  where: string,
  opts: Opts,
  name: string,
  dfltUs: number,
  rule: { minUs?: number; maxUs?: number; minExclusive?: boolean } = { minUs: 0 },
): number {
  const s = opts[name];
  const m = opts[`${name}Ms`];
  if (s !== undefined && m !== undefined) {
    throw new InputError(`${where}: give either ${name} (a string such as "60s") or ${name}Ms (a number of milliseconds), not both`);
  }
  let us: number;
  if (s !== undefined) {
    if (typeof s !== 'string') {
      throw new InputError(
        `${where}: ${name} = ${show(s)} has no unit; write a string such as "${s}ms" or use ${name}Ms for milliseconds`,
      );
    }
    us = parseDuration(s, `${where}: ${name}`);
  } else if (m !== undefined) {
    if (typeof m !== 'number' || !Number.isFinite(m) || m < 0) {
      throw new InputError(`${where}: ${name}Ms = ${show(m)} is not valid; use a finite number of milliseconds ≥ 0`);
    }
    us = Math.round(m * 1000);
  } else {
    return dfltUs;
  }
  const lo = rule.minUs ?? 0;
  const tooLow = rule.minExclusive ? us <= lo : us < lo;
  if (tooLow || (rule.maxUs !== undefined && us > rule.maxUs)) {
    const hi = rule.maxUs === undefined ? '∞' : `${rule.maxUs / 1000}ms`;
    throw new InputError(
      `${where}: ${name} = ${show(s ?? m)} is out of range; valid: ${rule.minExclusive ? '(' : '['}${lo / 1000}ms, ${hi}]`,
    );
  }
  return us;
}

/** Require the simulation handle (the clock every policy reads). */
export function requireSim(where: string, opts: Opts): Simulation {
  const sim = opts.sim as Simulation | undefined;
  if (sim === undefined || sim === null || typeof (sim as Simulation).schedule !== 'function') {
    throw new InputError(`${where}: option sim is required (the Simulation whose clock the policy reads); inside build, take ${where.split(':')[0]} from the build context instead (build({ ${where.split(':')[0]} }) { ... }), which binds it`);
  }
  return sim;
}

export function nameOption(where: string, opts: Opts, dflt: string): string {
  const v = opts.name;
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || v.length === 0) throw new InputError(`${where}: name = ${show(v)} is not valid; use a non-empty string`);
  return v;
}

export function functionOption<F extends Function>(where: string, opts: Opts, field: string): F | undefined {
  const v = opts[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'function') throw new InputError(`${where}: ${field} must be a function`);
  return v as F;
}
