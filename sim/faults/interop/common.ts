/**
 * What the chaos-tool importers and exporters share: the mapping file (their selectors to
 * faultline's node, zone and link names), the strict/lenient rule for fields without an
 * equivalent, and the duration formats the tools use (Go's `1m30s`, ISO 8601's `PT1M30S`).
 *
 * The rule: a field of an experiment is accepted when faultline models its value exactly (its
 * default, `correlation: "0"`, a bandwidth `limit` too large to bind); any other field or value
 * without an equivalent is an input error naming it, unless the caller passes `lenient`, which
 * drops it with one warning per field. Nothing is dropped silently.
 */
import seedrandom from 'seedrandom';
import { InputError } from '../../kernel/errors.ts';

export type ChaosFormat = 'chaos-mesh' | 'fis' | 'toxiproxy';
export const CHAOS_FORMATS: readonly ChaosFormat[] = ['chaos-mesh', 'fis', 'toxiproxy'];

/** One pod group of a Kubernetes namespace: the labels its pods carry and the faultline nodes they are. */
export interface PodGroup {
  namespace?: string;
  labels?: Record<string, string>;
  nodes: string[];
}

/** A Toxiproxy proxy is one direction of traffic between a client and an upstream. */
export interface ProxyLink {
  from: string;
  to: string;
}

/**
 * The mapping file. Every part is optional; without one, Chaos Mesh `selector.pods` names and AWS
 * resource ids are taken as node names, and a Toxiproxy proxy named `a->b` is the link a→b.
 */
export interface ChaosMapping {
  /** Chaos Mesh / Kubernetes: pod groups matched by namespace and labels. */
  pods?: PodGroup[];
  /** AWS FIS: resource ARNs, ids (`i-0abc`) or `tag:Key=Value` to node names or `zone:<name>`. */
  resources?: Record<string, string[] | string>;
  /** AWS FIS: availability zone names to faultline zone names (default: the same name). */
  zones?: Record<string, string>;
  /** AWS FIS: each node's zone, for targets that filter selected instances by availability zone. */
  nodeZones?: Record<string, string>;
  /** Toxiproxy: proxy names to links. */
  proxies?: Record<string, ProxyLink>;
  /** Chaos Mesh IOChaos: volume paths to a node's disk names ("/var/lib/wal": "wal"); other volumes are all the node's disks. */
  volumes?: Record<string, string>;
  /** Volume path written into exported IOChaos experiments for a whole-node disk target (default "/data"). */
  defaultVolumePath?: string;
  /** Kubernetes namespace for exported manifests (default "default"). */
  namespace?: string;
}

const MAPPING_KEYS = ['pods', 'resources', 'zones', 'nodeZones', 'proxies', 'volumes', 'defaultVolumePath', 'namespace'];

