/**
 * The vocabulary scenarios are written in (DESIGN.md, "app/"): a service runs on nodes of the
 * world and has endpoints; an endpoint's handler does CPU work on its node and calls its
 * dependencies through policies; clients reach a service over the simulated network through a
 * load balancer. A scenario composes these instead of hand-wiring messages:
 *
 *   const app = createApp(ctx, world);
 *   const db = app.service({ name: 'db', nodes: ['db1'], endpoints: { query: { work: '5ms' } } });
 *   const api = app.service({
 *     name: 'api', nodes: ['api1', 'api2'], workers: 200,
 *     endpoints: { get: { work: '1ms', handler: (h, done) => h.call(dbQuery, done) } },
 *   });
 *   const dbQuery = db.client('api1', 'query', { timeout: '250ms' });
 *
 * Threads: a service may have a worker pool (`workers`, Tomcat's maxThreads): a request holds a
 * worker from arrival to reply, including while it waits on dependencies, which is how a slow
 * dependency exhausts an upstream service. CPU work additionally needs one of the node's cores.
 */
import { durationSampler, type DistributionSpec, type Sampler } from '../kernel/distribution.ts';
import { InputError } from '../kernel/errors.ts';
import type { Random, RandomStreams } from '../kernel/random.ts';
import { Resource } from '../kernel/resource.ts';
import type { Simulation } from '../kernel/sim.ts';
import { parseDuration, type Duration } from '../kernel/time.ts';
import type { Metrics } from '../observe/metrics.ts';
import type { RequestStats } from '../observe/requests.ts';
import type { Tracer } from '../observe/trace.ts';
import { CallContext, errorOutcome, okOutcome, rejection, ErrorKinds, type Call, type Done, type Outcome } from '../patterns/call.ts';
import type { Message } from '../world/network.ts';
import type { Node } from '../world/node.ts';
import type { World } from '../world/world.ts';

/** What `createApp` needs from the scenario's build context. */
export interface AppContext {
  readonly sim: Simulation;
  readonly random: RandomStreams;
  readonly trace: Tracer;
  readonly metrics: Metrics;
  readonly requests: RequestStats;
}

/** What a handler sees while serving one request on one replica. */
export interface Handling {
  readonly app: App;
  readonly service: Service;
  readonly endpoint: string;
  readonly node: Node;
  /** The request's context: its deadline (propagated from the caller) and key. */
  readonly ctx: CallContext;
  readonly payload: unknown;
  /** Do CPU work on this node (a core for `serviceUs`, or the node's service-time draw), then `then(error)`. */
  work(then: (error: string | null) => void, serviceUs?: number): void;
  /** Call a dependency with a child context (deadline propagation), then `then(outcome)`. */
  call(dependency: Call, then: Done): void;
}

export type Handler = (h: Handling, done: Done) => void;

export interface EndpointSpec {
  /** CPU work per request before the handler runs; default the node's `serviceTime`. `"0ms"` for none. */
  work?: DistributionSpec;
  /** Runs after the CPU work; without it the endpoint replies ok. */
  handler?: Handler;
  /** Sizes for bandwidth-limited links. */
  requestBytes?: number;
  responseBytes?: number;
}

export interface ServiceSpec {
  name: string;
  /** World node names this service runs on (its replicas). */
  nodes: readonly string[];
  endpoints: Readonly<Record<string, EndpointSpec>>;
  /** Worker threads per replica (held for the whole request, dependencies included). Default: no pool. */
  workers?: number;
  /** Requests waiting for a worker beyond which the replica refuses with `shed` (accept queue). Default 1000. */
  acceptQueueMax?: number;
}

/** Picks a replica for a call; `null` when none is available. Load balancers implement this. */
export interface ReplicaPicker {
  pick(ctx: CallContext, replicas: readonly string[]): string | null;
  /** Told the outcome of each call it routed (passive health, least-outstanding bookkeeping). */
  onStart?(replica: string): void;
  onResult?(replica: string, outcome: Outcome): void;
}

export interface ClientOptions {
  /** Per-call network timeout (the client's socket/read timeout). The propagated deadline still bounds it. */
  timeout?: Duration;
  picker?: ReplicaPicker;
}

interface Wire {
  s: number;
  e: string;
  d: number;
  k: string | number;
  p: unknown;
}

interface Reply {
  ok: boolean;
  error: string;
  value?: unknown;
  /** The handler answered from a fallback or a stale cache (graceful degradation). */
  degraded?: boolean;
}

/** Without a timeout or deadline a client still gives up after an hour: a model of "no timeout". */
const NO_TIMEOUT_US = 3_600_000_000;

