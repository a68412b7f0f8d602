/**
 * A server: cores that serve work with a service-time distribution, a bounded waiting line (FIFO
 * or LIFO), a concurrency limit, memory use with leaks and an OOM kill, and a lifecycle:
 *
 *   up ⇄ limping (service times × factor: a gray failure)
 *   up → paused → up (stop-the-world: a GC pause or SIGSTOP; nothing runs, messages wait)
 *   up → crashed → restarting → up (volatile state lost; restart takes `restartDelay`)
 *
 * Every change of state is a `node-state` trace record with its reason.
 *
 * A crash ends the node's process: queued and running work, pending disk I/O, local timers and
 * generator processes started with `spawn` all vanish without calling back (their code died),
 * memory contents are lost, and `incarnation` goes up so stale callbacks can tell. Models reset
 * their volatile state in `onCrash` and recover (from disk) in `onRestart`.
 *
 * Automatic restarts (after an OOM kill, a bad config, an uncorrectable memory error) follow
 * Kubernetes' CrashLoopBackOff: restartDelay doubled per consecutive crash, capped at 5 minutes,
 * reset after 10 minutes up (kubelet defaults, Kubernetes 1.30).
 */
import { durationSampler, type DistributionSpec, type Sampler } from '../kernel/distribution.ts';
import { InputError } from '../kernel/errors.ts';
import type { RandomStreams } from '../kernel/random.ts';
import type { Callback, Process, ProcessBody, SimEvent, Simulation } from '../kernel/sim.ts';
import { parseDuration, type Duration } from '../kernel/time.ts';
import type { Tracer } from '../observe/trace.ts';
import { Clock, type ClockOptions } from './clock.ts';
import type { Disk } from './disk.ts';
import { MemoryStore, type MemoryOptions } from './memory.ts';
import { gcPauseUs, parseGcSpec, type GcParams, type GcSpec } from './gc.ts';

/**
 * A node's lifecycle state: `up`, `limping` (serving with service times × a factor: a gray
 * failure), `paused` (stop-the-world: nothing runs, messages wait), `crashed`, `restarting`
 * (serving again after `restartDelay`).
 */
export type NodeState = 'up' | 'limping' | 'paused' | 'crashed' | 'restarting';
/** Every `NodeState`, in lifecycle order. */
export const NODE_STATES: readonly NodeState[] = ['up', 'limping', 'paused', 'crashed', 'restarting'];

/** Why `execute` refused work. A crash never reports: the caller's process is gone too. */
export type NodeError = 'node-down' | 'queue-full' | 'concurrency-limit' | 'bad-config';
/** The callback of `Node.execute`: `error` is null when the work was served, else why it was refused. */
export type ExecuteCallback<A> = (arg: A, error: NodeError | null) => void;

/** What a config does when a node loads it (a config push, see `config-push`). */
export type ConfigEffect = 'none' | 'crash' | 'limp' | 'reject';
/** Every `ConfigEffect`. */
export const CONFIG_EFFECTS: readonly ConfigEffect[] = ['none', 'crash', 'limp', 'reject'];

/**
 * A config a node loads (`Node.pushConfig`, the `config-push` fault): a bad one crashes the
 * process on load (and after every restart, into CrashLoopBackOff), slows service times by
 * `factor` (`limp`) or makes every request fail with `bad-config` (`reject`).
 */
export interface NodeConfig {
  /** Names the config in traces (`config-load`). */
  version: string;
  /** What loading it does. */
  effect: ConfigEffect;
  /** Service-time factor for `limp`. */
  factor: number;
}

/**
 * One server: its name and placement, its cores and service time, its waiting line, its memory
 * (limit, leak) and its restart behaviour, each with the default stated on the field. Unknown
 * keys are rejected with a did-you-mean.
 */
export interface NodeSpec {
  /** Unique in the world: how faults, links and services name it. */
  name: string;
  /** Its availability zone (also settable with `WorldSpec.zones`). Default: none. */
  zone?: string;
  /** Its rack (also settable with `WorldSpec.racks`). Default: none. */
  rack?: string;
  /** What the node runs on, for the cost model: a type in the price table (`m5.large`, `alb`). Default: the table's cheapest default type with at least `cores` cores. */
  instanceType?: string;
  /** Whether the node is paid for from the start. False for a slot an autoscaler may launch later: it costs nothing until `world.setBilled(name, true)`. Default true. */
  billed?: boolean;
  /** Work served in parallel. Default 1. */
  cores?: number;
  /** Service time of one unit of work on one core. Default "1ms". */
  serviceTime?: DistributionSpec;
  /** Waiting-line order: FIFO (fair) or LIFO (adaptive LIFO: fresh work first under overload). Default fifo. */
  queue?: 'fifo' | 'lifo';
  /** Work waiting for a core beyond which `execute` refuses with queue-full. Default 10,000. */
  queueMax?: number;
  /** Work admitted at once (in service + waiting), as a concurrency limiter would cap it. Default no limit. */
  concurrencyMax?: number;
  /** Memory limit in MiB (a container's memory limit; exceeding it is an OOM kill). Default 4096. */
  memoryLimitMb?: number;
  /** Memory in use after start, MiB. Default 256. */
  memoryBaseMb?: number;
  /** Leak rate in MiB per hour (a slow leak ends in an OOM kill). Default 0. */
  leakMbPerHour?: number;
  /** Time from restart to serving. Default "5s". */
  restartDelay?: Duration;
  /** Whether a supervisor restarts the process after an OOM kill or a crash on bad config (Kubernetes `restartPolicy`). Default always. */
  restartPolicy?: 'always' | 'never';
  /** Its local clock's initial offset and drift. Default: exact. */
  clock?: ClockOptions;
  /** Its memory's ECC and background bit-flip rate (see `MemoryOptions`). */
  memory?: MemoryOptions;
  /** What an uncorrectable memory error does: crash the process (Linux SIGBUS/MCE) or only fail the read. Default crash. */
  onUncorrectableMemory?: 'crash' | 'error';
  /**
   * Garbage-collection pressure (see `sim/world/gc.ts`): work allocates, a full heap collects in
   * stop-the-world pauses that lengthen with the live heap. Default: none (no collector modelled).
   */
  gc?: GcSpec;
  /** The cost of starting again after a crash or restart (see `ColdStartSpec`). Default: none (a restarted node serves at full speed at once). */
  coldStart?: ColdStartSpec;
}

