/**
 * Chaos Mesh (chaos-mesh.org/v1alpha1) experiments to faultline fault-plan entries and back.
 *
 * Import understands NetworkChaos (delay with reorder, loss, duplicate, corrupt, bandwidth,
 * partition, netem), PodChaos (pod-kill, pod-failure, container-kill), StressChaos (cpu, memory),
 * IOChaos (latency, fault, mistake), TimeChaos, and the orchestration kinds Schedule and Workflow
 * (Serial, Parallel, Suspend, Schedule and chaos templates) as a timed sequence. Field names and
 * defaults follow `api/v1alpha1/*_types.go`; see docs/FAULTS.md for the table of equivalences.
 *
 * Export writes one experiment per plan entry; a plan whose entries do not all start at once is
 * written as one Workflow (a Parallel of Serial branches: Suspend until the entry's time, then the
 * experiment with the entry's duration as its deadline), which Chaos Mesh runs as the same timed
 * sequence.
 */
import { CronExpressionParser } from 'cron-parser';
import { formatGoDuration, parseGoDuration, pick, type ChaosMapping, type RawEntry, Reader } from './common.ts';
import type { FaultEntry } from '../plan.ts';

export interface ChaosMeshImportOptions {
  mapping: ChaosMapping;
  seed: number;
  /** A Schedule repeats forever: import its runs that start before this time (µs). */
  untilUs?: number;
}

