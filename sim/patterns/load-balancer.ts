/**
 * Client-side load balancing over a set of endpoints with Envoy 1.31 semantics:
 *
 * - `lbPolicy`: `ROUND_ROBIN`; `RANDOM`; `LEAST_REQUEST` (pick `choice_count`, default 2, hosts
 *   uniformly at random with replacement and send to the one with the fewest outstanding requests:
 *   power of two choices); `LEAST_REQUEST` with `selection_method: "FULL_SCAN"` (least outstanding
 *   over all hosts, first on ties); `RING_HASH` (Ketama: each host gets
 *   ceil(minimum_ring_size / hosts) points, default ring size 1024; the request's `ctx.key` is
 *   hashed and served by the next point clockwise). Weights are equal. The hash is 32-bit FNV-1a
 *   rather than Envoy's xxHash, so the ring's layout differs but its properties do not.
 * - Active health checking (`healthCheck`, Envoy `HealthCheck`): every `interval` after the
 *   previous result, each host is probed with a `timeout` (a timeout is a failure).
 *   `unhealthy_threshold` consecutive failures mark a healthy host unhealthy, `healthy_threshold`
 *   consecutive successes mark it healthy again, except that at startup a host is unhealthy until
 *   its first check and a single success marks it healthy.
 * - Outlier detection (`outlierDetection`, Envoy `OutlierDetection`): `consecutive_5xx` (default 5)
 *   consecutive failures eject a host at once (with probability `enforcing_consecutive_5xx`,
 *   default 100 %) for `base_ejection_time` (30 s) × times ejected, capped at `max_ejection_time`
 *   (300 s); hosts return at the first `interval` sweep (10 s) after their time is up, and each
 *   sweep in which a returned host stays in decrements its multiplier. `max_ejection_percent`
 *   (default 10 %) is strict, as since Envoy's 2023 changes: a host is ejected only if
 *   (ejected + 1) / hosts ≤ max_ejection_percent, unless `always_eject_one_host` (Envoy 1.31,
 *   default false) and none is ejected yet. So with the defaults a cluster under 10 hosts ejects
 *   nothing. A passing active health check un-ejects (`successful_active_health_check_uneject_host`).
 * - Panic threshold (`healthy_panic_threshold`, default 50 %): when the share of available hosts
 *   (healthy and not ejected) falls below it, traffic goes to all hosts regardless of health;
 *   0 disables panic mode and requests fail with `no-healthy-upstream` when none is available.
 *
 * An endpoint is any `Call` with an id; the world and app layers implement it over the network.
 * A health probe is `(endpoint, done(healthy))`. Health checks and the outlier sweep are timers:
 * call `stop()` to end them so a simulation can drain.
 */
import { InputError } from '../kernel/errors.ts';
import type { Random } from '../kernel/random.ts';
import type { Counter } from '../observe/metrics.ts';
import { ErrorKinds, rejection, type Call, type CallContext, type Done, type Outcome } from './call.ts';
import { ENV_OPTION_NAMES, PolicyEnv, type PolicyEnvOptions } from './env.ts';
import { booleanOption, checkKnown, durationOption, enumOption, numberOption, type Opts } from './options.ts';

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    /** Active health checking changed a host's health. */
    'lb-host-health': { node: string; lb: string; host: string; healthy: boolean; reason: string };
    /** Outlier detection ejected (or returned) a host. */
    'lb-outlier': { node: string; lb: string; host: string; ejected: boolean; durationUs: number; reason: string };
    /** The load balancer entered or left panic mode. */
    'lb-panic': { node: string; lb: string; panic: boolean; available: number; hosts: number };
  }
}

/** An upstream host as a load balancer takes it: an id and the call that reaches it (`Service.endpointsFor` makes them). */
export interface Endpoint {
  /** The host's name (a replica's node name). */
  readonly id: string;
  /** The call that reaches this host. */
  readonly call: Call;
}

/** A health probe: report whether `endpoint` is healthy by calling `done` (once). */
export type HealthProbe = (endpoint: Endpoint, done: (healthy: boolean) => void) => void;

/**
 * An Envoy cluster `lb_policy`: `ROUND_ROBIN`, `RANDOM`, `LEAST_REQUEST` (power of `choice_count`
 * choices, or a full scan) or `RING_HASH` (Ketama, on the request's `ctx.key`).
 */