class RoundRobin implements ReplicaPicker {
  private next = 0;
  pick(_ctx: CallContext, replicas: readonly string[]): string | null {
    if (replicas.length === 0) return null;
    const r = replicas[this.next % replicas.length]!;
    this.next = (this.next + 1) % replicas.length;
    return r;
  }
}

interface Endpoint {
  name: string;
  spec: EndpointSpec;
  sampler: Sampler | null;
  /** Per replica node: what runs when a request's CPU work ends (see `Service.workDone`). */
  workDone: Map<Node, WorkDone>;
}

/** The continuation of a request's CPU work on one replica, valid for one life of its process. */
interface WorkDone {
  incarnation: number;
  fn: (msg: Message<Wire>, error: string | null) => void;
}

export class Service {
  readonly endpoints = new Map<string, Endpoint>();
  readonly pools = new Map<string, Resource>();
  /** Requests served per replica (ok or not). */
  readonly served = new Map<string, number>();
  private readonly rng: Random;

  constructor(
    readonly app: App,
    readonly index: number,
    readonly spec: ServiceSpec,
  ) {
    if (!spec.name) throw new InputError('service: name is required');
    if (!spec.nodes || spec.nodes.length === 0) throw new InputError(`service ${spec.name}: give at least one node`);
    for (const n of spec.nodes) {
      if (!app.world.hasNode(n)) {
        throw new InputError(`service ${spec.name}: unknown node ${JSON.stringify(n)}; nodes: ${app.world.nodeNames.join(', ')}`);
      }
    }
    if (spec.workers !== undefined && !(Number.isInteger(spec.workers) && spec.workers >= 1)) {
      throw new InputError(`service ${spec.name}: workers=${spec.workers} is not valid; use an integer ≥ 1`);
    }
    for (const [name, e] of Object.entries(spec.endpoints)) {
      this.endpoints.set(name, {
        name,
        spec: e,
        sampler: e.work !== undefined ? durationSampler(e.work, `service ${spec.name}.${name}.work`) : null,
        workDone: new Map(),
      });
    }
    this.rng = app.random.get(`app/${spec.name}`);
    for (const n of spec.nodes) {
      if (spec.workers !== undefined) {
        const pool = new Resource(app.sim, spec.workers);
        this.pools.set(n, pool);
        // a crash kills every thread: the pool restarts empty
        app.world.node(n).onCrash(() => {
          pool.clearQueue();
          pool.inUse = 0;
        });
      }
      this.served.set(n, 0);
    }
  }

  get name(): string {
    return this.spec.name;
  }

  get replicas(): readonly string[] {
    return this.spec.nodes;
  }

  /** Worker threads busy on a replica (0 without a pool). */
  workersBusy(node: string): number {
    return this.pools.get(node)?.inUse ?? 0;
  }

  /**
   * A `Call` that reaches `endpoint` from node `from` over the network, through `picker`
   * (round robin by default). Compose policies around it with `wrap`/`pipeline`.
   */
  client(from: string, endpoint: string, options: ClientOptions = {}): Call {
    if (!this.app.world.hasNode(from)) throw new InputError(`client of ${this.name}: unknown node ${JSON.stringify(from)}`);
    if (!this.endpoints.has(endpoint)) {
      throw new InputError(`service ${this.name} has no endpoint ${JSON.stringify(endpoint)}; endpoints: ${[...this.endpoints.keys()].join(', ')}`);
    }
    const timeoutUs = options.timeout !== undefined ? parseDuration(options.timeout, `client ${from}→${this.name}.timeout`) : NO_TIMEOUT_US;
    const picker: ReplicaPicker = options.picker ?? new RoundRobin();
    const net = this.app.world.net;
    const sim = this.app.sim;
    const reqBytes = this.endpoints.get(endpoint)!.spec.requestBytes ?? 0;
    const replicas = this.replicas;
    const serviceIndex = this.index;
    return (ctx: CallContext, done: Done): void => {
      if (ctx.expired) {
        done(rejection(ErrorKinds.deadlineExceeded));
        return;
      }
      const target = picker.pick(ctx, replicas);
      if (target === null) {
        done(rejection(ErrorKinds.noHealthyUpstream));
        return;
      }
      const budget = Math.min(timeoutUs, ctx.remainingUs());
      const wire: Wire = { s: serviceIndex, e: endpoint, d: ctx.deadlineUs, k: ctx.key, p: undefined };
      picker.onStart?.(target);
      const pending = { done, startUs: sim.now, picker, target, ctx };
      net.call(from, target, wire, Math.max(1, budget), onReply, pending, reqBytes);
    };
  }