/**
 * What a restarted process costs before it serves at full speed: every core busy for
 * `startupCpu` (class loading, JIT compilation, cache priming; requests queue behind it and a
 * health check that does work fails meanwhile), then service times × `slowdown` falling linearly
 * to × 1 over `warmup` (a cold JIT, empty caches and connection pools).
 */
export interface ColdStartSpec {
  /** CPU time each core spends starting the process. Default "0s". */
  startupCpu?: Duration;
  /** Service-time factor right after start-up (≥ 1). Default 1. */
  slowdown?: number;
  /** How long the slowdown takes to wear off, linearly. Default "0s". */
  warmup?: Duration;
}

export const COLD_START_KEYS: Record<keyof ColdStartSpec, true> = { startupCpu: true, slowdown: true, warmup: true };
/** The cold slowdown falls in this many equal steps over `warmup` (a step re-times running work). */
const WARMUP_STEPS = 10;

/**
 * Work holding a core (at most `cores` of these exist per node). Its progress is kept as work
 * left at normal speed (`workUs`, as of `markUs`) and the slowdown it has run at since (`rate`), so
 * a limp that starts or ends, or a pause, changes the speed of work already running, not only of
 * work that starts later.
 */
interface Job {
  node: Node;
  done: ExecuteCallback<any>;
  arg: unknown;
  /** Work left at slowdown 1, µs, as of `markUs`. */
  workUs: number;
  markUs: number;
  /** The slowdown the job has run at since `markUs`. */
  rate: number;
  timer: number;
  slot: number;
  incarnation: number;
}

/**
 * The waiting line: a ring of (callback, argument, service time) in three parallel arrays, not an
 * object per item. A storm can queue thousands of requests for seconds; each would be copied by
 * the garbage collector's young generation twice before it dies, so what waits is kept lean.
 */
class WaitingLine {
  private fns: (ExecuteCallback<any> | undefined)[] = new Array(16).fill(undefined);
  private args: unknown[] = new Array(16).fill(undefined);
  private us = new Float64Array(16);
  private mask = 15;
  private head = 0;
  private tail = 0;

  get length(): number {
    return this.tail - this.head;
  }

  push(fn: ExecuteCallback<any>, arg: unknown, serviceUs: number): void {
    if (this.tail - this.head > this.mask) this.grow();
    const i = this.tail++ & this.mask;
    this.fns[i] = fn;
    this.args[i] = arg;
    this.us[i] = serviceUs;
  }

  /** Index (into the ring) of the item to start next: the oldest (FIFO) or the newest (LIFO). */
  take(lifo: boolean): number {
    return (lifo ? --this.tail : this.head++) & this.mask;
  }

  fnAt(i: number): ExecuteCallback<any> {
    const f = this.fns[i]!;
    this.fns[i] = undefined;
    return f;
  }

  argAt(i: number): unknown {
    const a = this.args[i];
    this.args[i] = undefined;
    return a;
  }

  usAt(i: number): number {
    return this.us[i]!;
  }

  clear(): void {
    this.fns.fill(undefined);
    this.args.fill(undefined);
    this.head = 0;
    this.tail = 0;
  }

  private grow(): void {
    const n = this.mask + 1;
    const fns: (ExecuteCallback<any> | undefined)[] = new Array(2 * n).fill(undefined);
    const args: unknown[] = new Array(2 * n).fill(undefined);
    const us = new Float64Array(2 * n);
    for (let k = 0; k < n; k++) {
      const i = (this.head + k) & this.mask;
      fns[k] = this.fns[i];
      args[k] = this.args[i];
      us[k] = this.us[i]!;
    }
    this.fns = fns;
    this.args = args;
    this.us = us;
    this.mask = 2 * n - 1;
    this.head = 0;
    this.tail = n;
  }
}

/** Refusals waiting for their event: a ring of (callback, argument, error) in parallel arrays. */
class RefusalLine {
  fns: (ExecuteCallback<any> | undefined)[] = new Array(16).fill(undefined);
  args: unknown[] = new Array(16).fill(undefined);
  errors: (NodeError | undefined)[] = new Array(16).fill(undefined);
  /** Ring index of the oldest. */
  head = 0;
  private n = 0;
  private mask = 15;

  push(fn: ExecuteCallback<any>, arg: unknown, error: NodeError): void {
    if (this.n > this.mask) this.grow();
    const i = (this.head + this.n++) & this.mask;
    this.fns[i] = fn;
    this.args[i] = arg;
    this.errors[i] = error;
  }

  /** Forget the oldest. */
  shift(): void {
    const i = this.head;
    this.fns[i] = undefined;
    this.args[i] = undefined;
    this.head = (i + 1) & this.mask;
    this.n--;
  }

  clear(): void {
    this.fns.fill(undefined);
    this.args.fill(undefined);
    this.head = 0;
    this.n = 0;
  }

