/** Colours: node states, fault kinds and series. Outcomes follow Jepsen (ok blue, unknown orange, fail pink). */
import { schemeTableau10 } from 'd3';

export const OUTCOME_COLORS = { ok: '#2b7bd6', unknown: '#e69500', fail: '#d81b60' } as const;

/**
 * Swimlane colours by value. Each row kind has a family of its own, so values of different rows
 * never share a colour in one legend (a test checks every pair is far apart in CIELAB):
 * lifecycle green / pink / orange / purple / yellow, breakers blues, roles teals (a rare candidate
 * lavender), ejection brown, partition sides tan / grey / brick / olive / magenta / cyan. Synonyms (up, healthy, running) share one.
 */
export const STATE_COLORS: Record<string, string> = {
  up: '#c9e4c5',
  healthy: '#c9e4c5',
  running: '#c9e4c5',
  crashed: '#d81b60',
  down: '#d81b60',
  stopped: '#d81b60',
  restarting: '#f29e4c',
  recovering: '#f29e4c',
  starting: '#f29e4c',
  paused: '#8e6bbf',
  limping: '#e8c547',
  degraded: '#e8c547',
  slow: '#e8c547',
  // circuit breakers
  closed: '#dbe4f0',
  'half-open': '#7aa6d8',
  open: '#1f4e8c',
  'forced-open': '#0b1f3f',
  disabled: '#8a909c',
  // roles
  leader: '#1b8a7a',
  follower: '#7cc6b6',
  candidate: '#d4b5e6',
  // load-balancer ejection
  ejected: '#6b4f2a',
};

const SIDE_COLORS = ['#c2a15a', '#4d4d4d', '#a45a52', '#5e8c31', '#b23aa6', '#00a3c4'];

/** Colour of a swimlane segment by its value ("up", "open", "side 2 of 3", "leader (term 4)"). */
export function segmentColor(value: string): string {
  const direct = STATE_COLORS[value];
  if (direct) return direct;
  const side = /^side (\d+)/.exec(value);
  if (side) return SIDE_COLORS[(Number(side[1]) - 1) % SIDE_COLORS.length]!;
  if (value.startsWith('leader')) return STATE_COLORS.leader!;
  if (value.startsWith('ejected')) return STATE_COLORS.ejected!;
  let h = 0;
  for (let i = 0; i < value.length; i++) h = (h * 31 + value.charCodeAt(i)) >>> 0;
  return schemeTableau10[h % schemeTableau10.length]!;
}

/** Fault kinds get colours in order of first appearance across all runs, so runs agree. */
export function faultColorScale(kinds: readonly string[]): (kind: string) => string {
  const palette = ['#e15759', '#4e79a7', '#f28e2b', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
  const map = new Map<string, string>();
  kinds.forEach((k, i) => map.set(k, palette[i % palette.length]!));
  return (k) => map.get(k) ?? '#999';
}

const SERIES_COLORS: Record<string, string> = {
  throughput: '#8a93a3',
  goodput: '#2b7bd6',
  'first tries': '#2b7bd6',
  retries: '#d81b60',
  p50: '#2b7bd6',
  p99: '#f28e2b',
  max: '#eb8db5',
  sent: '#8a93a3',
  dropped: '#d81b60',
};

/**
 * Stroke widths of series that often coincide (every request timing out makes p50 = p99 = max):
 * each is narrower than the one drawn before it, so all stay visible where they overlap.
 */
const SERIES_WIDTHS: Record<string, number> = { max: 6, p99: 3.2, p50: 1.4 };

export function seriesWidth(name: string): number {
  return SERIES_WIDTHS[name] ?? 1.6;
}

export function seriesColor(name: string, index: number): string {
  return SERIES_COLORS[name] ?? schemeTableau10[index % schemeTableau10.length]!;
}

/** One colour per run in comparisons. */
export function runColor(index: number): string {
  return ['#2b7bd6', '#d81b60', '#59a14f', '#f28e2b', '#8e6bbf', '#76b7b2'][index % 6]!;
}
