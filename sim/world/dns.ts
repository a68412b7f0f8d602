/**
 * DNS-based failover as Amazon Route 53 does it, and the caches between it and the clients.
 *
 * - **Failover routing** (Route 53 `Failover: PRIMARY | SECONDARY`): the authoritative answer is
 *   the primary record while its health check is healthy, else the secondary when that is healthy;
 *   when both are unhealthy Route 53 answers the primary.
 * - **Health checks** (Route 53 semantics): `checkers` health checkers (Route 53 checks from
 *   several regions; 8 by default), each probing every `requestInterval` (10 s or 30 s, default
 *   30 s) at its own phase. A checker changes its view of the endpoint after `failureThreshold`
 *   consecutive probes disagree with it (1–10, default 3). The endpoint is healthy while more than
 *   18 % of the checkers report it healthy.
 * - **Resolvers** (recursive resolvers: an ISP's, a corporate one, 8.8.8.8) cache an answer for its
 *   TTL and fetch it again on the first query after it expires (lazy refresh). At the start each
 *   resolver's entry has a uniformly random age, as in a system that has been running for a while.
 * - **Clients** ask their resolver (each client is assigned one). A client that honours the TTL gets
 *   the resolver's remaining TTL (RFC 1035 §6.1.2 decrements it), so its own cache expires when the
 *   resolver's does and its answer is always the resolver's: it is not modelled separately. A
 *   declared share of clients ignore the TTL (a JVM with `networkaddress.cache.ttl=-1`, a pooled
 *   connection that is never re-resolved, an app that caches the address): each keeps its first
 *   answer for `ttlIgnoringKeep` (default: until the run ends).
 *
 * So a failover is seen by honouring clients within one TTL of the flip (the share still on the old
 * answer falls linearly, as resolvers' entries expire) and never, or only after `ttlIgnoringKeep`,
 * by the others: the stale-DNS traffic that keeps reaching a failed region.
 *
 * Randomness: checker phases from `dns/<name>/checkers`, resolver ages from `dns/<name>/resolvers`,
 * clients' resolvers and TTL behaviour from `dns/<name>/clients` (drawn once, in client order).
 */
import { InputError } from '../kernel/errors.ts';
import type { RandomStreams } from '../kernel/random.ts';
import type { Simulation } from '../kernel/sim.ts';
import { checkKeys, expectObject } from '../kernel/suggest.ts';
import { parseDuration, type Duration } from '../kernel/time.ts';
import type { Tracer } from '../observe/trace.ts';
import type { World } from './world.ts';

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    /** A DNS record's health check changed its status (Route 53's view: more than 18 % of checkers healthy). */
    'dns-health': { name: string; value: string; healthy: boolean };
    /** The authoritative answer of a DNS name changed (a failover, or back). */
    'dns-answer': { name: string; value: string; previous: string };
  }
}

/** Route 53's rule: an endpoint is healthy while more than this share of checkers report it healthy. */
export const ROUTE53_HEALTHY_SHARE = 0.18;

/** A health check's probe: report whether `value` (a record's answer) is healthy now. */
export type DnsProbe = (value: string, done: (healthy: boolean) => void) => void;

/** Route 53 health check settings (its parameter names). */
export interface DnsHealthCheckOptions {
  /** Seconds between two probes of one checker: Route 53 allows "10s" (fast) or "30s" (standard, default). Any duration ≥ 1 s is accepted. */
  requestInterval?: Duration;
  /** Consecutive probes that must disagree before a checker changes its view (1–10, default 3). */
  failureThreshold?: number;
  /** Health checkers (Route 53 uses several regions; default 8, at most 64). */
  checkers?: number;
  /** The probe (see `nodeProbe` for one that asks whether a node is up and reachable from outside its region). */
  probe: DnsProbe;
}

