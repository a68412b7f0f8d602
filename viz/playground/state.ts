/**
 * The playground's share link: the URL fragment holds the whole run (the scenario, the focused
 * variant, the variants shown side by side, the seed, the params changed from the defaults and a
 * fault plan that replaces the default one), so opening the link reproduces exactly the same runs.
 * It is versioned (`f=`), so a link made by another version of the playground is recognised as
 * such instead of being half-read:
 *
 *   #f=2&s=retry-storm&m=circuit-breaker&v=naive-retries,circuit-breaker&seed=3&p.clientTimeoutMs=250&plan=W3si…&fk=crash&fe=1
 *
 * `m` and `v` are left out when they are the defaults (the first variant; every variant); `plan`
 * is the plan's JSON in base64url (UTF-8), present only when the plan differs from the default.
 * Format 2 adds the fault editor's state: `fk`, the fault kind picked to add, and `fe`, the plan
 * entry whose form is open. Links of format 1 (without them) are read as they always were.
 * Pure: no DOM, so Node tests can read and write links.
 */

/** The link format this playground writes and reads. */
export const LINK_FORMAT = 2;
/** The link formats it reads: its own and the earlier ones that mean the same where they say it. */
export const LINK_FORMATS_READ: readonly number[] = [1, 2];
const READS = LINK_FORMATS_READ.map((f) => `f=${f}`).join(' or ');

export interface PlayState {
  scenario: string;
  /** The focused variant: its whole timeline is drawn, and it is the one a pin compares. */
  variant: string;
  /** Variants run side by side (the focused one among them). */
  variants: string[];
  seed: number | string;
  /** Params changed from the scenario's defaults. */
  params: Record<string, number | boolean | string>;
  /** A fault plan replacing the scenario's default one; undefined: the default plan. */
  plan?: unknown[];
  /** The fault editor: the kind picked to add, and the plan entry whose form is open. */
  faultKind?: string;
  faultEntry?: number;
}

/** What a fragment says, before the page checks the names against the scenarios it holds. */
export interface ParsedLink {
  state: Partial<PlayState>;
  /** Why the fragment cannot be used at all (malformed, another format); the page then shows the default state. */
  error?: string;
  /** Parts that could not be read (the rest of the link is used). */
  problems: string[];
}

export function formatHash(s: PlayState, defaults: { variants: readonly string[] }): string {
  const q: string[] = [`f=${LINK_FORMAT}`, `s=${enc(s.scenario)}`];
  if (s.variant !== defaults.variants[0]) q.push(`m=${enc(s.variant)}`);
  const all = s.variants.length === defaults.variants.length && s.variants.every((v, i) => v === defaults.variants[i]);
  if (!all) q.push(`v=${s.variants.map(enc).join(',')}`);
  q.push(`seed=${enc(String(s.seed))}`);
  for (const k of Object.keys(s.params).sort()) q.push(`p.${enc(k)}=${enc(String(s.params[k]))}`);
  if (s.plan !== undefined) q.push(`plan=${toBase64Url(JSON.stringify(s.plan))}`);
  if (s.faultKind !== undefined) q.push(`fk=${enc(s.faultKind)}`);
  if (s.faultEntry !== undefined) q.push(`fe=${s.faultEntry}`);
  return `#${q.join('&')}`;
}

/** Components that stay readable: names are kebab-case or camelCase, values mostly digits. */
function enc(s: string): string {
  return encodeURIComponent(s);
}

/** Read a fragment (with or without its `#`). An empty fragment is the default state, with no error. */
export function parseHash(hash: string): ParsedLink {
  const text = hash.replace(/^#/, '');
  const problems: string[] = [];
  if (text === '') return { state: {}, problems };
  const shown = text.length > 60 ? `${text.slice(0, 57)}…` : text;
  const pairs: [string, string][] = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(k);
      value = decodeURIComponent(v.replace(/\+/g, ' '));
    } catch {
      return { state: {}, problems, error: `This link is not a playground link (${JSON.stringify(shown)} is not a valid fragment); showing the default scenario.` };
    }
    pairs.push([key, value]);
  }
  const get = (k: string): string | undefined => pairs.find(([key]) => key === k)?.[1];
  const format = get('f');
  if (format === undefined) {
    if (get('s') !== undefined) return { state: {}, problems, error: `This link was made by an earlier playground (it has no format version; this one reads ${READS}); showing the default scenario.` };
    return { state: {}, problems, error: `This link is not a playground link (${JSON.stringify(shown)}); showing the default scenario.` };
  }
  if (!/^\d+$/.test(format)) return { state: {}, problems, error: `This link's format version ${JSON.stringify(format.slice(0, 20))} is not a number (this playground reads f=${LINK_FORMAT}); showing the default scenario.` };
  if (!LINK_FORMATS_READ.includes(Number(format))) {
    const which = Number(format) > LINK_FORMAT ? 'a newer' : 'an earlier';
    return { state: {}, problems, error: `This link was made by ${which} playground (format ${format}; this one reads ${READS}); showing the default scenario.` };
  }
  const known = new Set(['f', 's', 'm', 'v', 'seed', 'plan', ...(Number(format) >= 2 ? ['fk', 'fe'] : [])]);
  const out: Partial<PlayState> = {};
  const s = get('s');
  if (s) out.scenario = s;
  const m = get('m');
  if (m) out.variant = m;
  const v = get('v');
  if (v !== undefined) out.variants = v.split(',').filter(Boolean);
  const seed = get('seed');
  if (seed !== undefined && seed !== '') out.seed = /^-?\d{1,15}$/.test(seed) ? Number(seed) : seed;
  const params: Record<string, string> = {};
  for (const [k, val] of pairs) {
    if (k.startsWith('p.') && k.length > 2) params[k.slice(2)] = val;
    else if (!known.has(k)) problems.push(`it has an unknown part ${JSON.stringify(k.slice(0, 30))} (ignored)`);
  }
  out.params = params;
  const plan = get('plan');
  if (plan !== undefined) {
    const parsed = readPlan(plan);
    if (typeof parsed === 'string') problems.push(`its fault plan ${parsed}; using the default plan`);
    else out.plan = parsed;
  }
  if (Number(format) >= 2) {
    const fk = get('fk');
    if (fk) out.faultKind = fk;
    const fe = get('fe');
    if (fe !== undefined) {
      if (/^\d{1,6}$/.test(fe)) out.faultEntry = Number(fe);
      else problems.push(`its open fault entry ${JSON.stringify(fe.slice(0, 20))} is not an entry number (ignored)`);
    }
  }
  return { state: out, problems };
}

/** A plan from its base64url JSON, or why it is not one. */
function readPlan(b64: string): unknown[] | string {
  let json: string;
  try {
    json = fromBase64Url(b64);
  } catch {
    return 'is not base64url text';
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return 'is not JSON';
  }
  if (!Array.isArray(value)) return 'is not a JSON array of fault entries';
  return value;
}

export function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(b64: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(b64)) throw new Error('not base64url');
  const bin = atob(b64.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}