  private grow(): void {
    const size = this.mask + 1;
    const fns: (ExecuteCallback<any> | undefined)[] = new Array(2 * size).fill(undefined);
    const args: unknown[] = new Array(2 * size).fill(undefined);
    const errors: (NodeError | undefined)[] = new Array(2 * size).fill(undefined);
    for (let k = 0; k < size; k++) {
      const i = (this.head + k) & this.mask;
      fns[k] = this.fns[i];
      args[k] = this.args[i];
      errors[k] = this.errors[i];
    }
    this.fns = fns;
    this.args = args;
    this.errors = errors;
    this.mask = 2 * size - 1;
    this.head = 0;
  }
}

const BACKOFF_MAX_US = 300_000_000;
const BACKOFF_RESET_US = 600_000_000;

/**
 * A server of the world: cores serving work from a bounded FIFO or LIFO line, memory with leaks
 * and OOM kills, a local clock, disks, and a lifecycle (up, limping, paused, crashed,
 * restarting). A crash ends its process: queued work, timers and spawned processes vanish
 * without calling back, and `incarnation` goes up. Automatic restarts follow Kubernetes'
 * CrashLoopBackOff (restartDelay doubled per consecutive crash, capped at 5 minutes).
 */
export class Node {
  readonly name: string;
  readonly zone: string;
  readonly rack: string;
  readonly cores: number;
  readonly discipline: 'fifo' | 'lifo';
  readonly queueMax: number;
  readonly concurrencyMax: number;
  readonly memoryLimitMb: number;
  readonly memoryBaseMb: number;
  readonly restartDelayUs: number;
  readonly restartPolicy: 'always' | 'never';
  readonly clock: Clock;
  /** Values the node's process holds in RAM (lost on crash; subject to bit flips). */
  readonly memory: MemoryStore;
  /** Disks attached to this node (set up by the world). */
  readonly disks: Disk[] = [];
  /** Bumped at every crash, so callbacks from an earlier life can tell they are stale. */
  incarnation = 0;
  completed = 0;
  rejected = 0;
  crashes = 0;
  /** OOM kills (memory use reached `memoryLimitMb`, or an `oom` fault). */
  oomKills = 0;
  /** Stop-the-world garbage collections (with `gc`). */
  gcCollections = 0;
  /** Simulated time spent in stop-the-world collections, µs. */
  gcPauseUs = 0;

  private readonly sampler: Sampler;
  private readonly serviceRandom: import('../kernel/random.ts').Random;
  private _state: NodeState = 'up';
  private down = false;
  private restarting = false;
  private pauses = 0;
  private limpFactors: number[] = [];
  private limpFactor = 1;
  private running: Job[] = [];
  private readonly freeJobs: Job[] = [];
  private readonly waiting = new WaitingLine();
  /** Refusals scheduled and not yet told, in order (each has one zero-delay event, `refuseNext`). */
  private readonly refusals = new RefusalLine();
  private deferred: { fn: Callback; arg: unknown }[] = [];
  private restartTimer = -1;
  private processes = new Set<Process<any>>();
  private crashHooks: ((reason: string) => void)[] = [];
  private restartHooks: (() => void)[] = [];
  private stateHooks: ((from: NodeState, to: NodeState, reason: string) => void)[] = [];
  private allocatedMb = 0;
  private leakMbPerHour: number;
  private leakExtraMbPerHour = 0;
  private leakSinceUs = 0;
  private leakBaseMb = 0;
  private oomTimer = -1;
  /** Memory held by requests queued or in service (services with `memoryPerRequestMb`), MiB. */
  private requestMb = 0;
  /** Named caches, MiB (lost on a crash). */
  private caches: Map<string, number> | null = null;
  private cachesMb = 0;
  private readonly gc: GcParams | null;
  /** MiB allocated since the last collection. */
  private garbageMb = 0;
  private gcTimer = -1;
  private gcPausing = false;
  private readonly coldStartupUs: number;
  private readonly coldSlowdown: number;
  private readonly coldWarmupUs: number;
  private coldFactor = 1;
  private coldTimer = -1;
  private startupJobs = 0;
  /** CPU accounting (on with `trackCpu`, `gc` or `coldStart`): core-µs busy up to `busyMarkUs`. */
  private tracksCpu = false;
  private busyAreaUs = 0;
  private busyMarkUs = 0;
  private consecutiveCrashes = 0;
  private upSinceUs = 0;
  private goodConfig: NodeConfig = { version: 'initial', effect: 'none', factor: 1 };
  private _config: NodeConfig = this.goodConfig;