const KINDS = ['NetworkChaos', 'PodChaos', 'StressChaos', 'IOChaos', 'TimeChaos'] as const;
type ChaosKind = (typeof KINDS)[number];
const SPEC_KEY: Record<ChaosKind, string> = { NetworkChaos: 'networkChaos', PodChaos: 'podChaos', StressChaos: 'stressChaos', IOChaos: 'ioChaos', TimeChaos: 'timeChaos' };
/** Other Chaos Mesh kinds, named in the error so a user knows they were recognised. */
const OTHER_KINDS = ['HTTPChaos', 'DNSChaos', 'JVMChaos', 'KernelChaos', 'BlockChaos', 'AWSChaos', 'GCPChaos', 'AzureChaos', 'PhysicalMachineChaos'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Imports every Chaos Mesh document of a file (a YAML stream, a list, or one object). */
export function importChaosMesh(docs: readonly unknown[], r: Reader, opts: ChaosMeshImportOptions): RawEntry[] {
  const out: RawEntry[] = [];
  const items: { doc: Obj; path: string }[] = [];
  docs.forEach((d, i) => {
    if (d === null || d === undefined) return; // an empty YAML document ("---" at the end)
    if (!isObj(d)) r.fail(`document ${i + 1}`, 'expected a Chaos Mesh object with apiVersion, kind, metadata and spec');
    if (d.kind === 'List' && Array.isArray(d.items)) d.items.forEach((it, j) => items.push({ doc: it as Obj, path: `document ${i + 1} items[${j}]` }));
    else items.push({ doc: d, path: docs.length > 1 ? `document ${i + 1}` : 'document' });
  });
  if (items.length === 0) r.fail('document', 'no Chaos Mesh experiment in the file');
  for (const { doc, path } of items) out.push(...importDoc(doc, path, r, opts));
  return out;
}

function importDoc(doc: Obj, path: string, r: Reader, opts: ChaosMeshImportOptions): RawEntry[] {
  if (!isObj(doc)) r.fail(path, 'expected a Chaos Mesh object');
  const api = doc.apiVersion;
  if (typeof api !== 'string' || !api.startsWith('chaos-mesh.org/')) r.fail(`${path}.apiVersion`, `expected chaos-mesh.org/v1alpha1, got ${JSON.stringify(api)}`);
  const kind = String(doc.kind);
  const meta = isObj(doc.metadata) ? doc.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : kind;
  const ns = typeof meta.namespace === 'string' ? meta.namespace : 'default';
  if (!isObj(doc.spec)) r.fail(`${path}.spec`, 'missing');
  const spec = doc.spec;
  const where = `${path} (${kind} ${name})`;
  if ((KINDS as readonly string[]).includes(kind)) return experiment(kind as ChaosKind, spec, `${where}.spec`, { name, ns, start: 0, r, opts });
  if (kind === 'Schedule') return schedule(spec, `${where}.spec`, { name, ns, start: 0, r, opts }, opts.untilUs);
  if (kind === 'Workflow') return workflow(spec, `${where}.spec`, { name, ns, start: 0, r, opts });
  if (OTHER_KINDS.includes(kind)) r.fail(`${path}.kind`, `${kind} has no faultline equivalent; supported: ${[...KINDS, 'Schedule', 'Workflow'].join(', ')}`);
  r.fail(`${path}.kind`, `unknown Chaos Mesh kind ${JSON.stringify(kind)}; supported: ${[...KINDS, 'Schedule', 'Workflow'].join(', ')}`);
}

interface Ctx {
  name: string;
  ns: string;
  start: number;
  r: Reader;
  opts: ChaosMeshImportOptions;
}

// ---------------------------------------------------------------- selectors

const SELECTOR_KEYS = ['namespaces', 'labelSelectors', 'pods'];
const COMMON_KEYS = ['selector', 'mode', 'value', 'duration', 'containerNames', 'remoteCluster'];

/** The nodes a Chaos Mesh selector and mode pick, through the mapping. */
function selectNodes(sel: unknown, mode: unknown, value: unknown, path: string, c: Ctx, key: string): string[] {
  const r: Reader = c.r;
  if (!isObj(sel)) r.fail(`${path}.selector`, 'missing: give namespaces with labelSelectors, or pods');
  r.only(sel, `${path}.selector`, SELECTOR_KEYS);
  let nodes: string[] = [];
  if (sel.pods !== undefined) {
    if (!isObj(sel.pods)) r.fail(`${path}.selector.pods`, 'expected { namespace: [pod names] }');
    for (const [ns, names] of Object.entries(sel.pods)) {
      if (!Array.isArray(names)) r.fail(`${path}.selector.pods.${ns}`, 'expected a list of pod names');
      nodes.push(...(names as unknown[]).map(String));
    }
  } else {
    const namespaces = Array.isArray(sel.namespaces) ? sel.namespaces.map(String) : [c.ns];
    const labels = isObj(sel.labelSelectors) ? (sel.labelSelectors as Record<string, unknown>) : {};
    const groups = c.opts.mapping.pods ?? [];
    const matched = groups.filter((g) => namespaces.includes(g.namespace ?? 'default') && Object.entries(labels).every(([k, v]) => g.labels?.[k] === String(v)));
    if (matched.length === 0) {
      const want = `namespace ${namespaces.join('|')}${Object.keys(labels).length ? `, labels ${JSON.stringify(labels)}` : ''}`;
      r.fail(`${path}.selector`, `no pod group in the mapping matches (${want}); add { "namespace", "labels", "nodes" } to the mapping's "pods"`);
    }
    nodes = matched.flatMap((g) => g.nodes);
  }
  nodes = [...new Set(nodes)].sort();
  const m = mode ?? 'all';
  const n = nodes.length;
  const num = (what: string): number => {
    const v = Number(value);
    if (value === undefined || !Number.isFinite(v) || v < 0) r.fail(`${path}.value`, `mode ${what} needs a value ≥ 0, got ${JSON.stringify(value)}`);
    return v;
  };
  const note = (k: number): string[] => {
    const chosen = pick(nodes, k, c.opts.seed, key);
    if (chosen.length < n) r.warnings.push(`note: ${path}: mode ${String(m)} picked ${chosen.join(', ') || 'no pod'} of ${nodes.join(', ')} (import --seed ${c.opts.seed})`);
    return chosen;
  };
  switch (m) {
    case 'all':
      return nodes;
    case 'one':
      return note(1);
    case 'fixed':
      return note(Math.floor(num('fixed')));
    case 'fixed-percent':
      return note(Math.floor((n * num('fixed-percent')) / 100));
    case 'random-max-percent': {
      // Chaos Mesh draws the percentage uniformly from 0..value, then floors n × percentage / 100
      const max = Math.floor(num('random-max-percent'));
      const pct = pick(Array.from({ length: max + 1 }, (_, i) => String(i).padStart(4, '0')), 1, c.opts.seed, `${key}/percent`)[0];
      return note(Math.floor((n * Number(pct)) / 100));
    }
    default:
      return r.fail(`${path}.mode`, `${JSON.stringify(m)} is not a Chaos Mesh mode; valid: one, all, fixed, fixed-percent, random-max-percent`);
  }
}

// ---------------------------------------------------------------- experiments

function percentField(v: unknown, r: Reader, path: string): number {
  const n = Number(v);
  if (v === undefined || v === '' || !Number.isFinite(n) || n < 0 || n > 100) r.fail(path, `expected a percentage 0–100 (a string such as "25"), got ${JSON.stringify(v)}`);
  return n;
}

function noCorrelation(o: Obj, path: string, r: Reader): void {
  if (o.correlation !== undefined && Number(o.correlation) !== 0) r.unsupported(`${path}.correlation`, o.correlation, 'faultline draws every message independently (netem correlation 0)');
}

function durationOf(spec: Obj, path: string, c: Ctx): number | undefined {
  return spec.duration === undefined ? undefined : parseGoDuration(spec.duration, c.r, `${path}.duration`);
}

function withTiming(e: Obj & { kind: string }, start: number, dur: number | undefined): RawEntry {
  const out: RawEntry = { at: start, ...e } as RawEntry;
  if (dur !== undefined) out.for = dur;
  return out;
}

function experiment(kind: ChaosKind, spec: Obj, path: string, c: Ctx, deadline?: number): RawEntry[] {
  const r: Reader = c.r;
  const dur = deadline ?? durationOf(spec, path, c);
  const key = `${c.name}/${path}`;
  switch (kind) {
    case 'PodChaos': {
      r.only(spec, path, [...COMMON_KEYS, 'action', 'gracePeriod']);
      const nodes = selectNodes(spec.selector, spec.mode, spec.value, path, c, key);
      const action = spec.action;
      if (action === 'pod-failure') return nodes.map((n) => withTiming({ kind: 'crash', target: n }, c.start, dur));
      if (action === 'pod-kill' || action === 'container-kill') {
        if (spec.gracePeriod !== undefined && Number(spec.gracePeriod) !== 0) r.unsupported(`${path}.gracePeriod`, spec.gracePeriod, 'a faultline restart is immediate (grace period 0)');
        if (action === 'container-kill' && !Array.isArray(spec.containerNames)) r.fail(`${path}.containerNames`, 'container-kill needs containerNames');
        // the pod (or its container) is killed and started again by its controller: a restart
        return nodes.map((n) => withTiming({ kind: 'restart', target: n }, c.start, undefined));
      }
      return r.fail(`${path}.action`, `${JSON.stringify(action)} is not a PodChaos action; valid: pod-kill, pod-failure, container-kill`);
    }
    case 'NetworkChaos':
      return network(spec, path, c, dur, key);
    case 'StressChaos': {
      r.only(spec, path, [...COMMON_KEYS, 'stressors']);
      const nodes = selectNodes(spec.selector, spec.mode, spec.value, path, c, key);
      if (!isObj(spec.stressors)) r.fail(`${path}.stressors`, 'missing: give cpu { workers, load } or memory { workers, size }');
      r.only(spec.stressors, `${path}.stressors`, ['cpu', 'memory']);
      const out: RawEntry[] = [];
      const cpu = spec.stressors.cpu;
      if (isObj(cpu)) {
        r.only(cpu, `${path}.stressors.cpu`, ['workers', 'load']);
        const workers = Number(cpu.workers ?? 1);
        const load = cpu.load === undefined ? 100 : Number(cpu.load);
        if (!Number.isInteger(workers) || workers < 1) r.fail(`${path}.stressors.cpu.workers`, `expected an integer ≥ 1, got ${JSON.stringify(cpu.workers)}`);
        if (!(load > 0 && load <= 100)) r.fail(`${path}.stressors.cpu.load`, `expected a percentage 1–100, got ${JSON.stringify(cpu.load)}`);
        // the service shares its core with `workers` stressors at `load`%: it runs 1 + workers×load/100 times slower
        const factor = +(1 + (workers * load) / 100).toFixed(6);
        for (const n of nodes) out.push(withTiming({ kind: 'limp', target: n, factor }, c.start, dur));
      }
      const mem = spec.stressors.memory;
      if (isObj(mem)) {
        r.only(mem, `${path}.stressors.memory`, ['workers', 'size', 'time', 'oomScoreAdj']);
        if (mem.oomScoreAdj !== undefined && Number(mem.oomScoreAdj) !== 0) r.unsupported(`${path}.stressors.memory.oomScoreAdj`, mem.oomScoreAdj, 'faultline OOM-kills the node itself (oomScoreAdj 0)');
        const size = String(mem.size ?? '');
        const pct = /^(\d+(?:\.\d+)?)%$/.exec(size);
        if (pct) {
          if (Number(pct[1]) < 100) r.unsupported(`${path}.stressors.memory.size`, size, 'faultline kills a node when its memory runs out; a share below 100% depends on what the service uses (give 100%, or an absolute size with time)');
          for (const n of nodes) out.push(withTiming({ kind: 'oom', target: n }, c.start, undefined));
        } else {
          const mib = sizeMiB(size, r, `${path}.stressors.memory.size`);
          if (mem.time === undefined) r.unsupported(`${path}.stressors.memory.size`, size, 'an absolute size at once depends on the node’s memory limit; give time (the ramp) to import it as a leak, or size "100%"');
          else {
            const t = parseGoDuration(mem.time, r, `${path}.stressors.memory.time`);
            if (t <= 0) r.fail(`${path}.stressors.memory.time`, 'must be > 0');
            const leakMbPerHour = +((mib * 3_600_000_000) / t).toFixed(3);
            const length = dur === undefined ? t : Math.min(t, dur);
            for (const n of nodes) out.push(withTiming({ kind: 'oom', target: n, leakMbPerHour }, c.start, length));
          }
        }
      }
      if (out.length === 0 && !isObj(cpu) && !isObj(mem)) r.fail(`${path}.stressors`, 'give cpu or memory');
      return out;
    }
    case 'IOChaos': {
      r.only(spec, path, [...COMMON_KEYS, 'action', 'volumePath', 'path', 'percent', 'methods', 'delay', 'errno', 'mistake', 'attr']);
      const nodes = selectNodes(spec.selector, spec.mode, spec.value, path, c, key);
      if (spec.path !== undefined && !['*', '**', '/**', '/**/*'].includes(String(spec.path))) r.unsupported(`${path}.path`, spec.path, 'faultline fails whole disks, not files matching a glob');
      const disks = nodes.map((n) => diskName(n, spec.volumePath, c.opts.mapping));
      const percent = spec.percent === undefined ? 100 : percentField(spec.percent, r, `${path}.percent`);
      const methods = Array.isArray(spec.methods) ? spec.methods.map((m) => String(m).toLowerCase()) : undefined;
      switch (spec.action) {
        case 'latency': {
          if (percent !== 100) r.unsupported(`${path}.percent`, spec.percent, 'faultline slows every I/O of the disk (100%)');
          if (methods) r.unsupported(`${path}.methods`, spec.methods, 'faultline slows every kind of I/O');
          const latency = parseGoDuration(spec.delay, r, `${path}.delay`);
          return disks.map((d) => withTiming({ kind: 'disk-slow', target: d, latency }, c.start, dur));
        }
        case 'fault': {
          const errno = ERRNO[Number(spec.errno)];
          if (!errno) r.unsupported(`${path}.errno`, spec.errno, `faultline returns ${Object.entries(ERRNO).map(([n, e]) => `${e} (${n})`).join(', ')}`);
          const op = opOf(methods, r, `${path}.methods`);
          return disks.map((d) => withTiming({ kind: 'disk-error', target: d, op, percent, errno: errno ?? 'EIO' }, c.start, dur));
        }
        case 'mistake': {
          // any mistake (zeros or random bytes, however many) is a block that fails its checksum
          if (!isObj(spec.mistake)) r.fail(`${path}.mistake`, 'missing: give { filling, maxOccurrences, maxLength }');
          r.only(spec.mistake, `${path}.mistake`, ['filling', 'maxOccurrences', 'maxLength']);
          if (methods && methods.some((m) => m !== 'read')) r.unsupported(`${path}.methods`, spec.methods, 'faultline corrupts reads (on-read); corruption at rest is the disk-corrupt at-rest kind');
          return disks.map((d) => withTiming({ kind: 'disk-corrupt', target: d, mode: 'on-read', percent }, c.start, dur));
        }
        case 'attrOverride':
          return r.fail(`${path}.action`, 'attrOverride (file metadata) has no faultline equivalent');
        default:
          return r.fail(`${path}.action`, `${JSON.stringify(spec.action)} is not an IOChaos action; valid: latency, fault, mistake`);
      }
    }
    case 'TimeChaos': {
      r.only(spec, path, [...COMMON_KEYS, 'timeOffset', 'clockIds']);
      const nodes = selectNodes(spec.selector, spec.mode, spec.value, path, c, key);
      if (spec.clockIds !== undefined && (!Array.isArray(spec.clockIds) || spec.clockIds.some((id) => id !== 'CLOCK_REALTIME'))) {
        r.unsupported(`${path}.clockIds`, spec.clockIds, 'faultline skews the wall clock (CLOCK_REALTIME); monotonic clocks keep true time');
      }
      const offsetMs = parseGoDuration(spec.timeOffset, r, `${path}.timeOffset`) / 1000;
      return nodes.map((n) => withTiming({ kind: 'clock-skew', target: n, offsetMs }, c.start, dur));
    }
  }
}

const ERRNO: Record<number, string> = { 5: 'EIO', 28: 'ENOSPC', 30: 'EROFS', 110: 'ETIMEDOUT' };
const READ_OPS = ['read', 'readdir', 'getattr', 'lookup', 'open', 'readlink', 'getxattr', 'listxattr', 'statfs', 'opendir', 'access'];
const WRITE_OPS = ['write', 'create', 'mknod', 'mkdir', 'unlink', 'rmdir', 'rename', 'link', 'symlink', 'setattr', 'fallocate', 'setxattr', 'removexattr', 'truncate'];

function opOf(methods: string[] | undefined, r: Reader, path: string): string {
  if (!methods || methods.length === 0) return 'all';
  const has = (ops: string[]): boolean => methods.some((m) => ops.includes(m));
  const kinds = [has(READ_OPS) && 'read', has(WRITE_OPS) && 'write', methods.includes('fsync') && 'fsync'].filter(Boolean) as string[];
  const unknown = methods.filter((m) => !READ_OPS.includes(m) && !WRITE_OPS.includes(m) && m !== 'fsync' && m !== 'flush' && m !== 'release');
  if (unknown.length > 0) r.unsupported(path, unknown, 'unknown FUSE methods');
  if (kinds.length !== 1) return 'all';
  return kinds[0]!;
}

function diskName(node: string, volumePath: unknown, mapping: ChaosMapping): string {
  const disk = typeof volumePath === 'string' ? mapping.volumes?.[volumePath] : undefined;
  return disk ? `${node}/${disk}` : node;
}

function sizeMiB(size: string, r: Reader, path: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB|TB|TiB)?$/i.exec(size);
  if (!m) r.fail(path, `${JSON.stringify(size)} is not a size; use forms such as "256MB", "1GiB" or "100%"`);
  const unit = (m![2] ?? 'B').toLowerCase();
  const bytes: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 2 ** 20, gb: 1e9, gib: 2 ** 30, tb: 1e12, tib: 2 ** 40 };
  return (Number(m![1]) * bytes[unit]!) / 2 ** 20;
}