/** Validates a parsed mapping file; errors name the path inside it. */
export function parseMapping(raw: unknown, where = 'mapping'): ChaosMapping {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(`${where}: expected a JSON object with any of ${MAPPING_KEYS.join(', ')}`);
  const m = raw as Record<string, unknown>;
  for (const k of Object.keys(m)) if (!MAPPING_KEYS.includes(k)) throw new InputError(`${where}: unknown key ${JSON.stringify(k)}; valid keys: ${MAPPING_KEYS.join(', ')}`);
  const out: ChaosMapping = {};
  if (m.namespace !== undefined) out.namespace = str(m.namespace, `${where}.namespace`);
  if (m.pods !== undefined) {
    if (!Array.isArray(m.pods)) throw new InputError(`${where}.pods: expected a list of { namespace, labels, nodes }`);
    out.pods = m.pods.map((g, i) => {
      const p = `${where}.pods[${i}]`;
      if (g === null || typeof g !== 'object' || Array.isArray(g)) throw new InputError(`${p}: expected { namespace, labels, nodes }`);
      const o = g as Record<string, unknown>;
      for (const k of Object.keys(o)) if (!['namespace', 'labels', 'nodes'].includes(k)) throw new InputError(`${p}: unknown key ${JSON.stringify(k)}; valid keys: namespace, labels, nodes`);
      return {
        ...(o.namespace !== undefined ? { namespace: str(o.namespace, `${p}.namespace`) } : {}),
        ...(o.labels !== undefined ? { labels: strMap(o.labels, `${p}.labels`) } : {}),
        nodes: strList(o.nodes, `${p}.nodes`),
      };
    });
  }
  if (m.resources !== undefined) {
    const r = obj(m.resources, `${where}.resources`);
    out.resources = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' ? v : strList(v, `${where}.resources[${JSON.stringify(k)}]`)]));
  }
  if (m.zones !== undefined) out.zones = strMap(m.zones, `${where}.zones`);
  if (m.nodeZones !== undefined) out.nodeZones = strMap(m.nodeZones, `${where}.nodeZones`);
  if (m.volumes !== undefined) out.volumes = strMap(m.volumes, `${where}.volumes`);
  if (m.defaultVolumePath !== undefined) out.defaultVolumePath = str(m.defaultVolumePath, `${where}.defaultVolumePath`);
  if (m.proxies !== undefined) {
    const r = obj(m.proxies, `${where}.proxies`);
    out.proxies = Object.fromEntries(
      Object.entries(r).map(([k, v]) => {
        const p = `${where}.proxies[${JSON.stringify(k)}]`;
        const o = obj(v, p);
        for (const key of Object.keys(o)) if (key !== 'from' && key !== 'to') throw new InputError(`${p}: unknown key ${JSON.stringify(key)}; valid keys: from, to`);
        return [k, { from: str(o.from, `${p}.from`), to: str(o.to, `${p}.to`) }];
      }),
    );
  }
  return out;
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InputError(`${where}: expected an object`);
  return v as Record<string, unknown>;
}
function str(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new InputError(`${where}: expected a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}
function strList(v: unknown, where: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string' || x.length === 0)) throw new InputError(`${where}: expected a non-empty list of names`);
  return v as string[];
}
function strMap(v: unknown, where: string): Record<string, string> {
  const o = obj(v, where);
  for (const [k, x] of Object.entries(o)) if (typeof x !== 'string') throw new InputError(`${where}.${k}: expected a string, got ${JSON.stringify(x)}`);
  return o as Record<string, string>;
}

/**
 * Where an import is in its document, what it is strict about, and the warnings `lenient` gives.
 * `unsupported` is the one door for a field without an equivalent.
 */
export class Reader {
  readonly warnings: string[] = [];
  constructor(
    readonly file: string,
    readonly lenient: boolean,
  ) {}
  unsupported(path: string, value: unknown, why: string): void {
    const full = JSON.stringify(value) ?? String(value);
    const shown = full.length > 60 ? `${full.slice(0, 57)}…` : full;
    const msg = `${this.file}: ${path}${value === undefined ? '' : `=${shown}`}: ${why}`;
    if (!this.lenient) throw new InputError(`${msg}; --lenient drops it with a warning`);
    this.warnings.push(`dropped ${msg}`);
  }
  fail(path: string, why: string): never {
    throw new InputError(`${this.file}: ${path}: ${why}`);
  }
  /** Rejects (or, lenient, drops) every key of `o` not in `known`. */
  only(o: Record<string, unknown>, path: string, known: readonly string[]): void {
    for (const k of Object.keys(o)) if (!known.includes(k)) this.unsupported(`${path}.${k}`, o[k], `faultline has no equivalent (understood here: ${known.join(', ')})`);
  }
}

// ---------------------------------------------------------------- durations

const GO_UNIT_US: Record<string, number> = { ns: 0.001, us: 1, µs: 1, μs: 1, ms: 1_000, s: 1_000_000, m: 60_000_000, h: 3_600_000_000 };

/** Go's time.ParseDuration ("1h5m30s", "-10m100ns", "1.5s") in microseconds (rounded). */
export function parseGoDuration(s: unknown, r: Reader, path: string): number {
  if (typeof s !== 'string') r.fail(path, `expected a Go duration string such as "30s" or "1m30s", got ${JSON.stringify(s)}`);
  const text = s as string;
  if (text === '0') return 0;
  const m = /^([+-])?((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(text);
  if (!m) r.fail(path, `${JSON.stringify(text)} is not a Go duration; use numbers with units ns, us, ms, s, m, h such as "30s" or "1m30s"`);
  let total = 0;
  for (const part of text.replace(/^[+-]/, '').matchAll(/((?:\d+(?:\.\d*)?|\.\d+))(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(part[1]) * GO_UNIT_US[part[2]!]!;
  return Math.round(m![1] === '-' ? -total : total);
}

/** Microseconds as a Go duration ("90s", "1.5s", "250ms"). */
export function formatGoDuration(us: number): string {
  const sign = us < 0 ? '-' : '';
  const a = Math.abs(us);
  if (a === 0) return '0s';
  if (a % 1_000_000 === 0) return `${sign}${a / 1_000_000}s`;
  if (a % 1_000 === 0) return `${sign}${a / 1_000}ms`;
  return `${sign}${a}us`;
}

/** ISO 8601 durations as AWS FIS writes them: PT5M, PT1H30M, PT0.5S (days allowed, no years or months). */
export function parseIsoDuration(s: unknown, r: Reader, path: string): number {
  const m = typeof s === 'string' ? /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(s) : null;
  if (!m || s === 'P' || s === 'PT') r.fail(path, `${JSON.stringify(s)} is not an ISO 8601 duration; use forms such as "PT5M", "PT1H30M" or "PT30S"`);
  const [, d, h, mi, se] = m!;
  return Math.round((Number(d ?? 0) * 86_400 + Number(h ?? 0) * 3_600 + Number(mi ?? 0) * 60 + Number(se ?? 0)) * 1_000_000);
}

/** Microseconds as ISO 8601 ("PT5M", "PT1M30S", "PT0.25S"). */
export function formatIsoDuration(us: number): string {
  let s = us / 1_000_000;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s = +(s - m * 60).toFixed(6);
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s || (!h && !m) ? `${s}S` : ''}`;
}

// ---------------------------------------------------------------- selection

/**
 * Chaos Mesh `mode` / AWS FIS `selectionMode` pick a subset of the selected nodes at random when
 * the experiment runs. An import makes the pick once, from a seeded stream keyed by the
 * experiment's name, and writes the picked names into the plan (so the plan replays exactly), with
 * a note saying what was picked.
 */
export function pick(nodes: readonly string[], count: number, seed: number, key: string): string[] {
  const sorted = [...nodes].sort();
  if (count >= sorted.length) return sorted;
  const rng = seedrandom.alea(`${seed}/chaos-import/${key}`);
  for (let i = sorted.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [sorted[i], sorted[j]] = [sorted[j]!, sorted[i]!];
  }
  return sorted.slice(0, Math.max(0, count)).sort();
}

/** A raw plan entry before validation: `at` and `for` in microseconds. */
export type RawEntry = Record<string, unknown> & { at: number; kind: string; for?: number };
