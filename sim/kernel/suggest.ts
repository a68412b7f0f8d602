/**
 * "Did you mean …?" for names a user typed: keys of a spec, option names, endpoints, nodes.
 * Every spec object of the modelling API goes through `checkKeys`, so a typo is an error that
 * names the key, where it was, the closest valid key and every valid one, instead of being ignored.
 */
import { InputError } from './errors.ts';

/** Levenshtein distance, case-insensitive (a key's case is the likeliest typo). */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

/**
 * The valid name closest to `name`, if it is close enough to be a typo of it: within a third of
 * its length (at least 2 edits), or one that starts with it or that it starts with (`timeout` for
 * `timeoutDuration`).
 */
export function closestName(name: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const v of valid) {
    const d = editDistance(name, v);
    if (d < bestD) {
      bestD = d;
      best = v;
    }
  }
  if (best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3))) return best;
  const lower = name.toLowerCase();
  return name.length >= 3 ? valid.find((v) => v.toLowerCase().startsWith(lower) || lower.startsWith(v.toLowerCase())) : undefined;
}

/** ` did you mean "x"?` or ''. */
export function didYouMean(name: string, valid: readonly string[]): string {
  const c = closestName(name, valid);
  return c === undefined ? '' : ` did you mean ${JSON.stringify(c)}?`;
}

/**
 * Refuse keys of `spec` that are not in `known`: `where: unknown key "nodez"; did you mean
 * "nodes"? valid keys: nodes, network, …`. `what` names the kind of key ("option", "field").
 */
export function checkKeys(where: string, spec: object, known: readonly string[], what = 'key'): void {
  for (const k of Object.keys(spec)) {
    if (!known.includes(k)) {
      throw new InputError(`${where}: unknown ${what} ${JSON.stringify(k)};${didYouMean(k, known)} valid ${what}s: ${known.join(', ')}`);
    }
  }
}

/**
 * The first argument of a builder must be an object (its options or spec): a clear error for
 * `retry(3)`, `createWorld(spec)` without a context and the like. `signature` is how it is called.
 */
export function expectObject(signature: string, value: unknown, what = 'options'): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'string' ? `the string ${JSON.stringify(value)}` : typeof value;
    throw new InputError(`${signature}: expected ${what} (an object), got ${got}`);
  }
}
