/** Colours: node states, fault kinds and series. Outcomes follow Jepsen (ok blue, unknown orange, fail pink). */
import { schemeTableau10 } from 'd3';

export const OUTCOME_COLORS = { ok: '#2b7bd6', unknown: '#e69500', fail: '#d81b60' } as const;

const STATE_COLORS: Record<string, string> = {
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
  closed: '#c9e4c5',
  open: '#d81b60',
  'half-open': '#f29e4c',
  'forced-open': '#a3154b',
  disabled: '#b9bec8',
  leader: '#3b6fb6',
  follower: '#d9e4f2',
  candidate: '#9fc0e8',
};

const SIDE_COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948'];

/** Colour of a swimlane segment by its value ("up", "open", "side 2 of 3", "leader (term 4)"). */
export function segmentColor(value: string): string {
  const direct = STATE_COLORS[value];
  if (direct) return direct;
  const side = /^side (\d+)/.exec(value);
  if (side) return SIDE_COLORS[(Number(side[1]) - 1) % SIDE_COLORS.length]!;
  if (value.startsWith('leader')) return STATE_COLORS.leader!;
  if (value.startsWith('ejected')) return '#6b4f2a';
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
  max: '#d81b60',
  sent: '#8a93a3',
  dropped: '#d81b60',
};

export function seriesColor(name: string, index: number): string {
  return SERIES_COLORS[name] ?? schemeTableau10[index % schemeTableau10.length]!;
}

/** One colour per run in comparisons. */
export function runColor(index: number): string {
  return ['#2b7bd6', '#d81b60', '#59a14f', '#f28e2b', '#8e6bbf', '#76b7b2'][index % 6]!;
}