  /**
   * A `Call` to `endpoint` on one given replica, always: the building block for a load balancer
   * that chooses the replica itself (the patterns' `loadBalancer` takes `{ id, call }` endpoints).
   */
  replicaClient(from: string, endpoint: string, replica: string, options: Omit<ClientOptions, 'picker'> = {}): Call {
    if (!this.replicas.includes(replica)) {
      throw new InputError(`service ${this.name} has no replica ${JSON.stringify(replica)}; replicas: ${this.replicas.join(', ')}`);
    }
    return this.client(from, endpoint, { ...options, picker: { pick: () => replica } });
  }

  /** One `{ id, call }` per replica (see `replicaClient`), as the patterns' load balancer takes them. */
  endpointsFor(from: string, endpoint: string, options: Omit<ClientOptions, 'picker'> = {}): { id: string; call: Call }[] {
    return this.replicas.map((id) => ({ id, call: this.replicaClient(from, endpoint, id, options) }));
  }

  /** @internal serve a request that arrived at `node`. */
  _serve(node: Node, msg: Message<Wire>): void {
    const ep = this.endpoints.get(msg.payload.e);
    if (ep === undefined) {
      this.app.world.net.reply(msg, { ok: false, error: 'not-found' } satisfies Reply);
      return;
    }
    const pool = this.pools.get(node.name) ?? null;
    if (pool === null && this.app.sim.now < msg.payload.d) {
      // Without a worker pool the request goes straight to the node's queue, where it may wait a
      // long time: it waits as its message alone, and its `Serving` is made when the work ends.
      node.execute(this.workDone(ep, node).fn, msg, this._sample(ep));
      return;
    }
    const state = new Serving(this, ep, node, msg, pool);
    if (state.pool !== null) {
      // the accept queue only matters when every worker is busy (acceptQueueMax 0 = no waiting)
      if (state.pool.inUse >= state.pool.capacity && state.pool.queueLength >= (this.spec.acceptQueueMax ?? 1000)) {
        finishServing(state, false, ErrorKinds.shed);
        return;
      }
      state.pool.request(startServing, state);
    } else {
      startServing(state);
    }
  }

  /**
   * The continuation of CPU work for `ep` on `node` in its current life: it serves the request
   * as `afterWork` would. A crash empties the node's queue, so work that ends belongs to the life
   * it was queued in; a refusal delivered after a crash finds the life changed and, like any
   * callback of a dead process, does nothing.
   */
  private workDone(ep: Endpoint, node: Node): WorkDone {
    let w = ep.workDone.get(node);
    if (w === undefined || w.incarnation !== node.incarnation) {
      const incarnation = node.incarnation;
      w = {
        incarnation,
        fn: (msg, error) => {
          if (node.incarnation !== incarnation) return;
          afterWork(new Serving(this, ep, node, msg, null), error);
        },
      };
      ep.workDone.set(node, w);
    }
    return w;
  }

  /** @internal */
  _sample(ep: Endpoint): number | undefined {
    return ep.sampler === null ? undefined : ep.sampler(this.rng);
  }
}

interface Pending {
  done: Done;
  startUs: number;
  picker: ReplicaPicker;
  target: string;
  ctx: CallContext;
}

function onReply(p: Pending, reply: Message<Reply> | null, error: string | null): void {
  const now = p.ctx.sim.now;
  const latency = now - p.startUs;
  let outcome: Outcome;
  if (error !== null || reply === null) {
    outcome = errorOutcome(p.ctx.expired ? ErrorKinds.deadlineExceeded : ErrorKinds.timeout, latency);
  } else if (reply.corrupted) {
    outcome = errorOutcome('corrupt-response', latency);
  } else {
    const r = reply.payload;
    if (r.degraded) outcome = { ok: r.ok, error: r.error, latencyUs: latency, value: r.value, degraded: true };
    else outcome = r.ok ? okOutcome(latency, r.value) : errorOutcome(r.error || ErrorKinds.unavailable, latency);
  }
  p.picker.onResult?.(p.target, outcome);
  p.done(outcome);
}

/**
 * One request being served on one replica; it is also the `Handling` its handler sees (one
 * object per request: requests can wait a long time in queues, so what they hold matters). The
 * request's context is built only when a handler asks for it.
 */
class Serving implements Handling {
  readonly incarnation: number;
  holdsWorker = false;
  replied = false;
  private context: CallContext | null = null;