  constructor(
    readonly sim: Simulation,
    spec: NodeSpec,
    random: RandomStreams,
    private readonly trace: Tracer,
  ) {
    const where = `node ${spec.name}`;
    if (typeof spec.name !== 'string' || spec.name.length === 0 || /[*/\s]/.test(spec.name)) {
      throw new InputError(`node name ${JSON.stringify(spec.name)} is not valid; use a non-empty name without spaces, "/" or "*"`);
    }
    this.name = spec.name;
    this.zone = spec.zone ?? 'default';
    this.rack = spec.rack ?? `${this.zone}/${spec.name}`;
    this.cores = intAtLeast(where, 'cores', spec.cores ?? 1, 1);
    this.discipline = spec.queue ?? 'fifo';
    if (this.discipline !== 'fifo' && this.discipline !== 'lifo') {
      throw new InputError(`${where}: queue=${JSON.stringify(spec.queue)} is not valid; use fifo or lifo`);
    }
    this.queueMax = spec.queueMax === undefined ? 10_000 : intAtLeast(where, 'queueMax', spec.queueMax, 0);
    this.concurrencyMax = spec.concurrencyMax === undefined ? Infinity : intAtLeast(where, 'concurrencyMax', spec.concurrencyMax, 1);
    this.memoryLimitMb = positive(where, 'memoryLimitMb', spec.memoryLimitMb ?? 4096);
    this.memoryBaseMb = nonNegative(where, 'memoryBaseMb', spec.memoryBaseMb ?? 256);
    this.leakMbPerHour = nonNegative(where, 'leakMbPerHour', spec.leakMbPerHour ?? 0);
    this.restartDelayUs = parseDuration(spec.restartDelay ?? '5s', `${where}: restartDelay`);
    this.restartPolicy = spec.restartPolicy ?? 'always';
    if (this.restartPolicy !== 'always' && this.restartPolicy !== 'never') {
      throw new InputError(`${where}: restartPolicy=${JSON.stringify(spec.restartPolicy)} is not valid; use always or never`);
    }
    this.sampler = durationSampler(spec.serviceTime ?? '1ms', `${where}: serviceTime`);
    this.gc = spec.gc === undefined ? null : parseGcSpec(where, spec.gc);
    const cold = spec.coldStart ?? {};
    this.coldStartupUs = parseDuration(cold.startupCpu ?? '0s', `${where}: coldStart.startupCpu`);
    this.coldSlowdown = cold.slowdown ?? 1;
    if (!(this.coldSlowdown >= 1 && this.coldSlowdown <= 1000)) throw new InputError(`${where}: coldStart.slowdown=${cold.slowdown} is not valid; use a number in [1, 1000]`);
    this.coldWarmupUs = parseDuration(cold.warmup ?? '0s', `${where}: coldStart.warmup`);
    this.tracksCpu = this.gc !== null || spec.coldStart !== undefined;
    this.serviceRandom = random.get(`node/${spec.name}/service`);
    this.clock = new Clock(sim, spec.name, spec.clock);
    // a finished run's queue must not keep its requests reachable into the next run (see Simulation.dispose)
    sim.onDispose(() => {
      this.waiting.clear();
      this.refusals.clear();
    });
    this.clock.onChange = (change) =>
      trace.emit({
        time: sim.now,
        kind: 'clock-change',
        node: this.name,
        change,
        offsetUs: this.clock.offsetUs,
        driftPpm: this.clock.driftPpm,
      });
    this.memory = new MemoryStore(sim, spec.name, random.get(`memory/${spec.name}`), trace, {
      dramMb: spec.memory?.dramMb ?? this.memoryLimitMb,
      ...spec.memory,
    });
    const onUncorrectable = spec.onUncorrectableMemory ?? 'crash';
    if (onUncorrectable === 'crash') {
      this.memory.onUncorrectable = () => {
        // a machine check kills the process after the failed read returns
        this.sim.schedule(0, crashAuto, [this, 'memory-uncorrectable'] as const);
      };
    }
    // A node made at the start keeps the initializer's 0: once the kernel's clock holds a boxed
    // number, storing it here would change this class's field layout between a process's first
    // and second run (and throw away the code compiled for it).
    if (sim.now !== 0) this.leakSinceUs = sim.now;
    this.armOom();
  }

  get state(): NodeState {
    return this._state;
  }

  /** Up or limping or paused: the process exists. */
  get alive(): boolean {
    return !this.down;
  }

  /** Serving now (up or limping). */
  get serving(): boolean {
    return !this.down && this.pauses === 0;
  }

  get paused(): boolean {
    return !this.down && this.pauses > 0;
  }

  /** Current service-time multiplier (limp faults, bad configs and a cold start). */
  get slowdown(): number {
    return this.limpFactor * (this._config.effect === 'limp' ? this._config.factor : 1) * this.coldFactor;
  }

  /** The part of the slowdown that makes the node `limping` (not a cold start's). */
  private get limpSlowdown(): number {
    return this.limpFactor * (this._config.effect === 'limp' ? this._config.factor : 1);
  }

  get config(): Readonly<NodeConfig> {
    return this._config;
  }

  /** Work in service plus waiting. */
  get inflight(): number {
    return this.running.length + this.waiting.length;
  }

  get queueLength(): number {
    return this.waiting.length;
  }

  /**
   * Memory in use now, MiB: base + memory held by requests queued and in service + caches +
   * allocations + leak since the process started (0 while the process is down).
   */
  memoryUsedMb(): number {
    const hours = (this.sim.now - this.leakSinceUs) / 3_600_000_000;
    return this.memoryBaseMb + this.requestMb + this.cachesMb + this.allocatedMb + this.leakBaseMb + (this.leakMbPerHour + this.leakExtraMbPerHour) * hours;
  }

  /** Requests holding memory now (`holdMemory` without its `releaseMemory` yet). */
  requestsHeld = 0;

  /** True when the node models garbage collection or a cold start (its CPU use is tracked). */
  get coupled(): boolean {
    return this.gc !== null || this.coldStartupUs > 0 || this.coldSlowdown > 1;
  }

  /** Memory held by requests queued and in service, MiB. */
  get requestMemoryMb(): number {
    return this.requestMb;
  }

  /**
   * Hold `mb` for a request from its arrival to its reply (services call this for endpoints with
   * `memoryPerRequestMb`). Reaching the memory limit OOM-kills the process at once (through the
   * event queue, so the caller's work in this event finishes first).
   */
  holdMemory(mb: number): void {
    if (this.down) return;
    this.requestMb += mb;
    this.requestsHeld++;
    this.afterMemoryGrew();
  }

