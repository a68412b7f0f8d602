/**
 * A global load balancer in front of several regions, anycast style, as AWS Global Accelerator
 * (or Cloudflare's and Google Cloud's global load balancers) does it: clients reach one address
 * announced from every edge location, so there is no DNS answer to cache; the edge sends each
 * connection to the nearest endpoint group (region) whose health checks pass, in the order of
 * `regions`. Health checks follow Global Accelerator's parameters: `healthCheckIntervalSeconds`
 * (10 or 30, default 30) and `thresholdCount` (consecutive checks to change state, 1–10, default
 * 3). When no region is healthy it fails open, to the nearest one (Global Accelerator routes to
 * all endpoints then).
 *
 * So a region's failure moves traffic once its checks have failed `thresholdCount` times: within
 * `thresholdCount × interval` of the failure, for every client at once.
 *
 * Randomness: each region's check phase from `global-lb/<name>/<region>`.
 */
import { InputError } from '../kernel/errors.ts';
import type { RandomStreams } from '../kernel/random.ts';
import type { Simulation } from '../kernel/sim.ts';
import { checkKeys, expectObject } from '../kernel/suggest.ts';
import { parseDuration, type Duration } from '../kernel/time.ts';
import type { Tracer } from '../observe/trace.ts';

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    /** A global load balancer's health check changed a region's (endpoint group's) state. */
    'glb-health': { name: string; region: string; healthy: boolean };
  }
}

/** The options of `globalLoadBalancer`. */
export interface GlobalLoadBalancerOptions {
  sim: Simulation;
  random: RandomStreams;
  trace: Tracer;
  /** Names the balancer (random streams, trace records). */
  name: string;
  /** Endpoint groups (regions), nearest to the clients first. */
  regions: readonly string[];
  /** Global Accelerator `HealthCheckIntervalSeconds`: "10s" or "30s" (default "30s"; 1 s to 1 h accepted). */
  healthCheckInterval?: Duration;
  /** Global Accelerator `ThresholdCount`: consecutive checks that change a region's state (1–10, default 3). */
  thresholdCount?: number;
  /** The health check of one region: `done(true)` when it answers. */
  probe: (region: string, done: (healthy: boolean) => void) => void;
}

const KEYS: Record<keyof GlobalLoadBalancerOptions, true> = {
  sim: true,
  random: true,
  trace: true,
  name: true,
  regions: true,
  healthCheckInterval: true,
  thresholdCount: true,
  probe: true,
};

/** An anycast global load balancer over regions (see the file comment). */
export class GlobalLoadBalancer {
  readonly name: string;
  readonly regions: readonly string[];
  /** Requests routed per region. */
  readonly routed = new Map<string, number>();
  private readonly healthy: boolean[];
  private readonly streak: number[];
  private readonly sim: Simulation;
  private readonly trace: Tracer;

  constructor(o: GlobalLoadBalancerOptions) {
    expectObject('globalLoadBalancer', o);
    checkKeys('globalLoadBalancer', o, Object.keys(KEYS));
    const w = `globalLoadBalancer(${String(o.name)})`;
    if (typeof o.name !== 'string' || o.name.length === 0) throw new InputError('globalLoadBalancer: name must be a non-empty string');
    if (!Array.isArray(o.regions) || o.regions.length === 0 || new Set(o.regions).size !== o.regions.length) {
      throw new InputError(`${w}: regions must list the endpoint groups' regions, nearest first, each once`);
    }
    if (typeof o.probe !== 'function') throw new InputError(`${w}: probe must be a function (region, done(healthy))`);
    const intervalUs = parseDuration(o.healthCheckInterval ?? '30s', `${w}: healthCheckInterval`);
    if (!(intervalUs >= 1_000_000 && intervalUs <= 3_600_000_000)) {
      throw new InputError(`${w}: healthCheckInterval=${JSON.stringify(o.healthCheckInterval)} is not valid; use "10s" or "30s" as Global Accelerator does (1 s to 1 h accepted)`);
    }
    const threshold = o.thresholdCount ?? 3;
    if (!(Number.isInteger(threshold) && threshold >= 1 && threshold <= 10)) throw new InputError(`${w}: thresholdCount=${String(o.thresholdCount)} is not valid; use an integer from 1 to 10`);
    this.name = o.name;
    this.regions = [...o.regions];
    this.sim = o.sim;
    this.trace = o.trace;
    this.healthy = this.regions.map(() => true);
    this.streak = this.regions.map(() => 0);
    this.regions.forEach((region, i) => {
      const phase = Math.floor(o.random.get(`global-lb/${o.name}/${region}`).next() * intervalUs);
      const tick = (): void => {
        o.probe(region, (ok) => {
          if (ok === this.healthy[i]) this.streak[i] = 0;
          else if (++this.streak[i]! >= threshold) {
            this.healthy[i] = ok;
            this.streak[i] = 0;
            this.trace.emit({ time: this.sim.now, kind: 'glb-health', name: this.name, region, healthy: ok });
          }
        });
        this.sim.schedule(intervalUs, tick, null);
      };
      this.sim.schedule(phase, tick, null);
    });
  }

  /** Is `region` healthy in the balancer's view now? */
  isHealthy(region: string): boolean {
    const i = this.regions.indexOf(region);
    if (i < 0) throw new InputError(`globalLoadBalancer(${this.name}): unknown region ${JSON.stringify(region)}; regions: ${this.regions.join(', ')}`);
    return this.healthy[i]!;
  }

  /**
   * The region a connection goes to now: the nearest healthy one, else (fail open) the nearest.
   * `nearest` orders the regions for this client's edge location (default: `regions`' order).
   */
  route(nearest: readonly string[] = this.regions): string {
    let region: string | undefined;
    for (const r of nearest) {
      if (this.isHealthy(r)) {
        region = r;
        break;
      }
    }
    region ??= nearest[0] ?? this.regions[0]!;
    this.routed.set(region, (this.routed.get(region) ?? 0) + 1);
    return region;
  }
}

/** An anycast global load balancer with health-checked regions (AWS Global Accelerator semantics; see `GlobalLoadBalancer`). */
export function globalLoadBalancer(options: GlobalLoadBalancerOptions): GlobalLoadBalancer {
  return new GlobalLoadBalancer(options);
}