export type LbPolicy = 'ROUND_ROBIN' | 'RANDOM' | 'LEAST_REQUEST' | 'RING_HASH';
/** Every `LbPolicy`. */
export const LB_POLICIES: readonly LbPolicy[] = ['ROUND_ROBIN', 'RANDOM', 'LEAST_REQUEST', 'RING_HASH'];

/**
 * Active health checking, as Envoy `HealthCheck` names it: every `interval` after the previous
 * result each host is probed with a `timeout`; `unhealthy_threshold` consecutive failures mark it
 * unhealthy, `healthy_threshold` successes healthy again (at startup a host is unhealthy until
 * its first check, and one success marks it healthy). All four are required, as in Envoy.
 */
export interface HealthCheckOptions {
  /** How a host is checked: `(endpoint, done(healthy))`. */
  probe: HealthProbe;
  /** Time from one check's result to the next check ("1s"). Required (or `intervalMs`). */
  interval?: string;
  /** `interval` in milliseconds. */
  intervalMs?: number;
  /** A check without an answer within this long fails ("50ms"). Required (or `timeoutMs`). */
  timeout?: string;
  /** `timeout` in milliseconds. */
  timeoutMs?: number;
  /** Consecutive failures that mark a healthy host unhealthy. */
  unhealthy_threshold: number;
  /** Consecutive successes that mark an unhealthy host healthy. */
  healthy_threshold: number;
  /** Random delay before a host's first check: U(0, initial_jitter). Default 0. */
  initial_jitter?: string;
  /** `initial_jitter` in milliseconds. */
  initial_jitterMs?: number;
}

/**
 * Passive health checking, as Envoy `OutlierDetection` names it (Envoy 1.31 defaults): consecutive
 * failures eject a host for `base_ejection_time` × times ejected, capped, within
 * `max_ejection_percent` of the hosts (strict: with the default 10 %, a cluster under 10 hosts
 * ejects nothing unless `always_eject_one_host`).
 */
export interface OutlierDetectionOptions {
  /** Consecutive failures that eject a host. Default 5. */
  consecutive_5xx?: number;
  /** Chance, in percent, that such an ejection is enforced. Default 100. */
  enforcing_consecutive_5xx?: number;
  /** Period of the sweep that returns hosts whose ejection is over. Default "10s". */
  interval?: string;
  /** `interval` in milliseconds. */
  intervalMs?: number;
  /** Ejection time per time ejected. Default "30s". */
  base_ejection_time?: string;
  /** `base_ejection_time` in milliseconds. */
  base_ejection_timeMs?: number;
  /** Cap on the ejection time. Default "300s". */
  max_ejection_time?: string;
  /** `max_ejection_time` in milliseconds. */
  max_ejection_timeMs?: number;
  /** A host is ejected only if (ejected + 1) / hosts ≤ this, in percent. Default 10. */
  max_ejection_percent?: number;
  /** Eject one host even when `max_ejection_percent` would forbid it, if none is ejected yet. Default false. */
  always_eject_one_host?: boolean;
  /** A passing active health check returns an ejected host. Default true. */
  successful_active_health_check_uneject_host?: boolean;
}

/** The options of `loadBalancer`: the hosts and an Envoy cluster's load balancing, health checking, outlier detection and panic threshold. */
export interface LoadBalancerOptions extends PolicyEnvOptions {
  /** The upstream hosts. */
  endpoints: readonly Endpoint[];
  /** How a host is picked. Default ROUND_ROBIN. */
  lbPolicy?: LbPolicy;
  /** LEAST_REQUEST: hosts drawn at random (with replacement) per pick, 2 to 100. Default 2. */
  choice_count?: number;
  /** LEAST_REQUEST: `N_CHOICES` (default) or `FULL_SCAN` (least outstanding of all hosts, first on ties). */
  selection_method?: 'N_CHOICES' | 'FULL_SCAN';
  /** RING_HASH: ring points in all (each host gets ceil(size / hosts)). Default 1024. */
  minimum_ring_size?: number;
  /** Below this share of available hosts, in percent, traffic goes to every host regardless of health; 0 disables panic mode. Default 50. */
  healthy_panic_threshold?: number;
  /** Active health checking. Default: none. */
  healthCheck?: HealthCheckOptions;
  /** Passive health checking. Default: none. */
  outlierDetection?: OutlierDetectionOptions;
}