  /** Give back memory a request held (its reply was sent). */
  releaseMemory(mb: number): void {
    if (this.down) return;
    this.requestMb -= mb;
    this.requestsHeld--;
    // sums of fractions drift: an empty node holds exactly nothing
    if (this.requestMb < 1e-9) this.requestMb = 0;
    if (this.leakMbPerHour + this.leakExtraMbPerHour > 0) this.armOom();
  }

  /** Set the size of a named cache, MiB (caches are lost on a crash: a restarted process starts cold). */
  setCacheMb(name: string, mb: number): void {
    if (!(mb >= 0 && mb < Infinity)) throw new InputError(`node ${this.name}: cache ${name} of ${mb} MiB is not valid; use MiB ≥ 0`);
    if (this.down) return;
    const caches = (this.caches ??= new Map());
    this.cachesMb += mb - (caches.get(name) ?? 0);
    caches.set(name, mb);
    if (this.cachesMb < 1e-9) this.cachesMb = 0;
    this.afterMemoryGrew();
  }

  /** The size of a named cache, MiB (0 when it holds nothing). */
  cacheMb(name: string): number {
    return this.caches?.get(name) ?? 0;
  }

  private afterMemoryGrew(): void {
    if (this.memoryUsedMb() >= this.memoryLimitMb) {
      if (this.oomTimer === -1 || this.leakMbPerHour + this.leakExtraMbPerHour > 0) {
        if (this.oomTimer !== -1) this.sim.cancel(this.oomTimer);
        this.oomTimer = this.sim.schedule(0, oomNow, this);
      }
    } else if (this.leakMbPerHour + this.leakExtraMbPerHour > 0) this.armOom();
  }

  /** Count the node's CPU use from now on (`cpuBusyUs`); nodes with `gc` or `coldStart` always do. */
  trackCpu(): void {
    if (this.tracksCpu) return;
    this.tracksCpu = true;
    this.busyMarkUs = this.sim.now;
  }

  /**
   * Core-µs of CPU used since tracking began (`trackCpu`): work holding a core, plus every core
   * during a stop-the-world collection. Utilisation over a window is its growth / (cores × width).
   */
  cpuBusyUs(): number {
    return this.busyAreaUs + this.busyCores() * (this.sim.now - this.busyMarkUs);
  }

  private busyCores(): number {
    if (this.down) return 0;
    if (this.gcPausing) return this.cores;
    return this.pauses > 0 ? 0 : this.running.length;
  }

  private markBusy(): void {
    const now = this.sim.now;
    this.busyAreaUs += this.busyCores() * (now - this.busyMarkUs);
    this.busyMarkUs = now;
  }

  /** True during a stop-the-world collection. */
  get collecting(): boolean {
    return this.gcPausing;
  }

  onCrash(fn: (reason: string) => void): void {
    this.crashHooks.push(fn);
  }

  onRestart(fn: () => void): void {
    this.restartHooks.push(fn);
  }

  onStateChange(fn: (from: NodeState, to: NodeState, reason: string) => void): void {
    this.stateHooks.push(fn);
  }

  /**
   * Serve one unit of work: wait for a core (in the node's queue order), hold it for a service
   * time (drawn from `serviceTime`, or `serviceUs` if given) times the slowdown, then call
   * `done(arg, null)`. Refusals call `done(arg, error)` at once (through the event queue).
   */
  execute<A>(done: ExecuteCallback<A>, arg: A, serviceUs?: number): void {
    let error: NodeError | null = null;
    if (this.down) error = 'node-down';
    else if (this._config.effect === 'reject') error = 'bad-config';
    else if (this.inflight >= this.concurrencyMax) error = 'concurrency-limit';
    else if (this.running.length >= this.cores || this.pauses > 0) {
      if (this.queueLength >= this.queueMax) error = 'queue-full';
    }
    if (error !== null) {
      this.rejected++;
      // the refusal is told through the event queue; what to tell waits in the node's own line
      // (the event's argument is the node, so a refusal allocates nothing)
      this.refusals.push(done, arg, error);
      this.sim.schedule(0, refuseNext, this);
      return;
    }
    const us = serviceUs ?? this.sampler(this.serviceRandom);
    if (this.running.length < this.cores && this.pauses === 0) this.start(done, arg, us);
    else this.waiting.push(done, arg, us);
  }

  /** Generator style: `const err = yield node.work()`. */
  work(serviceUs?: number): SimEvent<NodeError | null> {
    const ev = this.sim.event<NodeError | null>();
    this.execute(succeedWith, ev, serviceUs);
    return ev;
  }

  /** Start a generator process that belongs to this node: a crash interrupts it. */
  spawn<R>(body: ProcessBody<R>, name = `${this.name}/process`): Process<R> {
    if (this.down) throw new InputError(`node ${this.name} is ${this._state}; spawn processes on a live node (use onRestart)`);
    const p = this.sim.process(body, name);
    this.processes.add(p);
    p.done.then(forgetProcess, [this.processes, p] as const);
    return p;
  }

  /** Set a timer on the node's local clock that dies with the process. */
  setTimer<A>(delayUs: number, fn: Callback<A>, arg: A): number {
    // a stopped-the-world process cannot run its timer callbacks: they run at resume
    return this.clock.schedule(delayUs, fireWhenServing, [this, fn, arg] as const);
  }

  /** Allocate memory (MiB); exceeding the limit is an OOM kill. */
  allocate(mb: number): void {
    if (!(mb >= 0 && mb < Infinity)) throw new InputError(`node ${this.name}: allocate(${mb}) is not valid; use MiB ≥ 0`);
    if (this.down) return;
    this.allocatedMb += mb;
    if (this.memoryUsedMb() >= this.memoryLimitMb) this.oomKill();
    else this.armOom();
  }