/** The options of `dnsFailover`. */
export interface DnsFailoverOptions {
  sim: Simulation;
  random: RandomStreams;
  trace: Tracer;
  /** The DNS name, such as "api.example.com" (names the random streams and trace records). */
  name: string;
  /** The records' TTL (Route 53 recommends 60 s for failover records). */
  ttl: Duration;
  /** The PRIMARY failover record's value (a region name, an endpoint). */
  primary: string;
  /** The SECONDARY failover record's value. */
  secondary: string;
  /** The health check of both records. */
  healthCheck: DnsHealthCheckOptions;
  /** Recursive resolvers the clients share (default 100; 1 to 100,000). */
  resolvers?: number;
  /** Clients (default 10,000; 1 to 10,000,000). `resolve(client)` takes a client's number; larger numbers wrap. */
  clients?: number;
  /** Share of clients that ignore the TTL and keep their first answer (0 to 1, default 0). */
  ttlIgnoringShare?: number;
  /** How long a TTL-ignoring client keeps its answer (default: until the run ends). */
  ttlIgnoringKeep?: Duration;
}

const KEYS: Record<keyof DnsFailoverOptions, true> = {
  sim: true,
  random: true,
  trace: true,
  name: true,
  ttl: true,
  primary: true,
  secondary: true,
  healthCheck: true,
  resolvers: true,
  clients: true,
  ttlIgnoringShare: true,
  ttlIgnoringKeep: true,
};
const HC_KEYS: Record<keyof DnsHealthCheckOptions, true> = { requestInterval: true, failureThreshold: true, checkers: true, probe: true };

/** A Route 53 health check: checkers with their own phase and view; healthy while more than 18 % agree. */
class HealthCheck {
  healthy = true;
  private readonly views: boolean[];
  private readonly streak: number[];

  constructor(
    private readonly dns: DnsFailover,
    readonly value: string,
    phases: readonly number[],
    private readonly intervalUs: number,
    private readonly threshold: number,
    private readonly probe: DnsProbe,
  ) {
    this.views = phases.map(() => true);
    this.streak = phases.map(() => 0);
    phases.forEach((p, i) => dns.sim.schedule(p, (k: number) => this.tick(k), i));
  }

  private tick(i: number): void {
    this.probe(this.value, (ok) => {
      if (ok === this.views[i]) this.streak[i] = 0;
      else if (++this.streak[i]! >= this.threshold) {
        this.views[i] = ok;
        this.streak[i] = 0;
        this.update();
      }
    });
    this.dns.sim.schedule(this.intervalUs, (k: number) => this.tick(k), i);
  }

  private update(): void {
    const up = this.views.filter(Boolean).length;
    const healthy = up > ROUTE53_HEALTHY_SHARE * this.views.length;
    if (healthy === this.healthy) return;
    this.healthy = healthy;
    this.dns._healthChanged(this);
  }
}

/**
 * A DNS name with Route 53 failover routing and health checks, the recursive resolvers that
 * cache it and the clients that use it (see the file comment for the semantics). Make one with
 * `dnsFailover(options)`; ask `resolve(client)` for the address a client's request goes to.
 */
export class DnsFailover {
  readonly sim: Simulation;
  readonly name: string;
  readonly ttlUs: number;
  /** The authoritative answer now. */
  answer: string;
  /** When the authoritative answer first moved off the primary (µs), or -1. */
  failoverAtUs = -1;
  /** Resolutions asked for, and those answered with something other than the authoritative answer now. */
  resolutions = 0;
  staleAnswers = 0;
  private readonly trace: Tracer;
  private readonly checks: HealthCheck[];
  private readonly resolverValue: string[];
  private readonly resolverExpiresUs: Float64Array;
  private readonly resolverOf: Int32Array;
  private readonly ignoring: Uint8Array;
  private readonly pinned: (string | undefined)[];
  private readonly pinnedUntilUs: Float64Array;
  private readonly keepUs: number;

