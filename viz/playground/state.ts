/**
 * The playground's share link: the URL hash holds the scenario, the variants shown, the seed and
 * the params changed from the defaults, so opening the link reproduces exactly the same runs.
 * `#s=retry-storm&v=naive,backoff&seed=3&p.timeoutMs=250`
 */
export interface PlayState {
  scenario: string;
  variants: string[];
  seed: number | string;
  params: Record<string, number | boolean | string>;
}

export function formatHash(s: PlayState): string {
  const q = new URLSearchParams();
  q.set('s', s.scenario);
  q.set('v', s.variants.join(','));
  q.set('seed', String(s.seed));
  for (const k of Object.keys(s.params).sort()) q.set(`p.${k}`, String(s.params[k]));
  return `#${q.toString()}`;
}

/** What a hash says; the page checks the names against the scenarios it holds. */
export function parseHash(hash: string): Partial<PlayState> {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const out: Partial<PlayState> = {};
  const s = q.get('s');
  if (s) out.scenario = s;
  const v = q.get('v');
  if (v) out.variants = v.split(',').filter(Boolean);
  const seed = q.get('seed');
  if (seed !== null && seed !== '') out.seed = /^-?\d+$/.test(seed) ? Number(seed) : seed;
  const params: Record<string, string> = {};
  for (const [k, val] of q) if (k.startsWith('p.')) params[k.slice(2)] = val;
  out.params = params;
  return out;
}
