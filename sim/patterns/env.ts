/**
 * What every policy builder shares: the simulation (its clock and timers), an optional tracer and
 * metrics registry, the node the policy runs on, its instance name and, for policies that draw
 * random numbers, a named random stream.
 *
 * Metrics are always counted (a policy keeps its own `Counter`s even without a registry), and
 * published under `<kind>.<label>.<metric>` when a registry is given, where `label` is
 * `<node>/<name>` or `<name>`: for example `circuit-breaker.client-1/db.not-permitted`.
 */
import { InputError } from '../kernel/errors.ts';
import { Random, RandomStreams } from '../kernel/random.ts';
import type { Simulation } from '../kernel/sim.ts';
import { Counter, Gauge, Histogram, type Metrics } from '../observe/metrics.ts';
import type { Tracer } from '../observe/trace.ts';
import { nameOption, requireSim, type Opts } from './options.ts';

/**
 * The options every pattern builder takes besides its own: the simulation (required), the
 * instance name, the node it runs on, and optionally a tracer, a metrics registry and a random
 * stream. On the build context (and in a client's spec) these are filled in for you.
 */
export interface PolicyEnvOptions {
  /** The simulation whose clock and timers the policy uses. Required. */
  sim: Simulation;
  /** Instance name (metric label, trace field). Defaults to the pattern's kind. */
  name?: string;
  /** The simulated node the policy runs on (trace field, metric label). */
  node?: string;
  /** Where the policy writes its trace records (state changes, refusals). */
  trace?: Tracer;
  /** Where its metrics are published as `<kind>.<node>/<name>.<metric>`; without it they are kept privately. */
  metrics?: Metrics;
  /** A named random stream, or the run's streams (then the stream `patterns/<kind>/<label>` is used). */
  random?: Random | RandomStreams;
}

/** Option names every builder accepts besides its own. */
export const ENV_OPTION_NAMES = ['sim', 'name', 'node', 'trace', 'metrics', 'random'] as const;

/**
 * What a pattern instance is built with (from `PolicyEnvOptions`): its simulation, name, node,
 * metric label (`<node>/<name>` or `<name>`), tracer, metrics and random stream (`random()`,
 * `patterns/<kind>/<label>` of the run's streams).
 */
export class PolicyEnv {
  readonly sim: Simulation;
  readonly name: string;
  readonly node: string;
  readonly label: string;
  readonly trace: Tracer | undefined;
  readonly metrics: Metrics | undefined;
  private readonly randomOpt: Random | RandomStreams | undefined;
  private rng: Random | undefined;

  constructor(
    readonly where: string,
    readonly kind: string,
    opts: Opts,
  ) {
    this.sim = requireSim(where, opts);
    this.name = nameOption(where, opts, kind);
    const node = opts.node;
    if (node !== undefined && (typeof node !== 'string' || node.length === 0)) {
      throw new InputError(`${where}: node = ${String(node)} is not valid; use the node's name`);
    }
    this.node = (node as string | undefined) ?? '';
    this.label = this.node ? `${this.node}/${this.name}` : this.name;
    this.trace = opts.trace as Tracer | undefined;
    this.metrics = opts.metrics as Metrics | undefined;
    const r = opts.random;
    if (r !== undefined && !(r instanceof Random) && !(r instanceof RandomStreams)) {
      throw new InputError(`${where}: random must be a Random stream or the run's RandomStreams`);
    }
    this.randomOpt = r as Random | RandomStreams | undefined;
  }

  /** The policy's random stream; throws a clear error when the policy needs one and none was given. */
  random(): Random {
    if (this.rng !== undefined) return this.rng;
    const r = this.randomOpt;
    if (r === undefined) {
      throw new InputError(
        `${this.where}: option random is required (a named stream such as streams.get("${this.kind}/${this.label}"), or the run's RandomStreams)`,
      );
    }
    this.rng = r instanceof Random ? r : r.get(`patterns/${this.kind}/${this.label}`);
    return this.rng;
  }

  hasRandom(): boolean {
    return this.randomOpt !== undefined;
  }

  counter(metric: string): Counter {
    return this.metrics ? this.metrics.counter(`${this.kind}.${this.label}.${metric}`) : new Counter();
  }
  gauge(metric: string): Gauge {
    return this.metrics ? this.metrics.gauge(`${this.kind}.${this.label}.${metric}`, this.sim.now) : new Gauge(this.sim.now);
  }
  histogram(metric: string): Histogram {
    return this.metrics ? this.metrics.histogram(`${this.kind}.${this.label}.${metric}`) : new Histogram();
  }
}