  constructor(o: DnsFailoverOptions) {
    const where = 'dnsFailover';
    expectObject(where, o);
    checkKeys(where, o, Object.keys(KEYS));
    if (typeof o.name !== 'string' || o.name.length === 0) throw new InputError(`${where}: name must be a DNS name such as "api.example.com"`);
    const w = `${where}(${o.name})`;
    for (const k of ['primary', 'secondary'] as const) {
      if (typeof o[k] !== 'string' || o[k].length === 0) throw new InputError(`${w}: ${k} must be the record's value (a non-empty string, such as a region name)`);
    }
    if (o.primary === o.secondary) throw new InputError(`${w}: primary and secondary are both ${JSON.stringify(o.primary)}; failover needs two different values`);
    this.sim = o.sim;
    this.trace = o.trace;
    this.name = o.name;
    this.ttlUs = parseDuration(o.ttl, `${w}: ttl`);
    if (!(this.ttlUs >= 1_000_000 && this.ttlUs <= 604_800_000_000)) throw new InputError(`${w}: ttl=${JSON.stringify(o.ttl)} is not valid; use a TTL from "1s" to "7d" (Route 53 allows 0 to 2147483647 s; failover records usually 60 s)`);
    const resolvers = intIn(w, 'resolvers', o.resolvers, 100, 1, 100_000);
    const clients = intIn(w, 'clients', o.clients, 10_000, 1, 10_000_000);
    const share = o.ttlIgnoringShare ?? 0;
    if (typeof share !== 'number' || !(share >= 0 && share <= 1)) throw new InputError(`${w}: ttlIgnoringShare=${String(share)} is not valid; use a share from 0 to 1`);
    this.keepUs = o.ttlIgnoringKeep === undefined ? Infinity : parseDuration(o.ttlIgnoringKeep, `${w}: ttlIgnoringKeep`);
    const hc = o.healthCheck;
    expectObject(`${w}: healthCheck`, hc);
    checkKeys(`${w}: healthCheck`, hc, Object.keys(HC_KEYS));
    if (typeof hc.probe !== 'function') throw new InputError(`${w}: healthCheck.probe must be a function (value, done(healthy)); nodeProbe(world, …) makes one`);
    const intervalUs = parseDuration(hc.requestInterval ?? '30s', `${w}: healthCheck.requestInterval`);
    if (!(intervalUs >= 1_000_000 && intervalUs <= 3_600_000_000)) throw new InputError(`${w}: healthCheck.requestInterval=${JSON.stringify(hc.requestInterval)} is not valid; use "10s" or "30s" as Route 53 does (1 s to 1 h accepted)`);
    const threshold = intIn(w, 'healthCheck.failureThreshold', hc.failureThreshold, 3, 1, 10);
    const checkers = intIn(w, 'healthCheck.checkers', hc.checkers, 8, 1, 64);

    this.answer = o.primary;
    const phaseRng = o.random.get(`dns/${o.name}/checkers`);
    const phases = (): number[] => Array.from({ length: checkers }, () => Math.floor(phaseRng.next() * intervalUs));
    this.checks = [new HealthCheck(this, o.primary, phases(), intervalUs, threshold, hc.probe), new HealthCheck(this, o.secondary, phases(), intervalUs, threshold, hc.probe)];

    const ageRng = o.random.get(`dns/${o.name}/resolvers`);
    this.resolverValue = new Array<string>(resolvers).fill(o.primary);
    this.resolverExpiresUs = new Float64Array(resolvers);
    for (let r = 0; r < resolvers; r++) this.resolverExpiresUs[r] = this.sim.now + Math.ceil((1 - ageRng.next()) * this.ttlUs);
    const clientRng = o.random.get(`dns/${o.name}/clients`);
    this.resolverOf = new Int32Array(clients);
    this.ignoring = new Uint8Array(clients);
    for (let c = 0; c < clients; c++) {
      this.resolverOf[c] = Math.floor(clientRng.next() * resolvers);
      this.ignoring[c] = clientRng.next() < share ? 1 : 0;
    }
    this.pinned = new Array<string | undefined>(clients).fill(undefined);
    this.pinnedUntilUs = new Float64Array(clients);
  }

  /** Number of clients. */
  get clients(): number {
    return this.resolverOf.length;
  }

  /** Does client `client` (wrapped into range) ignore the TTL? */
  ignoresTtl(client: number): boolean {
    return this.ignoring[this.clientIndex(client)] === 1;
  }

  /** The health check's view of a record's value now. */
  healthy(value: string): boolean {
    const c = this.checks.find((h) => h.value === value);
    if (c === undefined) throw new InputError(`dnsFailover(${this.name}): no record ${JSON.stringify(value)}; records: ${this.checks.map((h) => h.value).join(', ')}`);
    return c.healthy;
  }