/** tc rate units (iproute2: SI multipliers; bps is bytes per second, bit is bits per second). */
function rateKBPerSec(rate: unknown, r: Reader, path: string): number {
  const m = typeof rate === 'string' ? /^(\d+(?:\.\d+)?)(bit|kbit|mbit|gbit|tbit|bps|kbps|mbps|gbps|tbps)$/i.exec(rate) : null;
  if (!m) r.fail(path, `${JSON.stringify(rate)} is not a tc rate; use forms such as "1mbps" (bytes/s) or "10mbit"`);
  const u = m![2]!.toLowerCase();
  const bytesPerSec: Record<string, number> = { bit: 1 / 8, kbit: 1e3 / 8, mbit: 1e6 / 8, gbit: 1e9 / 8, tbit: 1e12 / 8, bps: 1, kbps: 1e3, mbps: 1e6, gbps: 1e9, tbps: 1e12 };
  return +((Number(m![1]) * bytesPerSec[u]!) / 1000).toFixed(6);
}

/** The bandwidth `limit` (queue bytes) from which a tc queue never fills in a simulation: faultline queues without bound. */
export const UNBOUNDED_LIMIT = 2 ** 30;
/** A bucket of one packet: no burst, which is faultline's model (a message waits for the link to be free). */
export const NO_BURST_BUFFER = 1600;

