/**
 * A sweep result read back from a file (`faultline merge shard-*.json`): valid JSON is not yet a
 * sweep result. Every field the merge reads is checked for its shape first, so a truncated,
 * hand-edited or foreign file is a one-line error naming the file, the field and what is valid,
 * never a TypeError halfway through the merge.
 */
import { InputError } from '../kernel/errors.ts';
import { hasOwn, showValue } from '../kernel/show.ts';
import type { SweepReport } from './sweep-report.ts';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isParamValue = (v: unknown): boolean => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
const isParams = (v: unknown): boolean => isObject(v) && Object.values(v).every(isParamValue);
const isSeed = (v: unknown): boolean => typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff);

/** Check that `value`, parsed from `file`, has the shape of a sweep result; returns it typed. */
export function checkSweepReport(value: unknown, file: string): SweepReport {
  const bad = (field: string, got: unknown, valid: string): never => {
    throw new InputError(`merge: ${file}: ${field}=${showValue(got, 60)} is not valid; ${valid}`);
  };
  if (!isObject(value) || value.kind !== 'faultline-sweep') {
    throw new InputError(`merge: ${file} is not a faultline sweep result (write one with faultline sweep --out file.json)`);
  }
  const r = value;
  for (const key of ['version', 'scenario', 'seeds'] as const) {
    if (typeof r[key] !== 'string') bad(key, r[key], 'a string');
  }
  if (!isStrings(r.variants) || r.variants.length === 0) bad('variants', r.variants, 'a non-empty array of variant names');
  if (!isParams(r.params)) bad('params', r.params, 'an object of param values');
  if (r.shard !== null && typeof r.shard !== 'string') bad('shard', r.shard, 'null or "i/n"');
  if (typeof r.shard === 'string' && !/^\d+\/\d+$/.test(r.shard) && !r.shard.startsWith('merged ')) bad('shard', r.shard, 'null or "i/n"');
  if (!isStrings(r.keyMetrics)) bad('keyMetrics', r.keyMetrics, 'an array of metric names');
  if (hasOwn(r, 'grid') && r.grid !== undefined) {
    const g = r.grid as Record<string, unknown>;
    if (!isObject(g) || !isStrings(g.keys) || !Array.isArray(g.points) || !g.points.every(isParams)) {
      bad('grid', g, '{ keys: [names], points: [{ name: value }] }');
    }
  }
  if (!Array.isArray(r.runs)) bad('runs', r.runs, 'an array of run rows');
  const variants = new Set(r.variants as string[]);
  (r.runs as unknown[]).forEach((raw, i) => {
    const at = `runs[${i}]`;
    if (!isObject(raw)) bad(at, raw, 'an object { variant, seed, traceHash, checks, metrics, replay }');
    const row = raw as Record<string, unknown>;
    if (typeof row.variant !== 'string' || !variants.has(row.variant)) bad(`${at}.variant`, row.variant, `one of the file's variants: ${[...variants].join(', ')}`);
    if (!isSeed(row.seed)) bad(`${at}.seed`, row.seed, 'an integer 0..4294967295 or a string');
    if (row.traceHash !== null && typeof row.traceHash !== 'string') bad(`${at}.traceHash`, row.traceHash, 'a string or null');
    if (typeof row.replay !== 'string') bad(`${at}.replay`, row.replay, 'the replay command, a string');
    if (row.error !== undefined && typeof row.error !== 'string') bad(`${at}.error`, row.error, 'a string when present');
    if (!isObject(row.metrics)) bad(`${at}.metrics`, row.metrics, 'an object of metric values');
    if (row.params !== undefined && !isParams(row.params)) bad(`${at}.params`, row.params, 'an object of param values when present');
    if (!Array.isArray(row.checks)) bad(`${at}.checks`, row.checks, 'an array of { name, status, expected }');
    (row.checks as unknown[]).forEach((c, j) => {
      if (!isObject(c) || typeof c.name !== 'string' || typeof c.status !== 'string' || typeof c.expected !== 'string') {
        bad(`${at}.checks[${j}]`, c, '{ name, status, expected } with string values');
      }
    });
  });
  return r as unknown as SweepReport;
}
