/**
 * A small, strict argument parser: every flag is declared; an unknown flag, a flag missing its
 * value, or a malformed value is a usage error (exit code 2) with a one-line message.
 */
import { InputError } from '../kernel/errors.ts';

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
    if (!arg.startsWith('--') || arg === '--') {
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
    const spec = specs[name];
    if (!spec) {
      throw new UsageError(
        `${command}: unknown flag --${name}; valid flags: ${Object.keys(specs).map((k) => `--${k}`).join(', ')}`,
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

export function flagHelp(specs: Record<string, FlagSpec>): string {
  const rows = Object.entries(specs).map(([k, s]) => [`--${k}${s.value ? ` ${s.value}` : ''}`, s.help] as const);
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`).join('\n');
}

/** Parse an integer flag value strictly: "12" yes, "12abc", "1e3", "" and "-1" (unless allowed) no. */
export function parseIntFlag(name: string, raw: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(raw.trim())) throw new UsageError(`--${name}: ${JSON.stringify(raw)} is not an integer`);
  const n = Number(raw);
  if (n < min || n > max) throw new UsageError(`--${name}: ${n} is out of range; valid: ${min}..${max}`);
  return n;
}

/** A seed is a uint32 given in decimal, or any other non-empty string. */
export function parseSeedFlag(raw: string): number | string {
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    if (n > 0xffffffff) throw new UsageError(`--seed: ${raw} is above 4294967295; use a smaller integer or a string seed`);
    return n;
  }
  if (raw.length === 0) throw new UsageError('--seed: empty; use an integer from 0 to 4294967295 or a string');
  // something that reads as a number but is not a uint32 is a typo, not a string seed
  if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(raw)) {
    throw new UsageError(`--seed: ${raw} is not an integer from 0 to 4294967295 (string seeds must not look like numbers)`);
  }
  return raw;
}