function network(spec: Obj, path: string, c: Ctx, dur: number | undefined, key: string): RawEntry[] {
  const r: Reader = c.r;
  r.only(spec, path, [...COMMON_KEYS, 'action', 'direction', 'target', 'delay', 'loss', 'duplicate', 'corrupt', 'bandwidth']);
  const from = selectNodes(spec.selector, spec.mode, spec.value, path, c, key);
  let to: string[] = ['*'];
  if (spec.target !== undefined) {
    if (!isObj(spec.target)) r.fail(`${path}.target`, 'expected { selector, mode }');
    r.only(spec.target, `${path}.target`, ['selector', 'mode', 'value']);
    to = selectNodes(spec.target.selector, spec.target.mode, spec.target.value, `${path}.target`, c, `${key}/target`);
  }
  const direction = spec.direction ?? 'to';
  if (!['to', 'from', 'both'].includes(String(direction))) r.fail(`${path}.direction`, `${JSON.stringify(direction)} is not valid; use to, from or both`);
  const action = String(spec.action);
  const pairs = (fields: Obj & { kind: string }): RawEntry[] => from.flatMap((a) => to.map((b) => withTiming({ ...fields, from: a, to: b, ...(direction !== 'to' ? { direction } : {}) }, c.start, dur)));
  const out: RawEntry[] = [];
  const want = (k: string): boolean => action === k || (action === 'netem' && spec[k] !== undefined);
  if (action === 'partition') {
    if (spec.target === undefined) {
      if (from.length !== 1) r.fail(`${path}.target`, 'a partition of several pods from everything needs a target (faultline isolates one node without one)');
      return [withTiming({ kind: 'partition', mode: 'isolate', target: from[0] }, c.start, dur)];
    }
    return [withTiming({ kind: 'partition', groups: [from, to], direction: String(direction) }, c.start, dur)];
  }
  if (!['delay', 'loss', 'duplicate', 'corrupt', 'bandwidth', 'netem'].includes(action)) {
    r.fail(`${path}.action`, `${JSON.stringify(spec.action)} is not a NetworkChaos action; valid: netem, delay, loss, duplicate, corrupt, bandwidth, partition`);
  }
  for (const k of ['delay', 'loss', 'duplicate', 'corrupt', 'bandwidth']) {
    if (spec[k] !== undefined && !want(k)) r.unsupported(`${path}.${k}`, spec[k], `only read with action ${k} or netem`);
  }
  if (want('delay')) {
    const d = spec.delay;
    if (!isObj(d)) r.fail(`${path}.delay`, 'missing: give { latency, jitter }');
    r.only(d, `${path}.delay`, ['latency', 'jitter', 'correlation', 'reorder']);
    noCorrelation(d, `${path}.delay`, r);
    const latency = parseGoDuration(d.latency, r, `${path}.delay.latency`);
    const jitter = d.jitter === undefined ? 0 : parseGoDuration(d.jitter, r, `${path}.delay.jitter`);
    if (isObj(d.reorder)) {
      // netem sends `reorder`% at once and delays the rest by latency, so the rest is what faultline holds back
      const ro = d.reorder;
      r.only(ro, `${path}.delay.reorder`, ['reorder', 'correlation', 'gap']);
      noCorrelation(ro, `${path}.delay.reorder`, r);
      if (ro.gap !== undefined && Number(ro.gap) > 1) r.unsupported(`${path}.delay.reorder.gap`, ro.gap, 'faultline may reorder any message (netem gap 0 or 1)');
      if (jitter !== 0) r.unsupported(`${path}.delay.jitter`, d.jitter, 'faultline reorders with a fixed hold-back delay (jitter 0 with reorder)');
      const reorder = percentField(ro.reorder, r, `${path}.delay.reorder.reorder`);
      out.push(...pairs({ kind: 'link-reorder', percent: +(100 - reorder).toFixed(6), delay: latency }));
    } else {
      out.push(...pairs({ kind: 'link-latency', latency, ...(jitter ? { jitter } : {}) }));
    }
  }
  for (const [k, kind] of [['loss', 'link-loss'], ['duplicate', 'link-duplicate'], ['corrupt', 'link-corrupt']] as const) {
    if (!want(k)) continue;
    const o = spec[k];
    if (!isObj(o)) r.fail(`${path}.${k}`, `missing: give { ${k}: "25" }`);
    r.only(o, `${path}.${k}`, [k, 'correlation']);
    noCorrelation(o, `${path}.${k}`, r);
    out.push(...pairs({ kind, percent: percentField(o[k], r, `${path}.${k}.${k}`) }));
  }
  if (want('bandwidth')) {
    const b = spec.bandwidth;
    if (!isObj(b)) r.fail(`${path}.bandwidth`, 'missing: give { rate, limit, buffer }');
    r.only(b, `${path}.bandwidth`, ['rate', 'limit', 'buffer', 'peakrate', 'minburst']);
    if (b.limit !== undefined && Number(b.limit) < UNBOUNDED_LIMIT) r.unsupported(`${path}.bandwidth.limit`, b.limit, `faultline queues without a byte limit (a limit ≥ ${UNBOUNDED_LIMIT} never binds)`);
    if (b.buffer !== undefined && Number(b.buffer) > NO_BURST_BUFFER) r.unsupported(`${path}.bandwidth.buffer`, b.buffer, `faultline sends at the rate with no burst (a buffer ≤ ${NO_BURST_BUFFER} bytes, one packet)`);
    for (const k of ['peakrate', 'minburst']) if (b[k] !== undefined && Number(b[k]) !== 0) r.unsupported(`${path}.bandwidth.${k}`, b[k], 'faultline has one rate and no peak rate');
    out.push(...pairs({ kind: 'link-bandwidth', rateKBPerSec: rateKBPerSec(b.rate, r, `${path}.bandwidth.rate`) }));
  }
  if (out.length === 0) r.fail(path, `action ${action} gives no fault: add ${action === 'netem' ? 'delay, loss, duplicate, corrupt or bandwidth' : action}`);
  return out;
}