  free(mb: number): void {
    this.allocatedMb = Math.max(0, this.allocatedMb - mb);
    this.armOom();
  }

  /** @internal Run `fn(arg)` when the node can act (now if serving; at resume if paused). */
  _whenServing(fn: Callback, arg: unknown): boolean {
    if (this.down) return false;
    if (this.pauses > 0) this.deferred.push({ fn, arg });
    else fn(arg);
    return true;
  }

  // ---- lifecycle (the world's fault injector drives these) ----

  /**
   * Crash now. `scope: "machine"` (power loss, kernel panic, instance stop) also loses the
   * disks' unsynced writes; `"process"` (kill -9, OOM kill) keeps the OS page cache.
   */
  crash(reason: string, scope: 'machine' | 'process' = 'machine'): void {
    if (this.down) {
      if (this.restarting) {
        this.cancelRestart();
        this.restarting = false;
        this.updateState(reason);
      }
      return;
    }
    if (this.tracksCpu) this.markBusy();
    this.crashes++;
    if (reason === 'oom') this.oomKills++;
    if (this.sim.now - this.upSinceUs >= BACKOFF_RESET_US) this.consecutiveCrashes = 0;
    this.consecutiveCrashes++;
    this.down = true;
    this.incarnation++;
    this.pauses = 0;
    for (const j of this.running) if (j.timer !== -1) this.sim.cancel(j.timer);
    this.running = [];
    this.waiting.clear();
    this.memory.clear();
    this.clock.cancelAll();
    this.allocatedMb = 0;
    this.requestMb = 0;
    this.requestsHeld = 0;
    this.caches = null;
    this.cachesMb = 0;
    this.garbageMb = 0;
    this.gcPausing = false;
    if (this.gcTimer !== -1) this.sim.cancel(this.gcTimer);
    this.gcTimer = -1;
    this.startupJobs = 0;
    if (this.coldTimer !== -1) this.sim.cancel(this.coldTimer);
    this.coldTimer = -1;
    this.coldFactor = 1;
    if (this.oomTimer !== -1) this.sim.cancel(this.oomTimer);
    this.oomTimer = -1;
    for (const p of [...this.processes]) p.interrupt(`node ${this.name} crashed: ${reason}`);
    this.processes.clear();
    for (const d of this.disks) {
      if (scope === 'machine') d.crash();
      else d.dropInflight();
    }
    // messages that waited for a paused node now meet a dead one (and are dropped with a reason)
    this.flushDeferred();
    this.updateState(reason);
    for (const h of this.crashHooks) h(reason);
  }

  /** Begin restarting now (from crashed); up after `delayUs` (default restartDelay). */
  restart(reason = 'restart', delayUs = this.restartDelayUs): void {
    if (!this.down) this.crash(reason, 'process');
    this.cancelRestart();
    this.restarting = true;
    this.updateState(reason);
    this.restartTimer = this.sim.schedule(delayUs, finishRestart, this);
  }

  /** @internal */
  _finishRestart(): void {
    this.restartTimer = -1;
    this.restarting = false;
    this.down = false;
    this.upSinceUs = this.sim.now;
    this.leakSinceUs = this.sim.now;
    this.leakBaseMb = 0;
    this.updateState('restarted');
    if (this.tracksCpu) this.busyMarkUs = this.sim.now;
    this.beginColdStart();
    for (const h of this.restartHooks) h();
    if (this.down) return;
    this.armOom();
    // loading the config is the first thing a process does
    this.loadConfig();
  }

  pause(reason = 'pause'): void {
    if (this.down) return;
    if (this.tracksCpu) this.markBusy();
    this.pauses++;
    if (this.pauses === 1) {
      for (const j of this.running) {
        if (j.timer !== -1) this.sim.cancel(j.timer);
        j.timer = -1;
        this.progress(j);
      }
    }
    this.updateState(reason);
  }

  resume(reason = 'resume'): void {
    if (this.down || this.pauses === 0) return;
    if (this.tracksCpu) this.markBusy();
    this.pauses--;
    if (this.pauses > 0) return;
    for (const j of this.running) this.reschedule(j);
    this.updateState(reason);
    this.flushDeferred();
    this.startWaiting();
  }

  /**
   * Multiply service times by `factor` until the returned function is called (a gray failure).
   * Work already running slows down at once and speeds up again when the limp ends: a job with
   * r µs of work left when a ×f limp starts needs r·f µs more, as on a CPU slowed f times.
   */
  limp(factor: number, reason = 'limp'): () => void {
    if (!(factor >= 1 && factor < Infinity)) {
      throw new InputError(`node ${this.name}: limp factor ${factor} is not valid; use a number ≥ 1`);
    }
    this.limpFactors.push(factor);
    this.recomputeLimp(reason);
    let undone = false;
    return () => {
      if (undone) return;
      undone = true;
      const i = this.limpFactors.indexOf(factor);
      if (i >= 0) this.limpFactors.splice(i, 1);
      this.recomputeLimp(`${reason} ended`);
    };
  }

  /** Add a leak (MiB per hour) until the returned function is called; the node is OOM-killed at its limit. */
  leak(mbPerHour: number): () => void {
    this.rebaseLeak();
    this.leakExtraMbPerHour += mbPerHour;
    this.armOom();
    return () => {
      this.rebaseLeak();
      this.leakExtraMbPerHour = Math.max(0, this.leakExtraMbPerHour - mbPerHour);
      this.armOom();
    };
  }

  /** OOM-kill the process now (the supervisor restarts it under restartPolicy always). */
  oomKill(): void {
    this.crashAuto('oom');
  }