  constructor(
    readonly service: Service,
    readonly ep: Endpoint,
    readonly node: Node,
    readonly msg: Message<Wire>,
    readonly pool: Resource | null,
  ) {
    this.incarnation = node.incarnation;
  }

  get app(): App {
    return this.service.app;
  }
  get endpoint(): string {
    return this.ep.name;
  }
  get ctx(): CallContext {
    if (this.context === null) this.context = new CallContext(this.service.app.sim, this.msg.payload.d, this.msg.payload.k);
    return this.context;
  }
  get payload(): unknown {
    return this.msg.payload.p;
  }
  work(then: (error: string | null) => void, serviceUs?: number): void {
    this.node.execute((_: null, err) => then(err), null, serviceUs);
  }
  call(dependency: Call, then: Done): void {
    const child = this.ctx.child();
    const inc = this.incarnation;
    const node = this.node;
    dependency(child, (o) => {
      // the process that made the call died: its continuation never runs
      if (node.incarnation !== inc) return;
      then(o);
    });
  }
}

function startServing(s: Serving): void {
  // A crash while waiting for a worker kills the request with the process.
  if (s.node.incarnation !== s.incarnation) return;
  s.holdsWorker = s.pool !== null;
  if (s.service.app.sim.now >= s.msg.payload.d) {
    // The caller has given up already: do not waste work (gRPC servers see the deadline too).
    finishServing(s, false, ErrorKinds.deadlineExceeded);
    return;
  }
  s.node.execute(afterWork, s, s.service._sample(s.ep));
}

function afterWork(s: Serving, error: string | null): void {
  if (error !== null) {
    finishServing(s, false, error === 'node-down' ? ErrorKinds.unavailable : error);
    return;
  }
  const handler = s.ep.spec.handler;
  if (handler === undefined) {
    finishServing(s, true, '');
    return;
  }
  handler(s, (o: Outcome) => finishServing(s, o.ok, o.error, o.value, o.degraded));
}

function finishServing(s: Serving, ok: boolean, error: string, value?: unknown, degraded?: boolean): void {
  if (s.replied) return;
  s.replied = true;
  // a crash already emptied the pool; otherwise give the worker back
  if (s.holdsWorker && s.node.incarnation === s.incarnation) s.pool!.release();
  if (s.node.incarnation !== s.incarnation) return;
  s.service.served.set(s.node.name, (s.service.served.get(s.node.name) ?? 0) + 1);
  let reply: Reply;
  if (value === undefined && !degraded) reply = plainReply(ok, error);
  else {
    reply = value === undefined ? { ok, error } : { ok, error, value };
    if (degraded) reply.degraded = true;
  }
  s.service.app.world.net.reply(s.msg, reply, s.ep.spec.responseBytes ?? 0);
}

const OK_REPLY: Reply = Object.freeze({ ok: true, error: '' });
const ERROR_REPLIES = new Map<string, Reply>();
/** The shared reply without a value (replies are read, never changed: see the network's corruption). */
function plainReply(ok: boolean, error: string): Reply {
  if (ok && error === '') return OK_REPLY;
  const key = ok ? `ok:${error}` : error;
  let r = ERROR_REPLIES.get(key);
  if (r === undefined) ERROR_REPLIES.set(key, (r = Object.freeze({ ok, error })));
  return r;
}

/** The set of services of one scenario, multiplexed onto the world's nodes. */
export class App {
  readonly services: Service[] = [];
  private readonly byNode = new Map<string, Service[]>();

  constructor(
    readonly ctx: AppContext,
    readonly world: World,
  ) {}

  get sim(): Simulation {
    return this.ctx.sim;
  }
  get random(): RandomStreams {
    return this.ctx.random;
  }
  get requests(): RequestStats {
    return this.ctx.requests;
  }

  service(spec: ServiceSpec): Service {
    if (this.services.some((s) => s.name === spec.name)) throw new InputError(`service ${spec.name} is defined twice`);
    const svc = new Service(this, this.services.length, spec);
    this.services.push(svc);
    for (const n of spec.nodes) {
      let list = this.byNode.get(n);
      if (list === undefined) {
        list = [];
        this.byNode.set(n, list);
        const node = this.world.node(n);
        const services = list;
        this.world.net.listen(n, (msg: Message<any>) => {
          const w = msg.payload as Wire | undefined;
          const target = w && typeof w === 'object' ? services.find((s) => s.index === w.s) : undefined;
          if (target === undefined || msg.callId <= 0) return;
          target._serve(node, msg as Message<Wire>);
        });
      }
      list.push(svc);
    }
    return svc;
  }
}

export function createApp(ctx: AppContext, world: World): App {
  return new App(ctx, world);
}