// ---------------------------------------------------------------- orchestration

/**
 * A Schedule starts its experiment at every cron time (robfig/cron syntax, as Chaos Mesh uses,
 * including `@every 5m`); with `concurrencyPolicy: Forbid` (the default) a run that would start
 * while the previous one still lasts is skipped. The plan's time 0 is taken as a cron time of
 * 00:00:00 UTC.
 */
function schedule(spec: Obj, path: string, c: Ctx, untilUs: number | undefined): RawEntry[] {
  const r: Reader = c.r;
  r.only(spec, path, ['schedule', 'type', 'concurrencyPolicy', 'historyLimit', 'startingDeadlineSeconds', ...Object.values(SPEC_KEY), 'workflow']);
  if (untilUs === undefined) r.fail(`${path}.schedule`, 'a Schedule repeats forever: give --until <duration> to import the runs that start before it');
  const type = String(spec.type);
  if (!(KINDS as readonly string[]).includes(type)) r.fail(`${path}.type`, `${JSON.stringify(spec.type)} is not supported in a Schedule; valid: ${KINDS.join(', ')}`);
  const inner = spec[SPEC_KEY[type as ChaosKind]];
  if (!isObj(inner)) r.fail(`${path}.${SPEC_KEY[type as ChaosKind]}`, `missing: the ${type} spec to run`);
  const policy = spec.concurrencyPolicy ?? 'Forbid';
  if (policy !== 'Forbid' && policy !== 'Allow') r.fail(`${path}.concurrencyPolicy`, `${JSON.stringify(policy)} is not valid; use Forbid or Allow`);
  const times = cronTimes(spec.schedule, c.start, c.start + untilUs!, r, `${path}.schedule`);
  const out: RawEntry[] = [];
  let busyUntil = -1;
  times.forEach((t, i) => {
    if (policy === 'Forbid' && t < busyUntil) return;
    const runs = experiment(type as ChaosKind, inner, `${path}.${SPEC_KEY[type as ChaosKind]}`, { ...c, start: t, name: `${c.name}#${i}` });
    busyUntil = endOf(runs, t);
    out.push(...runs);
  });
  return out;
}