  /** Load a config (a push); `good: true` marks it as the one a rollback returns to. */
  pushConfig(config: NodeConfig, good = false): void {
    if (good) this.goodConfig = config;
    this._config = config;
    this.trace.emit({ time: this.sim.now, kind: 'config-load', node: this.name, version: config.version, effect: config.effect });
    this.recomputeLimp(`config ${config.version}`);
    if (!this.down) this.loadConfig();
  }

  /** Return to the last good config. */
  rollbackConfig(): void {
    this.pushConfig(this.goodConfig);
  }

  /** @internal crash and, under restartPolicy always, restart with CrashLoopBackOff. */
  crashAuto(reason: string): void {
    if (this.down) return;
    this.crash(reason, 'process');
    if (this.restartPolicy === 'always') {
      const backoff = Math.min(BACKOFF_MAX_US, this.restartDelayUs * 2 ** Math.max(0, this.consecutiveCrashes - 1));
      this.cancelRestart();
      this.restartTimer = this.sim.schedule(backoff, beginAutoRestart, this);
    }
  }

  /** @internal */
  _beginAutoRestart(): void {
    this.restartTimer = -1;
    if (!this.down || this.restarting) return;
    this.restart('supervisor restart');
  }

  private loadConfig(): void {
    if (this._config.effect === 'crash') this.sim.schedule(0, crashAuto, [this, `bad config ${this._config.version}`] as const);
  }

  private cancelRestart(): void {
    if (this.restartTimer !== -1) this.sim.cancel(this.restartTimer);
    this.restartTimer = -1;
  }

  private recomputeLimp(reason: string): void {
    const before = this.slowdown;
    let f = 1;
    for (const x of this.limpFactors) f *= x;
    this.limpFactor = f;
    this.retime(before);
    this.updateState(reason);
  }

  /** Running work changes speed when the slowdown changes (a paused node's jobs pick it up at resume). */
  private retime(before: number): void {
    // work already running changes speed too (a paused node's jobs pick it up at resume)
    if (this.slowdown !== before && this.pauses === 0 && !this.down) {
      for (const j of this.running) {
        if (j.timer === -1) continue;
        this.sim.cancel(j.timer);
        this.progress(j);
        this.reschedule(j);
      }
    }
  }

  // ---- cold start ----

  /** After a restart: every core busy starting for `startupCpu`, then the cold slowdown wears off over `warmup`. */
  private beginColdStart(): void {
    if (this.coldStartupUs > 0) {
      this.startupJobs = this.cores;
      for (let c = 0; c < this.cores; c++) this.start(startupDone, this, this.coldStartupUs);
    } else this.beginWarmup();
  }

  /** @internal one core finished starting up. */
  _startupDone(): void {
    if (--this.startupJobs === 0) this.beginWarmup();
  }

  private beginWarmup(): void {
    if (this.coldSlowdown <= 1 || this.coldWarmupUs <= 0) return;
    this.setColdFactor(this.coldSlowdown);
    this.coldTimer = this.sim.schedule(this.coldWarmupUs / WARMUP_STEPS, warmupStep, [this, 1] as const);
  }

  /** @internal step `k` of WARMUP_STEPS: the cold factor falls linearly to 1. */
  _warmupStep(k: number): void {
    this.coldTimer = -1;
    if (this.down) return;
    this.setColdFactor(k >= WARMUP_STEPS ? 1 : 1 + (this.coldSlowdown - 1) * (1 - k / WARMUP_STEPS));
    if (k < WARMUP_STEPS) this.coldTimer = this.sim.schedule(this.coldWarmupUs / WARMUP_STEPS, warmupStep, [this, k + 1] as const);
  }

  private setColdFactor(f: number): void {
    const before = this.slowdown;
    this.coldFactor = f;
    this.retime(before);
  }

  /** Service-time factor of a cold start now (1 when warm). */
  get coldSlowdownNow(): number {
    return this.coldFactor;
  }

  // ---- garbage collection (see gc.ts) ----

  /** Work of `workUs` allocates; when the garbage fills the free heap, collect. */
  private allocateGarbage(gc: GcParams, workUs: number): void {
    this.garbageMb += workUs * gc.allocationMbPerUs;
    if (this.gcPausing || this.pauses > 0) return;
    const live = this.memoryUsedMb();
    if (this.garbageMb < this.memoryLimitMb - live) return;
    this.garbageMb = 0;
    const us = gcPauseUs(gc, live);
    this.gcCollections++;
    this.gcPauseUs += us;
    this.pause('gc');
    this.gcPausing = true;
    this.gcTimer = this.sim.schedule(us, gcDone, this);
  }

  /** @internal the stop-the-world collection ended. */
  _gcDone(): void {
    this.gcTimer = -1;
    if (this.down) return;
    if (this.tracksCpu) this.markBusy();
    this.gcPausing = false;
    this.resume('gc done');
  }

  /** Account for the work a running job did since its mark, at the rate it ran. */
  private progress(j: Job): void {
    const now = this.sim.now;
    j.workUs = Math.max(0, j.workUs - (now - j.markUs) / j.rate);
    j.markUs = now;
  }

  /** Schedule a job's completion for its remaining work at the current slowdown. */
  private reschedule(j: Job): void {
    j.markUs = this.sim.now;
    j.rate = this.slowdown;
    j.timer = this.sim.schedule(j.workUs * j.rate, completeJob, j);
  }

  private rebaseLeak(): void {
    const hours = (this.sim.now - this.leakSinceUs) / 3_600_000_000;
    this.leakBaseMb += (this.leakMbPerHour + this.leakExtraMbPerHour) * hours;
    this.leakSinceUs = this.sim.now;
  }