/** One host of a load balancer: its endpoint, requests outstanding, health (active), ejection (passive), and availability. */
export class Host {
  outstanding = 0;
  /** Active health: true unless health checking marked it unhealthy. */
  healthy: boolean;
  /** Never checked yet (startup). */
  pending: boolean;
  hcFailures = 0;
  hcSuccesses = 0;
  ejected = false;
  ejectedUntilUs = 0;
  ejections = 0;
  ejectedThisInterval = false;
  consecutive5xx = 0;
  requests = 0;
  constructor(
    readonly index: number,
    readonly endpoint: Endpoint,
    activeHc: boolean,
  ) {
    this.healthy = !activeHc;
    this.pending = activeHc;
  }
  get id(): string {
    return this.endpoint.id;
  }
  get available(): boolean {
    return this.healthy && !this.ejected;
  }
}

interface HcConfig {
  probe: HealthProbe;
  intervalUs: number;
  timeoutUs: number;
  unhealthyThreshold: number;
  healthyThreshold: number;
  initialJitterUs: number;
}

interface OdConfig {
  consecutive5xx: number;
  enforcing: number;
  intervalUs: number;
  baseUs: number;
  maxUs: number;
  maxPercent: number;
  alwaysEjectOne: boolean;
  hcUneject: boolean;
}

/** 32-bit FNV-1a of a string. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // final avalanche (murmur3 fmix32) so that nearby keys spread around the ring
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * An Envoy-style client-side load balancer over a set of hosts (Envoy 1.31 semantics): `call`
 * picks a host by `lbPolicy` among the available ones (healthy and not ejected, or every host in
 * panic mode) or fails with `no-healthy-upstream`. Its health checks and outlier sweep are timers:
 * `stop()` ends them.
 */
export class LoadBalancer {
  /** Its hosts, in the order of the endpoints. */
  readonly hosts: readonly Host[];
  /** The balanced call: use it as a policy's inner call or a client's call. */
  readonly call: Call;
  readonly requests: Counter;
  readonly panicRequests: Counter;
  readonly noHealthy: Counter;
  readonly ejectionsTotal: Counter;
  readonly hcFailures: Counter;
  private avail: Host[] = [];
  private dirty = true;
  private panic = false;
  private rr = 0;
  private ring: Uint32Array = new Uint32Array(0);
  private ringHosts: Host[] = [];
  private readonly rng: Random | null;
  private timers: number[] = [];
  private stopped = false;
  private readonly name: string;

  constructor(
    readonly env: PolicyEnv,
    endpoints: readonly Endpoint[],
    readonly lbPolicy: LbPolicy,
    readonly choiceCount: number,
    readonly fullScan: boolean,
    readonly minimumRingSize: number,
    readonly panicThreshold: number,
    private readonly hc: HcConfig | null,
    private readonly od: OdConfig | null,
  ) {
    this.name = env.name;
    this.hosts = endpoints.map((e, i) => new Host(i, e, hc !== null));
    const needsRandom = lbPolicy === 'RANDOM' || (lbPolicy === 'LEAST_REQUEST' && !fullScan) || (hc !== null && hc.initialJitterUs > 0) || (od !== null && od.enforcing < 100);
    this.rng = needsRandom ? env.random() : null;
    this.requests = env.counter('requests');
    this.panicRequests = env.counter('panic-requests');
    this.noHealthy = env.counter('no-healthy-upstream');
    this.ejectionsTotal = env.counter('ejections');
    this.hcFailures = env.counter('health-check-failures');
    this.call = (ctx, done) => this.route(ctx, done);
    if (hc !== null) {
      for (const h of this.hosts) {
        const first = hc.initialJitterUs > 0 ? Math.floor(this.rng!.next() * hc.initialJitterUs) : 0;
        this.timers[h.index] = env.sim.schedule(first, runCheck, [this, h] as [LoadBalancer, Host]);
      }
    }
    if (od !== null) this.sweepTimer = env.sim.schedule(od.intervalUs, runSweep, this);
  }
  private sweepTimer = -1;