/** An instant fault (a pod-kill's restart, an OOM kill) ends as it starts; one without a duration lasts. */
function endOf(entries: readonly RawEntry[], start: number): number {
  const instant = (e: RawEntry): boolean => e.kind === 'restart' || (e.kind === 'oom' && e.leakMbPerHour === undefined);
  return Math.max(start, ...entries.map((e) => (e.for !== undefined ? e.at + e.for : instant(e) ? e.at : Infinity)));
}

function cronTimes(expr: unknown, from: number, until: number, r: Reader, path: string): number[] {
  if (typeof expr !== 'string') r.fail(path, 'expected a cron expression such as "@every 5m" or "*/5 * * * *"');
  const every = /^@every\s+(\S+)$/.exec(expr as string);
  const out: number[] = [];
  if (every) {
    const step = parseGoDuration(every[1], r, path);
    if (step <= 0) r.fail(path, '@every needs a positive interval');
    for (let t = from + step; t < until && out.length < 10_000; t += step) out.push(t);
    return out;
  }
  try {
    // cron time 0 is the plan's start (1970-01-01T00:00:00Z); the parser never reads the real clock
    const it = CronExpressionParser.parse(expr as string, { currentDate: Math.floor(from / 1000), tz: 'UTC' });
    while (out.length < 10_000) {
      const t = it.next().getTime() * 1000;
      if (t >= until) break;
      out.push(t);
    }
  } catch (err) {
    r.fail(path, `${JSON.stringify(expr)} is not a cron expression (${err instanceof Error ? err.message : String(err)})`);
  }
  return out;
}

interface Template {
  name: string;
  templateType: string;
  deadline?: unknown;
  children?: unknown;
  schedule?: unknown;
  [k: string]: unknown;
}

/**
 * A Workflow runs its entry template: Serial children one after another, Parallel children at
 * once, Suspend waits its deadline, a chaos template runs its experiment for its deadline (or its
 * own duration), a Schedule template repeats within its deadline.
 */
function workflow(spec: Obj, path: string, c: Ctx): RawEntry[] {
  const r: Reader = c.r;
  r.only(spec, path, ['entry', 'templates']);
  if (!Array.isArray(spec.templates)) r.fail(`${path}.templates`, 'missing: the list of templates');
  const templates = new Map<string, { t: Template; i: number }>();
  (spec.templates as unknown[]).forEach((t, i) => {
    if (!isObj(t) || typeof t.name !== 'string') r.fail(`${path}.templates[${i}]`, 'expected { name, templateType, ... }');
    templates.set(t.name as string, { t: t as Template, i });
  });
  const out: RawEntry[] = [];
  /** Runs template `name` from `start`; returns when it ends (Infinity when it never does). */
  const run = (name: unknown, start: number, stack: string[]): number => {
    const found = templates.get(String(name));
    if (!found) r.fail(`${path}`, `template ${JSON.stringify(name)} is not defined; templates: ${[...templates.keys()].join(', ')}`);
    const { t, i } = found!;
    const tp = `${path}.templates[${i}] (${t.name})`;
    if (stack.includes(t.name)) r.fail(tp, `template ${t.name} contains itself`);
    const deadline = t.deadline === undefined ? undefined : parseGoDuration(t.deadline, r, `${tp}.deadline`);
    const children = Array.isArray(t.children) ? (t.children as unknown[]) : [];
    const cap = (end: number): number => (deadline === undefined ? end : Math.min(end, start + deadline));
    switch (t.templateType) {
      case 'Serial': {
        r.only(t, tp, ['name', 'templateType', 'deadline', 'children']);
        let at = start;
        for (const ch of children) {
          if (deadline !== undefined && at >= start + deadline) break;
          at = run(ch, at, [...stack, t.name]);
        }
        return cap(at);
      }
      case 'Parallel': {
        r.only(t, tp, ['name', 'templateType', 'deadline', 'children']);
        return cap(Math.max(start, ...children.map((ch) => run(ch, start, [...stack, t.name]))));
      }
      case 'Suspend':
        r.only(t, tp, ['name', 'templateType', 'deadline']);
        if (deadline === undefined) r.fail(`${tp}.deadline`, 'a Suspend needs a deadline');
        return start + deadline!;
      case 'Schedule': {
        r.only(t, tp, ['name', 'templateType', 'deadline', 'schedule']);
        if (!isObj(t.schedule)) r.fail(`${tp}.schedule`, 'missing: the schedule spec');
        const until = deadline ?? c.opts.untilUs;
        out.push(...schedule(t.schedule as Obj, `${tp}.schedule`, { ...c, start, name: `${c.name}/${t.name}` }, until));
        return deadline === undefined ? Infinity : start + deadline;
      }
      case 'Task':
      case 'StatusCheck':
        return r.fail(`${tp}.templateType`, `${t.templateType} (run a container / check an endpoint) has no faultline equivalent`);
      default: {
        if (!(KINDS as readonly string[]).includes(String(t.templateType))) r.fail(`${tp}.templateType`, `${JSON.stringify(t.templateType)} is not supported; valid: Serial, Parallel, Suspend, Schedule, ${KINDS.join(', ')}`);
        const kind = t.templateType as ChaosKind;
        r.only(t, tp, ['name', 'templateType', 'deadline', SPEC_KEY[kind]]);
        const inner = t[SPEC_KEY[kind]];
        if (!isObj(inner)) r.fail(`${tp}.${SPEC_KEY[kind]}`, `missing: the ${kind} spec`);
        const own = durationOf(inner as Obj, `${tp}.${SPEC_KEY[kind]}`, c);
        const length = deadline === undefined ? own : own === undefined ? deadline : Math.min(deadline, own);
        const entries = experiment(kind, inner as Obj, `${tp}.${SPEC_KEY[kind]}`, { ...c, start, name: `${c.name}/${t.name}` }, length);
        out.push(...entries);
        return length === undefined ? endOf(entries, start) : start + length;
      }
    }
  };
  run(spec.entry, c.start, []);
  return out;
}

