/**
 * A small, strict argument parser: every flag is declared; an unknown flag, a flag missing its
 * value, or a malformed value is a usage error (exit code 2) with a one-line message.
 */
import { InputError } from '../kernel/errors.ts';
import { showName, showValue } from '../kernel/show.ts';
import { closestName } from '../kernel/suggest.ts';

export interface FlagSpec {
  /** 'string' takes a value; 'boolean' does not; 'list' takes a value and may repeat. */
  type: 'string' | 'boolean' | 'list';
  help: string;
  /** Placeholder for help text, e.g. "N" or "file.json". */
  value?: string;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | boolean | string[] | undefined>;
}

export class UsageError extends InputError {}

export function parseArgs(argv: readonly string[], specs: Record<string, FlagSpec>, command: string): ParsedArgs {
  const out: ParsedArgs = { positionals: [], flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      // "-h", "-v", "-seed": a flag typed with one dash (a lone "-" and negative numbers stay arguments)
      if (/^-[A-Za-z]/.test(arg)) {
        const name = arg.slice(1).split('=')[0]!;
        const hint = name.length === 1 ? Object.keys(specs).find((k) => k[0] === name) : closestName(name.slice(0, 64), Object.keys(specs));
        throw new UsageError(
          `${command}: unknown flag ${/^-[\w.-]{1,40}$/.test(arg.split('=')[0]!) ? arg.split('=')[0]! : showValue(arg.split('=')[0]!, 40)}; flags take two dashes${hint ? ` (did you mean --${hint}?)` : ''}; valid flags: ${validFlags(specs)}`,
        );
      }
      out.positionals.push(arg);
      continue;
    }
    let name = arg.slice(2);
    let inline: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      inline = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = Object.prototype.hasOwnProperty.call(specs, name) ? specs[name] : undefined;
    if (!spec) {
      const hint = closestName(name.slice(0, 64), Object.keys(specs));
      throw new UsageError(
        `${command}: unknown flag ${/^[\w.-]{1,40}$/.test(name) ? `--${name}` : showValue(`--${name}`, 40)};${hint ? ` did you mean --${hint}?` : ''} valid flags: ${validFlags(specs)}`,
      );
    }
    if (spec.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`${command}: --${name} takes no value`);
      out.flags[name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new UsageError(`${command}: --${name} needs a value${spec.value ? ` (${spec.value})` : ''}`);
      }
      value = next;
      i++;
    }
    // "--out=" or --out "" would write to "" (the directory): every value of a flag is non-empty
    if (value.length === 0) throw new UsageError(`${command}: --${name} needs a non-empty value${spec.value ? ` (${spec.value})` : ''}`);
    if (spec.type === 'list') {
      const prev = out.flags[name];
      out.flags[name] = [...(Array.isArray(prev) ? prev : []), value];
    } else {
      if (out.flags[name] !== undefined) throw new UsageError(`${command}: --${name} given twice`);
      out.flags[name] = value;
    }
  }
  return out;
}

function validFlags(specs: Record<string, FlagSpec>): string {
  return Object.keys(specs).map((k) => `--${k}`).join(', ');
}

export function flagHelp(specs: Record<string, FlagSpec>): string {
  const rows = Object.entries(specs).map(([k, s]) => [`--${k}${s.value ? ` ${s.value}` : ''}`, s.help] as const);
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`).join('\n');
}

/** Parse an integer flag value strictly: "12" yes, "12abc", "1e3", "" and "-1" (unless allowed) no. */
export function parseIntFlag(name: string, raw: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(raw.trim())) throw new UsageError(`--${name}: ${showValue(raw, 40)} is not an integer; valid: ${min}..${max}`);
  const n = Number(raw);
  if (n < min || n > max) throw new UsageError(`--${name}: ${n} is out of range; valid: ${min}..${max}`);
  return n;
}

/** Longest string seed, in characters (it is printed in every replay command). */
export const SEED_STRING_MAX = 256;

/**
 * Anything JavaScript or a shell user would read as a number: decimals, exponents, hex, octal and
 * binary literals, NaN and Infinity, digit groups ("1_000", "1,000"), with or without a sign or
 * surrounding blanks.
 */
const NUMERIC_LOOKING_RE = /^\s*[-+]?(\d[\d_,]*\.?\d*|\.\d+)(e[-+]?\d+)?\s*$|^\s*[-+]?0[xob][0-9a-f]*\s*$|^\s*[-+]?(nan|inf|infinity)\s*$/i;

/**
 * A seed is a uint32 given in decimal, or any other non-empty string of printable characters.
 * A string that reads as a number but is not a uint32 (`-1`, `1e3`, `0x10`, `NaN`, `4294967296`)
 * is a typo, not a string seed: it is refused instead of silently seeding something else.
 */
export function parseSeedFlag(raw: string): number | string {
  const valid = 'use an integer from 0 to 4294967295, or a string seed that does not look like a number';
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    if (n > 0xffffffff) throw new UsageError(`--seed: ${showName(raw, 40)} is above 4294967295; ${valid}`);
    return n;
  }
  if (raw.length === 0) throw new UsageError(`--seed: empty; ${valid}`);
  if (NUMERIC_LOOKING_RE.test(raw)) throw new UsageError(`--seed: ${showName(raw, 40)} is not an integer from 0 to 4294967295; ${valid}`);
  // eslint-disable-next-line no-control-regex
  if (raw.length > SEED_STRING_MAX || /[\u0000-\u001f\u007f-\u009f]/.test(raw)) {
    throw new UsageError(`--seed: ${showValue(raw, 40)} is not a valid string seed; use at most ${SEED_STRING_MAX} printable characters`);
  }
  return raw;
}