  /** End health checks and the outlier sweep. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) if (t !== undefined) this.env.sim.cancel(t);
    if (this.sweepTimer !== -1) this.env.sim.cancel(this.sweepTimer);
  }

  get inPanic(): boolean {
    this.refresh();
    return this.panic;
  }

  /** Hosts that receive traffic now (all hosts in panic mode). */
  availableHosts(): readonly Host[] {
    this.refresh();
    return this.panic ? this.hosts : this.avail;
  }

  private refresh(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.avail = this.hosts.filter((h) => h.available);
    const share = this.hosts.length === 0 ? 0 : (this.avail.length * 100) / this.hosts.length;
    const panic = this.panicThreshold > 0 && share < this.panicThreshold;
    if (panic !== this.panic) {
      this.panic = panic;
      this.env.trace?.emit({ time: this.env.sim.now, kind: 'lb-panic', node: this.env.node, lb: this.name, panic, available: this.avail.length, hosts: this.hosts.length });
    }
    if (this.lbPolicy === 'RING_HASH') this.buildRing(panic ? this.hosts : this.avail);
  }

  private buildRing(hosts: readonly Host[]): void {
    if (hosts.length === 0) {
      this.ring = new Uint32Array(0);
      this.ringHosts = [];
      return;
    }
    const per = Math.ceil(this.minimumRingSize / hosts.length);
    const pts: { h: number; host: Host }[] = [];
    for (const host of hosts) for (let i = 0; i < per; i++) pts.push({ h: hash32(`${host.id}_${i}`), host });
    pts.sort((a, b) => a.h - b.h || a.host.index - b.host.index);
    this.ring = Uint32Array.from(pts, (p) => p.h);
    this.ringHosts = pts.map((p) => p.host);
  }