// ---------------------------------------------------------------- export

export interface ChaosMeshExportOptions {
  mapping: ChaosMapping;
  /** Experiment name prefix (default "faultline"). */
  name?: string;
}

type Manifest = { apiVersion: string; kind: string; metadata: Obj; spec: Obj };

/** The plan as Chaos Mesh manifests: one experiment per entry, or one Workflow when the entries are timed. */
export function exportChaosMesh(plan: readonly FaultEntry[], r: Reader, opts: ChaosMeshExportOptions): Manifest[] {
  const ns = opts.mapping.namespace ?? 'default';
  const prefix = opts.name ?? 'faultline';
  const items: { kind: ChaosKind; spec: Obj; at: number; dur: number | undefined; label: string }[] = [];
  const entries = foldHeals(plan, r);
  entries.forEach(({ e, dur }, i) => {
    const label = `${prefix}-${i + 1}-${e.kind}`;
    const x = exportEntry(e, `entry ${i} (${e.kind})`, r, opts.mapping, ns);
    if (x) for (const one of x) items.push({ ...one, at: e.at, dur, label: x.length > 1 ? `${label}-${items.length + 1}` : label });
  });
  const timed = items.some((it) => it.at !== 0);
  if (!timed) {
    return items.map((it) => ({
      apiVersion: 'chaos-mesh.org/v1alpha1',
      kind: it.kind,
      metadata: { name: it.label, namespace: ns },
      spec: { ...it.spec, ...(it.dur !== undefined ? { duration: formatGoDuration(it.dur) } : {}) },
    }));
  }
  const templates: Obj[] = [{ name: 'all', templateType: 'Parallel', children: items.map((it) => `${it.label}-branch`) }];
  for (const it of items) {
    const children = [];
    if (it.at > 0) {
      templates.push({ name: `${it.label}-wait`, templateType: 'Suspend', deadline: formatGoDuration(it.at) });
      children.push(`${it.label}-wait`);
    }
    templates.push({ name: it.label, templateType: it.kind, ...(it.dur !== undefined ? { deadline: formatGoDuration(it.dur) } : {}), [SPEC_KEY[it.kind]]: it.spec });
    children.push(it.label);
    templates.push({ name: `${it.label}-branch`, templateType: 'Serial', children });
  }
  return [{ apiVersion: 'chaos-mesh.org/v1alpha1', kind: 'Workflow', metadata: { name: prefix, namespace: ns }, spec: { entry: 'all', templates } }];
}

/** `heal` ends the open partitions before it: in Chaos Mesh that is the partition's duration. */
function foldHeals(plan: readonly FaultEntry[], r: Reader): { e: FaultEntry; dur: number | undefined }[] {
  const out: { e: FaultEntry; dur: number | undefined }[] = [];
  plan.forEach((e, i) => {
    if (e.kind !== 'heal') {
      out.push({ e, dur: e.for });
      return;
    }
    let ended = 0;
    for (const o of out) if (o.e.kind === 'partition' && o.e.at <= e.at && (o.dur === undefined || o.e.at + o.dur > e.at)) (o.dur = e.at - o.e.at), ended++;
    if (ended === 0) r.warnings.push(`note: entry ${i} (heal) heals no partition open at ${formatGoDuration(e.at)}; it has no effect and is not exported`);
  });
  return out;
}

function selectorFor(target: string, path: string, r: Reader, mapping: ChaosMapping, ns: string): Obj | undefined {
  if (target === '*') return { namespaces: [ns] };
  if (target.includes(':')) {
    r.unsupported(path, target, 'Chaos Mesh selects pods, not zones or racks');
    return undefined;
  }
  const node = target.split('/')[0]!;
  const group = mapping.pods?.find((g) => g.nodes.length === 1 && g.nodes[0] === node);
  if (group) return { namespaces: [group.namespace ?? 'default'], labelSelectors: group.labels ?? {} };
  return { pods: { [ns]: [node] } };
}

