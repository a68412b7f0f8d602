/** `--prices prices.json`: the cost model's price table, read and validated (see docs/COST.md). */
import { readFileSync } from 'node:fs';
import { InputError } from '../kernel/errors.ts';
import { validatePriceTable, type PriceTable } from '../world/cost.ts';

/** Largest price table read (a table of every cloud's every type is well under this). */
const MAX_BYTES = 4 * 1024 * 1024;

export function readPricesFile(path: string): PriceTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`--prices: cannot read ${path}`);
  }
  if (text.length > MAX_BYTES) throw new InputError(`--prices: ${path} is larger than ${MAX_BYTES / 1024 / 1024} MiB`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 120) : 'syntax error';
    throw new InputError(`--prices: ${path} is not valid JSON (${why})`);
  }
  return validatePriceTable(raw, `--prices ${path}`);
}