  private pick(key: string | number): Host | null {
    this.refresh();
    const list = this.panic ? this.hosts : this.avail;
    const n = list.length;
    if (n === 0) return null;
    switch (this.lbPolicy) {
      case 'ROUND_ROBIN': {
        const h = list[this.rr % n]!;
        this.rr = (this.rr + 1) % 1_000_000_007;
        return h;
      }
      case 'RANDOM':
        return list[Math.floor(this.rng!.next() * n)]!;
      case 'LEAST_REQUEST': {
        if (this.fullScan) {
          let best = list[0]!;
          for (let i = 1; i < n; i++) if (list[i]!.outstanding < best.outstanding) best = list[i]!;
          return best;
        }
        let best = list[Math.floor(this.rng!.next() * n)]!;
        for (let c = 1; c < this.choiceCount; c++) {
          const h = list[Math.floor(this.rng!.next() * n)]!;
          if (h.outstanding < best.outstanding) best = h;
        }
        return best;
      }
      case 'RING_HASH': {
        const x = typeof key === 'number' ? hash32(String(key)) : hash32(key);
        const ring = this.ring;
        let lo = 0;
        let hi = ring.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (ring[mid]! < x) lo = mid + 1;
          else hi = mid;
        }
        return this.ringHosts[lo === ring.length ? 0 : lo]!;
      }
    }
  }

  private route(ctx: CallContext, done: Done): void {
    this.requests.inc();
    const h = this.pick(ctx.key);
    if (h === null) {
      this.noHealthy.inc();
      return done(rejection(ErrorKinds.noHealthyUpstream));
    }
    if (this.panic) this.panicRequests.inc();
    h.outstanding++;
    h.requests++;
    h.endpoint.call(ctx, (o: Outcome) => {
      h.outstanding--;
      if (this.od !== null && o.error !== ErrorKinds.cancelled) this.passive(h, o);
      done(o);
    });
  }

  // ---- outlier detection ----
  private passive(h: Host, o: Outcome): void {
    const od = this.od!;
    if (o.ok) {
      h.consecutive5xx = 0;
      return;
    }
    if (++h.consecutive5xx < od.consecutive5xx) return;
    h.consecutive5xx = 0;
    if (h.ejected) return;
    if (od.enforcing < 100 && !(this.rng!.next() * 100 < od.enforcing)) return;
    this.tryEject(h, 'consecutive_5xx');
  }

  private tryEject(h: Host, reason: string): void {
    const od = this.od!;
    let ejected = 0;
    for (const x of this.hosts) if (x.ejected) ejected++;
    const pct = (100 * (ejected + 1)) / this.hosts.length;
    if (!(pct <= od.maxPercent || (od.alwaysEjectOne && ejected === 0))) return;
    h.ejections++;
    h.ejected = true;
    h.ejectedThisInterval = true;
    const cap = Math.max(od.maxUs, od.baseUs);
    const dur = Math.min(od.baseUs * h.ejections, cap);
    h.ejectedUntilUs = this.env.sim.now + dur;
    this.ejectionsTotal.inc();
    this.dirty = true;
    this.env.trace?.emit({ time: this.env.sim.now, kind: 'lb-outlier', node: this.env.node, lb: this.name, host: h.id, ejected: true, durationUs: dur, reason });
  }

  private uneject(h: Host, reason: string): void {
    h.ejected = false;
    h.consecutive5xx = 0;
    this.dirty = true;
    this.env.trace?.emit({ time: this.env.sim.now, kind: 'lb-outlier', node: this.env.node, lb: this.name, host: h.id, ejected: false, durationUs: 0, reason });
  }

  /** @internal the outlier-detection interval sweep. */
  _sweep(): void {
    if (this.stopped) return;
    const now = this.env.sim.now;
    for (const h of this.hosts) {
      if (h.ejected) {
        if (now >= h.ejectedUntilUs) this.uneject(h, 'ejection-time-elapsed');
      } else if (h.ejections > 0 && !h.ejectedThisInterval) {
        h.ejections--;
      }
      h.ejectedThisInterval = false;
    }
    this.sweepTimer = this.env.sim.schedule(this.od!.intervalUs, runSweep, this);
  }

  // ---- active health checking ----
  /** @internal */
  _check(h: Host): void {
    if (this.stopped) return;
    const hc = this.hc!;
    const sim = this.env.sim;
    let finished = false;
    const finish = (healthy: boolean, reason: string): void => {
      if (finished || this.stopped) return;
      finished = true;
      sim.cancel(timer);
      this.hcResult(h, healthy, reason);
      this.timers[h.index] = sim.schedule(hc.intervalUs, runCheck, [this, h] as [LoadBalancer, Host]);
    };
    const timer = sim.schedule(hc.timeoutUs, () => finish(false, 'timeout'), null);
    hc.probe(h.endpoint, (healthy) => finish(healthy, healthy ? 'check-passed' : 'check-failed'));
  }

  private hcResult(h: Host, ok: boolean, reason: string): void {
    const hc = this.hc!;
    if (ok) {
      h.hcFailures = 0;
      h.hcSuccesses++;
      if (!h.healthy && (h.pending || h.hcSuccesses >= hc.healthyThreshold)) this.setHealth(h, true, h.pending ? 'first-check-passed' : reason);
      if (h.ejected && this.od !== null && this.od.hcUneject) this.uneject(h, 'active-health-check-passed');
    } else {
      this.hcFailures.inc();
      h.hcSuccesses = 0;
      h.hcFailures++;
      if (h.healthy && h.hcFailures >= hc.unhealthyThreshold) this.setHealth(h, false, reason);
    }
    h.pending = false;
  }

  private setHealth(h: Host, healthy: boolean, reason: string): void {
    h.healthy = healthy;
    this.dirty = true;
    this.env.trace?.emit({ time: this.env.sim.now, kind: 'lb-host-health', node: this.env.node, lb: this.name, host: h.id, healthy, reason });
  }
}

function runCheck(a: [LoadBalancer, Host]): void {
  a[0]._check(a[1]);
}
function runSweep(lb: LoadBalancer): void {
  lb._sweep();
}

/**
 * An Envoy-style (1.31) client-side load balancer over `endpoints`: `lbPolicy` (round robin by
 * default), optional active health checking and outlier detection, and the panic threshold
 * (default 50 %: below it traffic goes to every host). Its timers run until `stop()`.
 */