function exportEntry(e: FaultEntry, path: string, r: Reader, mapping: ChaosMapping, ns: string): { kind: ChaosKind; spec: Obj }[] | undefined {
  const sel = (field: string): Obj | undefined => selectorFor(String(e[field]), `${path}.${field}`, r, mapping, ns);
  const no = (field: string, why: string): void => {
    if (e[field] !== undefined) r.unsupported(`${path}.${field}`, e[field], why);
  };
  const none = (why: string): undefined => {
    r.unsupported(path, undefined, why);
    return undefined;
  };
  const one = (kind: ChaosKind, spec: Obj | undefined): { kind: ChaosKind; spec: Obj }[] | undefined => (spec && Object.values(spec).every((v) => v !== undefined) ? [{ kind, spec }] : undefined);
  const volume = (): Obj => {
    const target = String(e.target);
    const disk = target.includes('/') ? target.split('/')[1] : undefined;
    const vp = disk ? Object.entries(mapping.volumes ?? {}).find(([, d]) => d === disk)?.[0] : undefined;
    if (disk && !vp) r.unsupported(`${path}.target`, target, `name the volume path of disk ${disk} in the mapping's "volumes"`);
    return { volumePath: vp ?? mapping.defaultVolumePath ?? '/data', path: '**' };
  };
  switch (e.kind) {
    case 'crash':
      return one('PodChaos', { action: 'pod-failure', mode: 'all', selector: sel('target') });
    case 'restart':
      no('restartDelay', 'a pod-kill restarts as fast as the pod starts; the delay is the pod’s');
      return one('PodChaos', { action: 'pod-kill', mode: 'all', selector: sel('target') });
    case 'limp': {
      const f = Number(e.factor ?? 10) - 1;
      const workers = Math.max(1, Math.ceil(f));
      return one('StressChaos', { mode: 'all', selector: sel('target'), stressors: { cpu: { workers, load: +((f / workers) * 100).toFixed(4) } } });
    }
    case 'oom':
      if (e.leakMbPerHour !== undefined) {
        if (e.for === undefined) return none('a leak without an end has no StressChaos equivalent (give for)');
        const mib = (Number(e.leakMbPerHour) * e.for!) / 3_600_000_000;
        return one('StressChaos', { mode: 'all', selector: sel('target'), stressors: { memory: { workers: 1, size: `${+mib.toFixed(3)}MiB`, time: formatGoDuration(e.for!) } } });
      }
      return one('StressChaos', { mode: 'all', selector: sel('target'), stressors: { memory: { workers: 1, size: '100%' } } });
    case 'partition': {
      const mode = e.mode ?? (e.groups !== undefined ? 'groups' : e.target !== undefined ? 'isolate' : 'random-halves');
      if (mode === 'isolate') return one('NetworkChaos', { action: 'partition', mode: 'all', selector: sel('target'), direction: 'both' });
      if (mode !== 'groups') return none(`partition mode ${String(mode)} picks nodes when the simulation runs; run the scenario and export the plan it wrote, or give groups`);
      const groups = e.groups as string[][];
      const direction = String(e.direction ?? 'both');
      const out: { kind: ChaosKind; spec: Obj }[] = [];
      const podsOf = (g: string[], p: string): Obj | undefined => {
        for (const n of g) if (n.includes(':') || n === '*') r.unsupported(p, n, 'Chaos Mesh partitions pods, not zones or racks');
        return { pods: { [ns]: g } };
      };
      for (let a = 0; a < groups.length; a++) {
        for (let b = a + 1; b < groups.length; b++) {
          if (direction !== 'both' && a !== 0) continue;
          const s = podsOf(groups[a]!, `${path}.groups[${a}]`);
          const t = podsOf(groups[b]!, `${path}.groups[${b}]`);
          if (s && t) out.push({ kind: 'NetworkChaos', spec: { action: 'partition', mode: 'all', selector: s, direction, target: { mode: 'all', selector: t } } });
        }
      }
      return out;
    }
    case 'link-latency':
    case 'link-loss':
    case 'link-duplicate':
    case 'link-corrupt':
    case 'link-bandwidth':
    case 'link-reorder': {
      no('toxicity', 'Chaos Mesh applies a fault to every selected link (toxicity 1)');
      const base: Obj = { mode: 'all', selector: selectorFor(String(e.from ?? '*'), `${path}.from`, r, mapping, ns) };
      if (e.direction !== undefined && e.direction !== 'to') base.direction = e.direction;
      const to = String(e.to ?? '*');
      if (to !== '*') base.target = { mode: 'all', selector: selectorFor(to, `${path}.to`, r, mapping, ns) };
      if (e.kind === 'link-latency') {
        no('distribution', 'netem adds a fixed latency with jitter');
        return one('NetworkChaos', { ...base, action: 'delay', delay: { latency: formatGoDuration(Number(e.latency ?? 0)), ...(e.jitter ? { jitter: formatGoDuration(Number(e.jitter)) } : {}) } });
      }
      if (e.kind === 'link-reorder') {
        return one('NetworkChaos', { ...base, action: 'delay', delay: { latency: formatGoDuration(Number(e.delay ?? 0)), reorder: { reorder: String(+(100 - Number(e.percent ?? 100)).toFixed(6)), correlation: '0', gap: 0 } } });
      }
      if (e.kind === 'link-bandwidth') {
        const bps = Math.round(Number(e.rateKBPerSec) * 1000);
        return one('NetworkChaos', { ...base, action: 'bandwidth', bandwidth: { rate: `${bps}bps`, limit: 2 ** 32 - 1, buffer: NO_BURST_BUFFER } });
      }
      const k = e.kind.slice('link-'.length);
      return one('NetworkChaos', { ...base, action: k, [k]: { [k]: String(e.percent ?? 100), correlation: '0' } });
    }
    case 'disk-slow': {
      if (e.stall) return none('Chaos Mesh has no I/O pause (AWS FIS aws:ebs:pause-volume-io has)');
      if (e.factor !== undefined && Number(e.factor) !== 1) no('factor', 'IOChaos adds a fixed delay; it has no multiplier');
      if (e.latency === undefined) return none('IOChaos latency needs an added latency (give latency)');
      return one('IOChaos', { action: 'latency', mode: 'all', selector: sel('target'), ...volume(), delay: formatGoDuration(Number(e.latency)), percent: 100 });
    }
    case 'disk-error': {
      if (e.mode === 'latent-sector') return none('latent sector errors (blocks that stay bad) have no IOChaos equivalent');
      const errno = Number(Object.entries(ERRNO).find(([, v]) => v === (e.errno ?? 'EIO'))![0]);
      const op = String(e.op ?? 'all');
      const methods = op === 'all' ? undefined : op === 'fsync' ? ['fsync'] : [op];
      return one('IOChaos', { action: 'fault', mode: 'all', selector: sel('target'), ...volume(), errno, percent: Number(e.percent ?? 100), ...(methods ? { methods } : {}) });
    }
    case 'disk-corrupt':
      if (e.mode !== 'on-read') return none('corruption at rest has no IOChaos equivalent (IOChaos mistake corrupts reads: mode on-read)');
      return one('IOChaos', { action: 'mistake', mode: 'all', selector: sel('target'), ...volume(), mistake: { filling: 'random', maxOccurrences: 1, maxLength: 1 }, methods: ['READ'], percent: Number(e.percent ?? 100) });
    case 'clock-skew':
      return one('TimeChaos', { mode: 'all', selector: sel('target'), timeOffset: formatGoDuration(Number(e.offsetMs) * 1000), clockIds: ['CLOCK_REALTIME'] });
    default:
      return none(`${e.kind} has no Chaos Mesh equivalent; kinds that export: crash, restart, limp, oom, partition, heal, link-latency, link-loss, link-duplicate, link-corrupt, link-reorder, link-bandwidth, disk-slow, disk-error, disk-corrupt, clock-skew`);
  }
}
