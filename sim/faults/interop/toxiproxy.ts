/**
 * Toxiproxy proxies and their toxics (the JSON of `GET /proxies`, or a list of proxies each with
 * `toxics`) to faultline link faults and back.
 *
 * A proxy is the link from its client to its upstream: the mapping's `proxies` names both ends,
 * and a proxy named `client->upstream` needs no mapping. A toxic's `stream` is `downstream`
 * (upstream → client, Toxiproxy's default) or `upstream` (client → upstream). `toxicity` keeps its
 * Toxiproxy meaning, rolled once per link. Toxics have no schedule: they apply from `--at` (default
 * 0) for `--for` (default: to the end).
 */
import { formatGoDuration, type ChaosMapping, type RawEntry, Reader } from './common.ts';
import type { FaultEntry } from '../plan.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface ToxiproxyImportOptions {
  mapping: ChaosMapping;
  atUs: number;
  forUs?: number;
}

const PROXY_KEYS = ['name', 'listen', 'upstream', 'enabled', 'toxics'];
const TOXIC_KEYS = ['name', 'type', 'stream', 'toxicity', 'attributes'];

export function importToxiproxy(doc: unknown, r: Reader, opts: ToxiproxyImportOptions): RawEntry[] {
  let proxies: { name: string; p: Obj; path: string }[];
  if (Array.isArray(doc)) proxies = doc.map((p, i) => ({ name: isObj(p) ? String(p.name) : '', p: p as Obj, path: `proxies[${i}]` }));
  else if (isObj(doc)) proxies = Object.entries(doc).map(([name, p]) => ({ name, p: p as Obj, path: `proxies.${name}` }));
  else return r.fail('document', 'expected the JSON of GET /proxies (an object of proxies) or a list of proxies with toxics');
  const out: RawEntry[] = [];
  for (const { name, p, path } of proxies) {
    if (!isObj(p)) r.fail(path, 'expected a proxy { name, listen, upstream, enabled, toxics }');
    r.only(p, path, PROXY_KEYS);
    const link = linkOf(name, path, r, opts.mapping);
    const timing = (e: Obj & { kind: string }): RawEntry => ({ at: opts.atUs, ...e, ...(opts.forUs !== undefined ? { for: opts.forUs } : {}) }) as RawEntry;
    if (p.enabled === false) r.unsupported(`${path}.enabled`, false, 'a disabled proxy refuses connections at once; faultline has no refusing link (a partition drops messages instead)');
    const toxics = p.toxics ?? [];
    if (!Array.isArray(toxics)) r.fail(`${path}.toxics`, 'expected a list of toxics');
    (toxics as unknown[]).forEach((t, i) => {
      const tp = `${path}.toxics[${i}]`;
      if (!isObj(t)) r.fail(tp, 'expected a toxic { name, type, stream, toxicity, attributes }');
      r.only(t, tp, TOXIC_KEYS);
      const stream = t.stream ?? 'downstream';
      if (stream !== 'downstream' && stream !== 'upstream') r.fail(`${tp}.stream`, `${JSON.stringify(stream)} is not valid; use downstream or upstream`);
      const ends = stream === 'upstream' ? { from: link.from, to: link.to } : { from: link.to, to: link.from };
      const toxicity = t.toxicity === undefined ? 1 : Number(t.toxicity);
      if (!(toxicity >= 0 && toxicity <= 1)) r.fail(`${tp}.toxicity`, `expected a probability 0–1, got ${JSON.stringify(t.toxicity)}`);
      const a = isObj(t.attributes) ? t.attributes : {};
      const ms = (k: string, dflt: number): number => {
        const v = a[k] === undefined ? dflt : Number(a[k]);
        if (!Number.isFinite(v) || v < 0) r.fail(`${tp}.attributes.${k}`, `expected milliseconds ≥ 0, got ${JSON.stringify(a[k])}`);
        return v * 1000;
      };
      const base = { ...ends, ...(toxicity !== 1 ? { toxicity } : {}) };
      switch (t.type) {
        case 'latency': {
          r.only(a, `${tp}.attributes`, ['latency', 'jitter']);
          const jitter = ms('jitter', 0);
          out.push(timing({ kind: 'link-latency', ...base, latency: ms('latency', 0), ...(jitter ? { jitter } : {}) }));
          break;
        }
        case 'bandwidth': {
          r.only(a, `${tp}.attributes`, ['rate']);
          const rate = Number(a.rate);
          if (!(rate > 0)) r.fail(`${tp}.attributes.rate`, `expected KB/s > 0, got ${JSON.stringify(a.rate)}`);
          out.push(timing({ kind: 'link-bandwidth', ...base, rateKBPerSec: rate }));
          break;
        }
        case 'timeout': {
          r.only(a, `${tp}.attributes`, ['timeout']);
          // timeout 0: data is dropped and the connection never closes (a black hole)
          if (Number(a.timeout ?? 0) !== 0) r.unsupported(`${tp}.attributes.timeout`, a.timeout, 'closing the connection after a timeout has no faultline equivalent (timeout 0, a black hole, is link-loss 100%)');
          out.push(timing({ kind: 'link-loss', ...base, percent: 100 }));
          break;
        }
        case 'slow_close':
        case 'reset_peer':
        case 'slicer':
        case 'limit_data':
          r.unsupported(`${tp}.type`, t.type, 'faultline links carry messages, not TCP streams: it has latency, bandwidth and timeout (black hole) only');
          break;
        default:
          r.fail(`${tp}.type`, `${JSON.stringify(t.type)} is not a Toxiproxy toxic; valid: latency, bandwidth, timeout, slow_close, reset_peer, slicer, limit_data`);
      }
    });
  }
  return out;
}