  /**
   * The answer client `client` uses for a request now (its own pinned answer if it ignores the
   * TTL, else its resolver's, fetched from the authoritative servers if expired).
   */
  resolve(client: number): string {
    const now = this.sim.now;
    const c = this.clientIndex(client);
    this.resolutions++;
    let v: string;
    if (this.ignoring[c] === 1) {
      const p = this.pinned[c];
      if (p !== undefined && now < this.pinnedUntilUs[c]!) v = p;
      else {
        v = this.fromResolver(this.resolverOf[c]!, now);
        this.pinned[c] = v;
        this.pinnedUntilUs[c] = now + this.keepUs;
      }
    } else v = this.fromResolver(this.resolverOf[c]!, now);
    if (v !== this.answer) this.staleAnswers++;
    return v;
  }

  private fromResolver(r: number, now: number): string {
    if (now >= this.resolverExpiresUs[r]!) {
      this.resolverValue[r] = this.answer;
      this.resolverExpiresUs[r] = now + this.ttlUs;
    }
    return this.resolverValue[r]!;
  }

  private clientIndex(client: number): number {
    const n = this.resolverOf.length;
    if (!Number.isInteger(client)) throw new InputError(`dnsFailover(${this.name}).resolve: client=${String(client)} is not valid; use an integer client number`);
    return ((client % n) + n) % n;
  }

  /** @internal */
  _healthChanged(h: HealthCheck): void {
    this.trace.emit({ time: this.sim.now, kind: 'dns-health', name: this.name, value: h.value, healthy: h.healthy });
    const [p, s] = this.checks as [HealthCheck, HealthCheck];
    const next = p.healthy || !s.healthy ? p.value : s.value;
    if (next === this.answer) return;
    const previous = this.answer;
    this.answer = next;
    if (this.failoverAtUs < 0 && next !== p.value) this.failoverAtUs = this.sim.now;
    this.trace.emit({ time: this.sim.now, kind: 'dns-answer', name: this.name, value: next, previous });
  }
}

/** A DNS name with Route 53 failover routing, health checks, caching resolvers and clients (see `DnsFailover`). */
export function dnsFailover(options: DnsFailoverOptions): DnsFailover {
  return new DnsFailover(options);
}

/**
 * A health-check probe for records whose values are region names or node names: healthy while
 * the node (or, for a region, any node in `targets[value]` or the region) is up, not paused, and
 * reachable from where the checkers are (a Route 53 checker is elsewhere on the internet; a region
 * cut off by a network outage fails its checks). `targets` maps a record's value to the nodes that
 * serve it (default: the region's nodes, or the node of that name). `from` names the nodes the
 * checkers stand at (default: every node outside the target's region; in a world of two regions,
 * give it, or a network outage of one region would cut the other off from its checkers too).
 */
export function nodeProbe(world: World, targets: Readonly<Record<string, readonly string[]>> = {}, options: { from?: readonly string[] } = {}): DnsProbe {
  for (const n of options.from ?? []) if (!world.hasNode(n)) throw new InputError(`nodeProbe: from names unknown node ${JSON.stringify(n)}; nodes: ${world.nodeNames.join(', ')}`);
  return (value, done) => {
    const names = targets[value] ?? world.regions.get(value) ?? (world.hasNode(value) ? [value] : undefined);
    if (names === undefined) throw new InputError(`nodeProbe: ${JSON.stringify(value)} is neither a region, a node nor a key of targets`);
    done(names.some((n) => reachable(world, n, options.from)));
  };
}

function reachable(world: World, name: string, from: readonly string[] | undefined): boolean {
  const node = world.node(name);
  if (!node.alive || node.paused) return false;
  const region = world.regionOf(name);
  const vantage = from ?? world.nodeNames.filter((o) => o !== name && (region === undefined || world.regionOf(o) !== region));
  // a world of one region: nobody outside to be cut from
  if (vantage.length === 0) return true;
  return vantage.some((o) => o === name || (!world.net.isCut(o, name) && !world.net.isCut(name, o)));
}

function intIn(where: string, field: string, v: number | undefined, dflt: number, min: number, max: number): number {
  const x = v ?? dflt;
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
    throw new InputError(`${where}: ${field}=${String(v)} is not valid; use an integer from ${min} to ${max.toLocaleString('en-US')}`);
  }
  return x;
}