  private armOom(): void {
    if (this.oomTimer !== -1) this.sim.cancel(this.oomTimer);
    this.oomTimer = -1;
    if (this.down) return;
    const rate = this.leakMbPerHour + this.leakExtraMbPerHour;
    const headroom = this.memoryLimitMb - this.memoryUsedMb();
    if (headroom <= 0) {
      this.oomTimer = this.sim.schedule(0, oomNow, this);
      return;
    }
    if (rate <= 0) return;
    const delay = Math.ceil((headroom / rate) * 3_600_000_000);
    if (delay > 100 * 365 * 24 * 3_600_000_000) return;
    this.oomTimer = this.sim.schedule(delay, oomNow, this);
  }

  /** @internal */
  _oomTimer(): void {
    this.oomTimer = -1;
    if (this.down) return;
    if (this.memoryUsedMb() >= this.memoryLimitMb - 1e-9) this.oomKill();
    else this.armOom();
  }

  private updateState(reason: string): void {
    let next: NodeState;
    if (this.down) next = this.restarting ? 'restarting' : 'crashed';
    else if (this.pauses > 0) next = 'paused';
    else if (this.limpSlowdown > 1) next = 'limping';
    else next = 'up';
    const prev = this._state;
    if (next === prev) return;
    this._state = next;
    this.trace.emit({ time: this.sim.now, kind: 'node-state', node: this.name, from: prev, to: next, reason });
    for (const h of this.stateHooks) h(prev, next, reason);
  }

  private flushDeferred(): void {
    const d = this.deferred;
    if (d.length === 0) return;
    this.deferred = [];
    for (const x of d) this.sim.schedule(0, x.fn, x.arg);
  }

  private start(done: ExecuteCallback<any>, arg: unknown, serviceUs: number): void {
    const rate = this.slowdown;
    // Job records are reused (at most `cores` are in use): a finished job's timer has fired, a
    // crashed one's was cancelled, so no event can reach a record after it is freed.
    const job = this.freeJobs.pop() ?? { node: this, done, arg, workUs: 0, markUs: 0, rate: 1, timer: -1, slot: -1, incarnation: -1 };
    job.done = done;
    job.arg = arg;
    job.workUs = serviceUs;
    job.markUs = this.sim.now;
    job.rate = rate;
    job.slot = this.running.length;
    job.incarnation = this.incarnation;
    if (this.tracksCpu) this.markBusy();
    this.running.push(job);
    job.timer = this.sim.schedule(serviceUs * rate, completeJob, job);
    if (this.gc !== null) this.allocateGarbage(this.gc, serviceUs);
  }

  /** @internal */
  _complete(job: Job): void {
    if (job.incarnation !== this.incarnation || job.timer === -1) return;
    job.timer = -1;
    if (this.tracksCpu) this.markBusy();
    // swap-remove from the running set
    const last = this.running.pop()!;
    if (last !== job) {
      this.running[job.slot] = last;
      last.slot = job.slot;
    }
    this.completed++;
    const done = job.done;
    const arg = job.arg;
    job.done = noWork;
    job.arg = null;
    this.freeJobs.push(job);
    done(arg, null);
    this.startWaiting();
  }

  /** @internal tell the oldest refusal (its event has come). */
  _refuseNext(): void {
    const r = this.refusals;
    const i = r.head;
    const fn = r.fns[i]!;
    const arg = r.args[i];
    const error = r.errors[i]!;
    r.shift();
    fn(arg, error);
  }

  private startWaiting(): void {
    const w = this.waiting;
    const lifo = this.discipline === 'lifo';
    while (this.running.length < this.cores && this.pauses === 0 && !this.down && w.length > 0) {
      const i = w.take(lifo);
      this.start(w.fnAt(i), w.argAt(i), w.usAt(i));
    }
  }
}

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    /** A node loaded a config version (a push or a rollback). */
    'config-load': { node: string; version: string; effect: ConfigEffect };
  }
}

function noWork(): void {}

function completeJob(job: Job): void {
  job.node._complete(job);
}

function refuseNext(n: Node): void {
  n._refuseNext();
}
function finishRestart(n: Node): void {
  n._finishRestart();
}
function beginAutoRestart(n: Node): void {
  n._beginAutoRestart();
}
function oomNow(n: Node): void {
  n._oomTimer();
}
function startupDone(n: Node): void {
  n._startupDone();
}
function warmupStep(x: readonly [Node, number]): void {
  x[0]._warmupStep(x[1]);
}
function gcDone(n: Node): void {
  n._gcDone();
}
function crashAuto(x: readonly [Node, string]): void {
  x[0].crashAuto(x[1]);
}
function succeedWith(ev: SimEvent<any>, value: unknown): void {
  ev.succeed(value);
}
function forgetProcess(x: readonly [Set<Process<any>>, Process<any>]): void {
  x[0].delete(x[1]);
}

function intAtLeast(where: string, field: string, v: number, min: number): number {
  if (!(Number.isInteger(v) && v >= min)) throw new InputError(`${where}: ${field}=${v} is not valid; use an integer ≥ ${min}`);
  return v;
}
function positive(where: string, field: string, v: number): number {
  if (!(v > 0 && v < Infinity)) throw new InputError(`${where}: ${field}=${v} is not valid; use a finite number > 0`);
  return v;
}
function nonNegative(where: string, field: string, v: number): number {
  if (!(v >= 0 && v < Infinity)) throw new InputError(`${where}: ${field}=${v} is not valid; use a finite number ≥ 0`);
  return v;
}

function fireWhenServing(t: readonly [Node, Callback<any>, unknown]): void {
  t[0]._whenServing(t[1], t[2]);
}