function linkOf(name: string, path: string, r: Reader, mapping: ChaosMapping): { from: string; to: string } {
  const mapped = mapping.proxies?.[name];
  if (mapped) return mapped;
  const m = /^([^>]+)->(.+)$/.exec(name);
  if (m) return { from: m[1]!, to: m[2]! };
  return r.fail(`${path}`, `proxy ${JSON.stringify(name)} is not in the mapping's "proxies"; add "${name}": { "from": "<client node>", "to": "<upstream node>" }, or name the proxy "client->upstream"`);
}

// ---------------------------------------------------------------- export

/** The plan as the JSON of GET /proxies: one proxy per link, its toxics. */
export function exportToxiproxy(plan: readonly FaultEntry[], r: Reader, mapping: ChaosMapping): Obj {
  const proxies: Record<string, Obj & { toxics: Obj[] }> = {};
  const proxyFor = (from: string, to: string, path: string): { name: string; stream: string } | undefined => {
    for (const [name, l] of Object.entries(mapping.proxies ?? {})) {
      if (l.from === from && l.to === to) return { name, stream: 'upstream' };
      if (l.from === to && l.to === from) return { name, stream: 'downstream' };
    }
    if (from === '*' || to === '*' || from.includes(':') || to.includes(':')) {
      r.unsupported(path, `${from}->${to}`, 'a Toxiproxy proxy is one link between two nodes; give from and to, or map a proxy in the mapping');
      return undefined;
    }
    return { name: `${from}->${to}`, stream: 'upstream' };
  };
  plan.forEach((e, i) => {
    const path = `entry ${i} (${e.kind})`;
    if (e.at !== 0) r.unsupported(`${path}.at`, formatGoDuration(e.at), 'Toxiproxy toxics have no start time (they apply when added)');
    if (e.for !== undefined) r.unsupported(`${path}.for`, formatGoDuration(e.for), 'Toxiproxy toxics have no duration (they apply until removed)');
    if (e.direction !== undefined && e.direction !== 'to') r.unsupported(`${path}.direction`, e.direction, 'a toxic acts on one stream; give from and to for the direction');
    let toxic: Obj | undefined;
    if (e.kind === 'link-latency') {
      if (e.distribution !== undefined) r.unsupported(`${path}.distribution`, e.distribution, 'Toxiproxy adds a fixed latency with jitter');
      toxic = { type: 'latency', attributes: { latency: Number(e.latency ?? 0) / 1000, jitter: Number(e.jitter ?? 0) / 1000 } };
    } else if (e.kind === 'link-bandwidth') toxic = { type: 'bandwidth', attributes: { rate: Number(e.rateKBPerSec) } };
    else if (e.kind === 'link-loss' && Number(e.percent ?? 100) === 100) toxic = { type: 'timeout', attributes: { timeout: 0 } };
    else {
      r.unsupported(path, undefined, e.kind === 'link-loss' ? 'Toxiproxy drops all data (timeout 0) or none: only link-loss 100% exports' : `${e.kind} has no Toxiproxy equivalent; kinds that export: link-latency, link-bandwidth, link-loss (100%)`);
      return;
    }
    const px = proxyFor(String(e.from ?? '*'), String(e.to ?? '*'), `${path}.from`);
    if (!px) return;
    const p = (proxies[px.name] ??= { name: px.name, enabled: true, toxics: [] });
    const tname = `${String(toxic.type)}_${px.stream}${p.toxics.some((t) => t.name === `${String(toxic!.type)}_${px.stream}`) ? `_${i}` : ''}`;
    p.toxics.push({ name: tname, type: toxic.type, stream: px.stream, toxicity: Number(e.toxicity ?? 1), attributes: toxic.attributes });
  });
  return proxies;
}