export function loadBalancer(options: LoadBalancerOptions): LoadBalancer {
  const where = 'loadBalancer';
  const o = options as unknown as Opts;
  checkKnown(where, o, [...ENV_OPTION_NAMES, 'endpoints', 'lbPolicy', 'choice_count', 'selection_method', 'minimum_ring_size', 'healthy_panic_threshold', 'healthCheck', 'outlierDetection']);
  const eps = o.endpoints as Endpoint[] | undefined;
  if (!Array.isArray(eps) || eps.length === 0) throw new InputError(`${where}: endpoints is required: a non-empty list of { id, call }`);
  const ids = new Set<string>();
  for (const [i, e] of eps.entries()) {
    if (!e || typeof e.id !== 'string' || typeof e.call !== 'function') throw new InputError(`${where}: endpoints[${i}] must be { id: string, call: Call }`);
    if (ids.has(e.id)) throw new InputError(`${where}: endpoints[${i}].id ${JSON.stringify(e.id)} is a duplicate`);
    ids.add(e.id);
  }
  const policy = enumOption(where, o, 'lbPolicy', 'ROUND_ROBIN', LB_POLICIES);
  const choice = numberOption(where, o, 'choice_count', 2, { min: 2, integer: true, max: 100 });
  const sel = enumOption(where, o, 'selection_method', 'N_CHOICES', ['N_CHOICES', 'FULL_SCAN'] as const);
  const ring = numberOption(where, o, 'minimum_ring_size', 1024, { min: 1, integer: true, max: 8_388_608 });
  const panic = numberOption(where, o, 'healthy_panic_threshold', 50, { min: 0, max: 100, unit: 'percent' });
  let hc: HcConfig | null = null;
  if (o.healthCheck !== undefined) {
    const w = `${where}: healthCheck`;
    const h = o.healthCheck as Opts;
    checkKnown(w, h, ['probe', 'interval', 'intervalMs', 'timeout', 'timeoutMs', 'unhealthy_threshold', 'healthy_threshold', 'initial_jitter', 'initial_jitterMs']);
    if (typeof h.probe !== 'function') throw new InputError(`${w}: probe is required: (endpoint, done(healthy)) => void`);
    for (const f of ['interval', 'timeout']) if (h[f] === undefined && h[`${f}Ms`] === undefined) throw new InputError(`${w}: ${f} is required (Envoy HealthCheck)`);
    for (const f of ['unhealthy_threshold', 'healthy_threshold']) if (h[f] === undefined) throw new InputError(`${w}: ${f} is required (Envoy HealthCheck)`);
    hc = {
      probe: h.probe as HealthProbe,
      intervalUs: durationOption(w, h, 'interval', 0, { minUs: 0, minExclusive: true }),
      timeoutUs: durationOption(w, h, 'timeout', 0, { minUs: 0, minExclusive: true }),
      unhealthyThreshold: numberOption(w, h, 'unhealthy_threshold', 1, { min: 1, integer: true }),
      healthyThreshold: numberOption(w, h, 'healthy_threshold', 1, { min: 1, integer: true }),
      initialJitterUs: durationOption(w, h, 'initial_jitter', 0),
    };
  }
  let od: OdConfig | null = null;
  if (o.outlierDetection !== undefined) {
    const w = `${where}: outlierDetection`;
    const d = o.outlierDetection as Opts;
    checkKnown(w, d, ['consecutive_5xx', 'enforcing_consecutive_5xx', 'interval', 'intervalMs', 'base_ejection_time', 'base_ejection_timeMs', 'max_ejection_time', 'max_ejection_timeMs', 'max_ejection_percent', 'always_eject_one_host', 'successful_active_health_check_uneject_host']);
    od = {
      consecutive5xx: numberOption(w, d, 'consecutive_5xx', 5, { min: 1, integer: true }),
      enforcing: numberOption(w, d, 'enforcing_consecutive_5xx', 100, { min: 0, max: 100, unit: 'percent' }),
      intervalUs: durationOption(w, d, 'interval', 10_000_000, { minUs: 0, minExclusive: true }),
      baseUs: durationOption(w, d, 'base_ejection_time', 30_000_000, { minUs: 0, minExclusive: true }),
      maxUs: durationOption(w, d, 'max_ejection_time', 300_000_000, { minUs: 0, minExclusive: true }),
      maxPercent: numberOption(w, d, 'max_ejection_percent', 10, { min: 0, max: 100, unit: 'percent' }),
      alwaysEjectOne: booleanOption(w, d, 'always_eject_one_host', false),
      hcUneject: booleanOption(w, d, 'successful_active_health_check_uneject_host', true),
    };
  }
  return new LoadBalancer(new PolicyEnv(where, 'load-balancer', o), eps, policy, choice, sel === 'FULL_SCAN', ring, panic, hc, od);
}

