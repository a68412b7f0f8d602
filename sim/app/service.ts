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
import { handlePoisonPills, isPoisoned } from './tenants.ts';
import { durationSampler, type DistributionSpec, type Sampler } from '../kernel/distribution.ts';
import { InputError } from '../kernel/errors.ts';
import { checkKeys, didYouMean, expectObject } from '../kernel/suggest.ts';
import type { Random, RandomStreams } from '../kernel/random.ts';
import { Resource } from '../kernel/resource.ts';
import type { Simulation } from '../kernel/sim.ts';
import { parseDuration, type Duration } from '../kernel/time.ts';
import type { Metrics } from '../observe/metrics.ts';
import type { RequestStats } from '../observe/requests.ts';
import type { Tracer } from '../observe/trace.ts';
import { CallContext, newCallContext, errorOutcome, okOutcome, rejection, ErrorKinds, type Call, type Done, type Outcome } from '../patterns/call.ts';
import type { HealthProbe } from '../patterns/load-balancer.ts';
import type { CallLink, Message, Network, PendingCall } from '../world/network.ts';
import type { Node, NodeSpec } from '../world/node.ts';
import type { World } from '../world/world.ts';
import { NODE_KEYS } from '../world/spec-keys.ts';
import { CONNECTION_POOL_KEYS, ConnectionPool, THREAD_POOL_KEYS, ThreadPool, type ConnectionPoolSpec, type ThreadPoolSpec } from '../world/pools.ts';
import { isClient, type Client } from './client.ts';
import type { RunEnd } from './run-end.ts';

/** What `createApp` needs from the scenario's build context. */
export interface AppContext {
  readonly sim: Simulation;
  readonly random: RandomStreams;
  readonly trace: Tracer;
  readonly metrics: Metrics;
  readonly requests: RequestStats;
  /** @internal the run's default end (the build context has it): background samplers register with it. */
  readonly runEnd?: RunEnd;
}

/**
 * What a handler sees while serving one request on one replica. `B` is the type of the request's
 * body, as the handler declares it: `handler: (h: Handling<{ key: string }>, done) => …`.
 */
export interface Handling<B = unknown> {
  readonly app: App;
  readonly service: Service;
  readonly endpoint: string;
  readonly node: Node;
  /** The node the request came from (a peer replica, a client machine). */
  readonly from: string;
  /** The request's context: its deadline (propagated from the caller) and key. */
  readonly ctx: CallContext;
  /**
   * The request's body, as the caller sent it (`h.call(dep, then, body)` or
   * `client.at(node).request(ctx, body, done)`); `undefined` when it sent none. Bodies travel as
   * values: the callee must not change them (a retry sends the same one again).
   */
  readonly body: B;
  /** Do CPU work on this node (a core for `serviceUs`, or the node's service-time draw), then `then(error)`. */
  work(then: (error: string | null) => void, serviceUs?: number): void;
  /**
   * Call a dependency with a child context (deadline propagation), then `then(outcome)`: a
   * `Client` (this replica's copy of it) or any `Call`. `body` is the sub-request's body (none by
   * default); the dependency's answer, if it has one, is `outcome.value`.
   */
  call(dependency: Call | Client<any>, then: Done, body?: unknown): void;
}

/**
 * An endpoint's request handler: runs on the replica after the endpoint's CPU `work`, may call
 * dependencies through `h.call(...)`, and answers exactly once with `done(outcome)` (a later
 * answer is ignored), now or later (a write that waits for replication answers when it is
 * replicated). `done(okOutcome(0, value))` answers with a value the caller gets as
 * `outcome.value`; `done(errorOutcome('conflict', 0))` fails with that error, and
 * `done({ ok: false, error: 'not-primary', latencyUs: 0, value: hint })` fails with a value too.
 */
export type Handler<B = any> = (h: Handling<B>, done: Done) => void;

/**
 * One endpoint of a service (`ServiceSpec.endpoints`): its CPU work per request, the dependencies
 * it calls, and an optional handler. An empty spec `{}` does the node's `serviceTime` of work and
 * replies ok. Unknown keys are rejected with a did-you-mean.
 */
export interface EndpointSpec {
  /** CPU work per request before the handler runs; default the node's `serviceTime`. `"0ms"` for none. */
  work?: DistributionSpec;
  /**
   * The endpoint's dependencies, each a `Client` (every replica gets its own copy, made when the
   * service is declared) or a `Call`. Without a `handler` they are called one after the other
   * after the work, and the first failure is the endpoint's answer; with a handler, it calls them.
   */
  calls?: readonly (Client<any> | Call)[];
  /** Runs after the CPU work; without it (and without `calls`) the endpoint replies ok. */
  handler?: Handler;
  /**
   * `false`: served outside the service's worker pool, as on a separate admin or management port
   * (a health endpoint that answers while every worker is busy). Default: in the pool.
   */
  workers?: false;
  /** Size of a request in bytes, for bandwidth-limited links. Default 0. */
  requestBytes?: number;
  /** Size of a reply in bytes, for bandwidth-limited links. Default 0. */
  responseBytes?: number;
  /**
   * Memory a request of this endpoint holds on its replica from arrival to reply, queued or in
   * service (its buffers, parsed body and per-request objects), MiB. The replica's memory use is
   * its baseline + this × the requests it holds + leaks + caches; reaching `memoryLimitMb` is an
   * OOM kill. Default 0 (requests cost no memory).
   */
  memoryPerRequestMb?: number;
}

/**
 * A service as `service(...)` (or `App.service`) declares it: its name, the nodes its replicas
 * run on (given, or `replicas` made for it in `zone`/`zones`), its endpoints, and an optional
 * worker pool per replica (Tomcat's `maxThreads` with an accept queue). Unknown keys are rejected
 * with a did-you-mean.
 */
export interface ServiceSpec<E extends string = string> {
  /** The service's name: unique in the app; names its nodes when `nodes` is not given. */
  name: string;
  /**
   * World node names this service runs on (its replicas). Nodes that do not exist yet are added
   * while the world is still being declared (the build context's world). Default: `replicas`
   * nodes named `<name>-1` … `<name>-<replicas>`, or, without `replicas`, one node named `<name>`.
   */
  nodes?: readonly string[];
  /** How many replicas, on nodes `<name>-1` … `<name>-<replicas>` (Kubernetes `replicas`). */
  replicas?: number;
  /** The zone of every node it adds. */
  zone?: string;
  /** Zones to spread the nodes it adds over, round robin (replica i in zones[i mod n]). */
  zones?: readonly string[];
  /** Settings of the nodes it adds (cores, serviceTime, memoryLimitMb, restartDelay, …), over the world's nodeDefaults. */
  node?: Partial<Omit<NodeSpec, 'name' | 'zone'>>;
  /** Its endpoints by name (at least one), such as `{ get: { work: '5ms' } }`. */
  endpoints: Readonly<Record<E, EndpointSpec>>;
  /** Worker threads per replica (held for the whole request, dependencies included). Default: no pool. */
  workers?: number;
  /** Requests waiting for a worker beyond which the replica refuses with `shed` (accept queue). Default 1000. */
  acceptQueueMax?: number;
  /**
   * Request threads per replica with Resilience4j `ThreadPoolBulkhead` semantics (core and maximum
   * threads, a bounded queue, keep-alive; see `ThreadPoolSpec`), instead of `workers`: a request
   * holds a thread from when it gets one to its reply; a request the pool rejects fails with
   * `bulkhead-full`. Default: none.
   */
  threadPool?: ThreadPoolSpec;
  /**
   * HikariCP connection pools per replica, by the name of the dependency service they connect to:
   * each call a replica makes to that service (an endpoint's `calls` or `h.call`) holds one of its
   * connections; a call that waits longer than `connectionTimeout` fails with
   * `connection-timeout`; a call that ends in `timeout` or `unavailable` breaks its connection,
   * and a new one is made (with `connect`: a client of the dependency's endpoint that serves the
   * handshake, so reconnecting costs the dependency work). Default: none.
   */
  connectionPools?: Readonly<Record<string, ServiceConnectionPoolSpec>>;
}

/** A connection pool of a service to one dependency: HikariCP settings and how a connection is made. */
export interface ServiceConnectionPoolSpec extends ConnectionPoolSpec {
  /** The handshake of a new connection: a client of an endpoint of the dependency (its work is the handshake's cost). Default: instant. */
  connect?: Client<any>;
}

const SERVICE_KEYS: Record<keyof ServiceSpec, true> = {
  name: true,
  nodes: true,
  replicas: true,
  zone: true,
  zones: true,
  node: true,
  endpoints: true,
  workers: true,
  acceptQueueMax: true,
  threadPool: true,
  connectionPools: true,
};
const ENDPOINT_KEYS: Record<keyof EndpointSpec, true> = {
  work: true,
  calls: true,
  handler: true,
  workers: true,
  requestBytes: true,
  responseBytes: true,
  memoryPerRequestMb: true,
};

/** Picks a replica for a call; `null` when none is available. Load balancers implement this. */
export interface ReplicaPicker {
  pick(ctx: CallContext, replicas: readonly string[]): string | null;
  /** Told the outcome of each call it routed (passive health, least-outstanding bookkeeping). */
  onStart?(replica: string): void;
  onResult?(replica: string, outcome: Outcome): void;
}

/**
 * Options of a bare network call made with `Service.client`, `replicaClient` or `endpointsFor`:
 * the per-call timeout and how the replica is picked (round robin by default).
 */
export interface ClientOptions {
  /** Per-call network timeout (the client's socket/read timeout). The propagated deadline still bounds it. */
  timeout?: Duration;
  /** Chooses the replica of each call (`Service.client` only). Default: round robin over the replicas. */
  picker?: ReplicaPicker;
}

/** A request to a service endpoint as it travels (the message's payload; what waits in a queue with it). */
class Wire {
  /**
   * The propagated deadline, null for none (a field that holds small integers or null is stored
   * in the object; one that held Infinity would make every wire box its number).
   */
  readonly dUs: number | null;
  constructor(
    readonly ep: Endpoint,
    deadlineUs: number,
    /** The request's key. */
    readonly k: string | number,
    /** The request's body. */
    readonly p: unknown,
    /** The request's tenant ('' for none). */
    readonly t: string,
  ) {
    this.dUs = deadlineUs === Infinity ? null : deadlineUs;
  }
  /** The propagated deadline (Infinity for none). */
  get d(): number {
    const d = this.dUs;
    return d === null ? Infinity : d;
  }
}

/**
 * What a replica keeps of a request from its arrival to its answer, instead of its message (a
 * request may wait minutes in a queue: what waits is lean, one object): the wire payload's
 * fields, the sender and receiver, and the call to answer, which unlinks itself from here when
 * it finishes first.
 */
class Req implements CallLink {
  readonly ep: Endpoint;
  /** The propagated deadline, null for none (see `Wire`). */
  private readonly dUs: number | null;
  readonly k: string | number;
  readonly p: unknown;
  readonly t: string;
  constructor(
    w: Wire,
    /** Sender's and receiver's network index. */
    readonly src: number,
    readonly dst: number,
    readonly callId: number,
    public call: PendingCall | null,
  ) {
    this.ep = w.ep;
    this.dUs = w.dUs;
    this.k = w.k;
    this.p = w.p;
    this.t = w.t;
  }
  /** The propagated deadline (Infinity for none). */
  get d(): number {
    const d = this.dUs;
    return d === null ? Infinity : d;
  }
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
    return replicas[this.nextIndex(replicas.length)]!;
  }
  /** The position of the next replica of `n` (> 0): 0, 1, …, n − 1, 0, … */
  nextIndex(n: number): number {
    const i = this.next < n ? this.next : this.next % n;
    this.next = i + 1 === n ? 0 : i + 1;
    return i;
  }
}

interface Endpoint {
  name: string;
  /** Its service. */
  svc: Service<any>;
  /** Its position among the service's endpoints (indexes `Replica.workDone`). */
  ordinal: number;
  spec: EndpointSpec;
  sampler: Sampler | null;
  /** Reply size in bytes (`responseBytes`). */
  responseBytes: number;
  /** Per replica node name: the endpoint's `calls`, as that replica makes them. */
  calls: Map<string, Call[]> | null;
  /** Served outside the worker pool. */
  noPool: boolean;
  /** Memory a request holds on its replica from arrival to reply, MiB (0: none). */
  memoryMb: number;
}

/** A service's state on one of its replica nodes (found from the node on the hot path). */
interface Replica {
  readonly node: Node;
  /** Its worker pool (`workers`), or null. */
  readonly pool: Resource | null;
  /** Its request threads (`threadPool`), or undefined. */
  readonly threads: ThreadPool | undefined;
  /** Requests served (ok or not). */
  served: number;
  /** Per endpoint (by ordinal): what runs when a request's CPU work ends (see `Service.workDone`). */
  readonly workDone: (WorkDone | undefined)[];
}

/** The continuation of a request's CPU work on one replica, valid for one life of its process. */
interface WorkDone {
  incarnation: number;
  fn: (q: Req, error: string | null) => void;
}

/**
 * A declared service: its replicas (node names), endpoints and per-replica worker pools, and the
 * calls that reach it over the simulated network (`client`, `replicaClient`, `endpointsFor`).
 * Made by `service(...)` on the build context or `App.service`, not constructed directly.
 */
export class Service<E extends string = string> {
  readonly endpoints = new Map<string, Endpoint>();
  readonly pools = new Map<string, Resource>();
  /** Per replica: its request threads (`threadPool`). */
  readonly threadPools = new Map<string, ThreadPool>();
  /** Per replica, per dependency service: its connection pool (`connectionPools`). */
  readonly connectionPools = new Map<string, Map<string, ConnectionPool>>();
  /** Per replica, per client: its copy wrapped in the replica's connection pool (`connectionPools`). */
  private readonly pooledCalls = new Map<string, Map<Client<any>, Call>>();
  /** Per replica node: the service's state there. */
  private readonly byNode = new Map<Node, Replica>();
  /** The node names of its replicas. */
  readonly replicas: readonly string[];
  private readonly rng: Random;

  constructor(
    readonly app: App,
    readonly index: number,
    readonly spec: ServiceSpec<E>,
  ) {
    const where = `service ${spec.name}`;
    if (spec.workers !== undefined && !(Number.isInteger(spec.workers) && spec.workers >= 1)) {
      throw new InputError(`${where}: workers=${spec.workers} is not valid; use an integer ≥ 1`);
    }
    if (spec.threadPool !== undefined) {
      if (spec.workers !== undefined) throw new InputError(`${where}: give workers (a plain pool) or threadPool (Resilience4j ThreadPoolBulkhead), not both`);
      expectObject(`${where}: threadPool`, spec.threadPool, 'thread pool settings such as { maxThreadPoolSize: 50, coreThreadPoolSize: 50, queueCapacity: 100 }');
      checkKeys(`${where}: threadPool`, spec.threadPool, Object.keys(THREAD_POOL_KEYS));
    }
    if (spec.connectionPools !== undefined) {
      expectObject(`${where}: connectionPools`, spec.connectionPools, 'connection pools by dependency service name, such as { db: { maximumPoolSize: 10 } }');
      for (const [dep, c] of Object.entries(spec.connectionPools)) {
        expectObject(`${where}: connectionPools.${dep}`, c, 'HikariCP settings such as { maximumPoolSize: 10, connectionTimeout: "30s" }');
        checkKeys(`${where}: connectionPools.${dep}`, c, [...Object.keys(CONNECTION_POOL_KEYS), 'connect']);
        if (c.connect !== undefined && !isClient(c.connect)) throw new InputError(`${where}: connectionPools.${dep}.connect must be a client of the ${dep} service's handshake endpoint, made with client(${dep}, "endpoint")`);
      }
    }
    this.replicas = app._replicaNodes(spec);
    for (const [name, e] of Object.entries<EndpointSpec>(spec.endpoints)) {
      const ew = `${where}: endpoints.${name}`;
      expectObject(ew, e, 'an endpoint spec such as { work: "5ms" }');
      checkKeys(ew, e, Object.keys(ENDPOINT_KEYS));
      if (e.handler !== undefined && typeof e.handler !== 'function') throw new InputError(`${ew}: handler must be a function (h, done) => void`);
      if (e.workers !== undefined && e.workers !== false) throw new InputError(`${ew}: workers may only be false (served outside the worker pool)`);
      if (e.memoryPerRequestMb !== undefined && !(typeof e.memoryPerRequestMb === 'number' && e.memoryPerRequestMb >= 0 && e.memoryPerRequestMb <= 1_048_576)) {
        throw new InputError(`${ew}: memoryPerRequestMb=${e.memoryPerRequestMb} is not valid; use MiB in [0, 1048576]`);
      }
      if (e.calls !== undefined && !Array.isArray(e.calls)) throw new InputError(`${ew}: calls must be a list of clients (client(service, "endpoint", …)) or calls`);
      e.calls?.forEach((c, i) => {
        if (!isClient(c) && typeof c !== 'function') throw new InputError(`${ew}: calls[${i}] is not a client or a call; make one with client(service, "endpoint", { … })`);
      });
      this.endpoints.set(name, {
        name,
        svc: this,
        ordinal: this.endpoints.size,
        spec: e,
        sampler: e.work !== undefined ? durationSampler(e.work, `service ${spec.name}.${name}.work`) : null,
        responseBytes: e.responseBytes ?? 0,
        calls: null,
        noPool: e.workers === false,
        memoryMb: e.memoryPerRequestMb ?? 0,
      });
    }
    this.rng = app.random.get(`app/${spec.name}`);
    for (const n of this.replicas) {
      const node = app.world.node(n);
      if (spec.threadPool !== undefined) this.threadPools.set(n, new ThreadPool(app.sim, `${spec.name}/${n}`, spec.threadPool, node));
      if (spec.connectionPools !== undefined) {
        const byDep = new Map<string, ConnectionPool>();
        for (const [dep, c] of Object.entries(spec.connectionPools)) {
          const connect = c.connect;
          const connector = connect === undefined ? null : (done: (ok: boolean) => void): void => connect.callFrom(n)(newCallContext(app.sim, {}), (o) => done(o.ok));
          byDep.set(dep, new ConnectionPool(app.sim, `${spec.name}/${n}→${dep}`, c, node, connector));
        }
        this.connectionPools.set(n, byDep);
      }
      if (spec.workers !== undefined) {
        const pool = new Resource(app.sim, spec.workers);
        this.pools.set(n, pool);
        // a crash kills every thread: the pool restarts empty
        app.world.node(n).onCrash(() => {
          pool.clearQueue();
          pool.inUse = 0;
        });
      }
      this.byNode.set(node, { node, pool: this.pools.get(n) ?? null, threads: this.threadPools.get(n), served: 0, workDone: [] });
    }
    const coupled =
      spec.threadPool !== undefined ||
      spec.connectionPools !== undefined ||
      [...this.endpoints.values()].some((e) => e.memoryMb > 0) ||
      this.replicas.some((n) => app.world.node(n).coupled);
    if (coupled) app._observeResources(this);
  }

  get name(): string {
    return this.spec.name;
  }

  /** Requests served per replica (ok or not), by node name. */
  get served(): Map<string, number> {
    return new Map([...this.byNode.values()].map((r) => [r.node.name, r.served]));
  }

  /** @internal make each replica's copy of the endpoints' `calls` (after the service is registered). */
  _bindCalls(): void {
    for (const ep of this.endpoints.values()) {
      const deps = ep.spec.calls;
      if (deps === undefined || deps.length === 0) continue;
      ep.calls = new Map(this.replicas.map((n): [string, Call[]] => [n, deps.map((d) => (typeof d === 'function' ? d : this._callOf(d, n)))]));
    }
  }

  /** Worker threads busy on a replica (0 without a pool). */
  workersBusy(node: string): number {
    return this.pools.get(node)?.inUse ?? this.threadPools.get(node)?.active ?? 0;
  }

  /** @internal this replica's copy of a client, through the replica's connection pool to its service if it has one. */
  _callOf(c: Client<any>, node: string): Call {
    const pool = this.connectionPools.get(node)?.get(c.service.name);
    if (pool === undefined) return c.callFrom(node);
    let byClient = this.pooledCalls.get(node);
    if (byClient === undefined) this.pooledCalls.set(node, (byClient = new Map()));
    let call = byClient.get(c);
    if (call === undefined) byClient.set(c, (call = pooledCall(pool, c.callFrom(node))));
    return call;
  }

  /**
   * A `Call` that reaches `endpoint` from node `from` over the network, through `picker`
   * (round robin by default). Compose policies around it with `wrap`/`pipeline`.
   */
  client(from: string, endpoint: string, options: ClientOptions = {}): Call {
    if (typeof from !== 'string' || !this.app.world.hasNode(from)) {
      throw new InputError(`client of ${this.name}: unknown node ${JSON.stringify(from)};${typeof from === 'string' ? didYouMean(from, this.app.world.nodeNames) : ''} nodes: ${this.app.world.nodeNames.join(', ')}`);
    }
    if (!this.endpoints.has(endpoint)) {
      const names = [...this.endpoints.keys()];
      throw new InputError(`service ${this.name} has no endpoint ${JSON.stringify(endpoint)};${didYouMean(endpoint, names)} endpoints: ${names.join(', ')}`);
    }
    const timeoutUs = options.timeout !== undefined ? parseDuration(options.timeout, `client ${from}→${this.name}.timeout`) : NO_TIMEOUT_US;
    // the default round robin is asked for a replica's position (its node is then found without a lookup)
    const rr = options.picker === undefined ? new RoundRobin() : null;
    const picker: ReplicaPicker = options.picker ?? rr!;
    // the network exists once the world is sealed (when build returns); the call needs it only when made
    const world = this.app.world;
    let net: Network | null = world.sealed ? world.net : null;
    const sim = this.app.sim;
    const ep = this.endpoints.get(endpoint)!;
    const reqBytes = ep.spec.requestBytes ?? 0;
    const replicas = this.replicas;
    let src = -1;
    /** The network index of each replica's node (for the round robin). */
    let dsts: Int32Array | null = null;
    // The attempts of one request (a retry's) carry the same deadline, key, body and tenant: they
    // share the last request's wire payload when it matches (payloads are values, never changed).
    let lastWire: Wire | null = null;
    return (ctx: CallContext, done: Done): void => {
      if (ctx.expired) {
        done(rejection(ErrorKinds.deadlineExceeded));
        return;
      }
      let k = -1;
      let target: string | null;
      if (rr !== null) {
        if (replicas.length === 0) target = null;
        else target = replicas[(k = rr.nextIndex(replicas.length))]!;
      } else target = picker.pick(ctx, replicas);
      if (target === null) {
        done(rejection(ErrorKinds.noHealthyUpstream));
        return;
      }
      const budget = Math.min(timeoutUs, ctx.remainingUs());
      let wire = lastWire;
      if (wire === null || wire.d !== ctx.deadlineUs || wire.k !== ctx.key || wire.p !== ctx.body || wire.t !== ctx.tenant) {
        lastWire = wire = new Wire(ep, ctx.deadlineUs, ctx.key, ctx.body, ctx.tenant);
      }
      if (rr === null) picker.onStart?.(target);
      const n = (net ??= world.net);
      if (src === -1) src = n.indexOf(from);
      const dst = k >= 0 ? (dsts ??= Int32Array.from(replicas, (r) => n.indexOf(r)))[k]! : n.indexOf(target);
      if (dst !== -1 && (rr !== null || picker.onResult === undefined)) {
        // a picker told nothing of the outcome: the call itself carries what its reply needs
        n._call(src, dst, wire, Math.max(1, budget), onPlainReply, done, reqBytes, ctx);
        return;
      }
      const pending: Pending = { done, startUs: sim.now, picker, target, ctx };
      // a name the network does not know: its call reports it
      if (dst === -1) n.call(from, target, wire, Math.max(1, budget), onReply, pending, reqBytes);
      else n._call(src, dst, wire, Math.max(1, budget), onReply, pending, reqBytes);
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

  /** @internal serve a request that arrived at `node` (a replica of this service: `_replicaOn`). */
  _serve(rep: Replica, msg: Message<Wire>): void {
    const node = rep.node;
    const w = msg.payload;
    if (w.t !== '' && isPoisoned(this.app.world, w.t)) {
      // a poison pill: the request crashes the process that reads it
      node.crash(`poison pill from tenant ${w.t}`, 'process');
      return;
    }
    // from here the replica keeps the request's `Req`, not its message
    const q = new Req(w, msg.src, msg.dst, msg.callId, msg.call);
    this.app.world.net._handOver(msg, q);
    const ep = w.ep;
    // the request's memory is held from its arrival to its reply (released in finishServing)
    if (ep.memoryMb > 0) node.holdMemory(ep.memoryMb);
    const pool = ep.noPool ? null : rep.pool;
    const threads = ep.noPool ? undefined : rep.threads;
    if (threads !== undefined) {
      const state = new Serving(ep, rep, q, null);
      if (!threads.submit(startOnThread, state)) finishServing(state, false, ErrorKinds.bulkheadFull);
      return;
    }
    if (pool === null && this.app.sim.now < w.d) {
      // Without a worker pool the request goes straight to the node's queue, where it may wait a
      // long time: it waits as its `Req` alone, and its `Serving` is made when the work ends.
      node.execute(this.workDone(ep, rep).fn, q, this._sample(ep));
      return;
    }
    const state = new Serving(ep, rep, q, pool);
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
  private workDone(ep: Endpoint, rep: Replica): WorkDone {
    const w = rep.workDone[ep.ordinal];
    return w !== undefined && w.incarnation === rep.node.incarnation ? w : this.newWorkDone(ep, rep);
  }

  /** `workDone` for a new life (apart from it: a function that makes a closure allocates its variables' context on every call). */
  private newWorkDone(ep: Endpoint, rep: Replica): WorkDone {
    const node = rep.node;
    const incarnation = node.incarnation;
    const w: WorkDone = {
      incarnation,
      fn: (q, error) => {
        if (node.incarnation !== incarnation) return;
        // a refusal is answered at once: no per-request state to make
        if (error !== null) answer(this, ep, rep, q, false, error === 'node-down' ? ErrorKinds.unavailable : error);
        else afterWork(new Serving(ep, rep, q, null), null);
      },
    };
    rep.workDone[ep.ordinal] = w;
    return w;
  }

  /** @internal this service's state on `node`, or undefined when it has no replica there. */
  _replicaOn(node: Node): Replica | undefined {
    return this.byNode.get(node);
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
  const outcome = replyOutcome(p.ctx, reply, error, p.ctx.sim.now - p.startUs);
  p.picker.onResult?.(p.target, outcome);
  p.done(outcome);
}

/** The reply (or timeout) of a call whose picker is told nothing (see `Network._call`'s `arg2`). */
function onPlainReply(done: Done, reply: Message<Reply> | null, error: string | null, ctx: CallContext, startUs: number): void {
  done(replyOutcome(ctx, reply, error, ctx.sim.now - startUs));
}

/** A call's outcome from its reply, or from its error (no reply). */
function replyOutcome(ctx: CallContext, reply: Message<Reply> | null, error: string | null, latency: number): Outcome {
  if (error !== null || reply === null) return errorOutcome(ctx.expired ? ErrorKinds.deadlineExceeded : ErrorKinds.timeout, latency);
  if (reply.corrupted) return errorOutcome('corrupt-response', latency);
  const r = reply.payload;
  if (r.degraded) return { ok: r.ok, error: r.error, latencyUs: latency, value: r.value, degraded: true };
  if (r.ok) return okOutcome(latency, r.value);
  // an error may carry a value too (a redirect's hint: "not primary; try db-2")
  return r.value === undefined ? errorOutcome(r.error || ErrorKinds.unavailable, latency) : { ok: false, error: r.error || ErrorKinds.unavailable, latencyUs: latency, value: r.value };
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
  /** Gives back the request's thread (`threadPool`). */
  threadRelease: (() => void) | null = null;
  private context: CallContext | null = null;

  constructor(
    readonly ep: Endpoint,
    readonly rep: Replica,
    readonly q: Req,
    readonly pool: Resource | null,
  ) {
    this.incarnation = rep.node.incarnation;
  }

  get service(): Service {
    return this.ep.svc;
  }
  get node(): Node {
    return this.rep.node;
  }
  get app(): App {
    return this.service.app;
  }
  get endpoint(): string {
    return this.ep.name;
  }
  get from(): string {
    return this.service.app.world.net.names[this.q.src]!;
  }
  get ctx(): CallContext {
    if (this.context === null) {
      const w = this.q;
      this.context = new CallContext(this.service.app.sim, w.d, w.k);
      this.context.tenant = w.t;
      this.context.body = w.p;
    }
    return this.context;
  }
  get body(): unknown {
    return this.q.p;
  }
  work(then: (error: string | null) => void, serviceUs?: number): void {
    this.node.execute((_: null, err) => then(err), null, serviceUs);
  }
  call(dependency: Call | Client<any>, then: Done, body?: unknown): void {
    const child = this.ctx.child();
    child.body = body;
    const inc = this.incarnation;
    const node = this.node;
    const call = typeof dependency === 'function' ? dependency : this.service._callOf(dependency, node.name);
    call(child, (o) => {
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
  if (s.service.app.sim.now >= s.q.d) {
    // The caller has given up already: do not waste work (gRPC servers see the deadline too).
    finishServing(s, false, ErrorKinds.deadlineExceeded);
    return;
  }
  s.node.execute(afterWork, s, s.service._sample(s.ep));
}

function startOnThread(s: Serving, release: () => void): void {
  s.threadRelease = release;
  startServing(s);
}

/** A call that holds a connection of `pool` for its duration (see `ServiceSpec.connectionPools`). */
function pooledCall(pool: ConnectionPool, call: Call): Call {
  return (ctx, done) => {
    const startUs = pool.sim.now;
    pool.acquire(
      (_: null, connection, error) => {
        if (error !== null) {
          done(errorOutcome(error === 'node-down' ? ErrorKinds.unavailable : error, pool.sim.now - startUs));
          return;
        }
        call(ctx, (o) => {
          pool.release(connection, !o.ok && (o.error === ErrorKinds.timeout || o.error === ErrorKinds.unavailable));
          done(o);
        });
      },
      null,
    );
  };
}

function afterWork(s: Serving, error: string | null): void {
  if (error !== null) {
    finishServing(s, false, error === 'node-down' ? ErrorKinds.unavailable : error);
    return;
  }
  const handler = s.ep.spec.handler;
  if (handler === undefined) {
    const calls = s.ep.calls?.get(s.node.name);
    if (calls === undefined) finishServing(s, true, '');
    else callInTurn(s, calls, 0, false);
    return;
  }
  handler(s, (o: Outcome) => finishServing(s, o.ok, o.error, o.value, o.degraded));
}

/** An endpoint's `calls`, one after the other: the first failure, or the last value, is its answer. */
function callInTurn(s: Serving, calls: readonly Call[], i: number, degraded: boolean, value?: unknown): void {
  if (i === calls.length) {
    finishServing(s, true, '', value, degraded);
    return;
  }
  s.call(calls[i]!, (o) => {
    if (!o.ok) finishServing(s, false, o.error, o.value, degraded || o.degraded);
    else callInTurn(s, calls, i + 1, degraded || o.degraded === true, o.value);
  });
}

function finishServing(s: Serving, ok: boolean, error: string, value?: unknown, degraded?: boolean): void {
  if (s.replied) return;
  s.replied = true;
  const node = s.rep.node;
  // a crash already emptied the pool; otherwise give the worker back
  if (s.holdsWorker && node.incarnation === s.incarnation) s.pool!.release();
  if (s.threadRelease !== null) s.threadRelease();
  if (node.incarnation !== s.incarnation) return;
  answer(s.ep.svc, s.ep, s.rep, s.q, ok, error, value, degraded);
}

/** Answer a request served (or refused) on a live replica: its memory back, counted, the reply sent. */
function answer(svc: Service, ep: Endpoint, rep: Replica, q: Req, ok: boolean, error: string, value?: unknown, degraded?: boolean): void {
  if (ep.memoryMb > 0) rep.node.releaseMemory(ep.memoryMb);
  rep.served++;
  let reply: Reply;
  if (value === undefined && !degraded) reply = plainReply(ok, error);
  else {
    reply = value === undefined ? { ok, error } : { ok, error, value };
    if (degraded) reply.degraded = true;
  }
  // the reply to the request (what `Network.reply` sends for its message)
  svc.app.world.net.sendIdx(q.dst, q.src, reply, ep.responseBytes, -q.callId, q.call);
}

const OK_REPLY: Reply = Object.freeze({ ok: true, error: '' });
const ERROR_REPLIES = new Map<string, Reply>();
/** The failed reply `plainReply` returned last (a refused storm answers one error after another). */
let lastErrorReply: Reply = Object.freeze({ ok: false, error: '' });
/** The shared reply without a value (replies are read, never changed: see the network's corruption). */
function plainReply(ok: boolean, error: string): Reply {
  if (ok && error === '') return OK_REPLY;
  if (!ok && lastErrorReply.error === error) return lastErrorReply;
  const key = ok ? `ok:${error}` : error;
  let r = ERROR_REPLIES.get(key);
  if (r === undefined) ERROR_REPLIES.set(key, (r = Object.freeze({ ok, error })));
  if (!ok) lastErrorReply = r;
  return r;
}

/** The connect of a TCP health check, and its answer (frozen: messages are read, never changed). */
const TCP_SYN = Object.freeze({ tcp: 'syn' });
const TCP_ACK = Object.freeze({ tcp: 'syn-ack' });

/** The set of services of one scenario, multiplexed onto the world's nodes. */
export class App {
  readonly services: Service<any>[] = [];
  private readonly byNode = new Map<string, Service<any>[]>();

  constructor(
    readonly ctx: AppContext,
    readonly world: World,
  ) {
    if (!ctx || typeof (ctx as { sim?: { schedule?: unknown } }).sim?.schedule !== 'function' || !world || typeof (world as World).node !== 'function') {
      throw new InputError('createApp(ctx, world): give the build context and the world from createWorld(ctx, …); inside build, service(...) from the build context needs neither');
    }
    handlePoisonPills(world);
  }

  get sim(): Simulation {
    return this.ctx.sim;
  }
  get random(): RandomStreams {
    return this.ctx.random;
  }
  get requests(): RequestStats {
    return this.ctx.requests;
  }

  private observed: Service<any>[] | null = null;

  /**
   * @internal Publish the coupled resources of a service's replicas as series of the run's
   * metrics, sampled every 250 ms (the report draws them): `memory.<node>.usedMb`,
   * `cpu.<node>.util` (cores busy, a stop-the-world collection counting every core),
   * `requests-held.<node>.inflight`, `threadpool.<node>.threads-inflight` and `.queue`,
   * `connpool.<node>.<dependency>.inflight` and `.pending`. Only within a run (the build
   * context), where the sampler runs in the background and does not keep the run alive.
   */
  _observeResources(svc: Service<any>): void {
    const runEnd = this.ctx.runEnd;
    if (runEnd === undefined) return;
    if (this.observed !== null) {
      this.observed.push(svc);
      return;
    }
    const observed: Service<any>[] = (this.observed = [svc]);
    runEnd.backgroundComponent('resource series (memory, CPU, pools)');
    const sim = this.sim;
    const metrics = this.ctx.metrics;
    const last = new Map<Node, { busyUs: number; atUs: number }>();
    const tick = (): void => {
      const seen = new Set<Node>();
      for (const s of observed) {
        for (const n of s.replicas) {
          const node = this.world.node(n);
          if (!seen.has(node)) {
            seen.add(node);
            node.trackCpu();
            const busy = node.cpuBusyUs();
            const prev = last.get(node);
            if (prev !== undefined && sim.now > prev.atUs) metrics.seriesOf(`cpu.${n}.util`).add(sim.now, Math.min(1, (busy - prev.busyUs) / ((sim.now - prev.atUs) * node.cores)));
            last.set(node, { busyUs: busy, atUs: sim.now });
            metrics.seriesOf(`memory.${n}.usedMb`).add(sim.now, node.alive ? node.memoryUsedMb() : 0);
            metrics.seriesOf(`requests-held.${n}.inflight`).add(sim.now, node.requestsHeld);
          }
          const tp = s.threadPools.get(n);
          if (tp !== undefined) {
            metrics.seriesOf(`threadpool.${n}.threads-inflight`).add(sim.now, tp.active);
            metrics.seriesOf(`threadpool.${n}.queue`).add(sim.now, tp.queued);
          }
          for (const [dep, cp] of s.connectionPools.get(n) ?? []) {
            metrics.seriesOf(`connpool.${n}.${dep}.inflight`).add(sim.now, cp.active);
            metrics.seriesOf(`connpool.${n}.${dep}.pending`).add(sim.now, cp.waiting);
          }
        }
      }
      sim.schedule(250_000, tick, null);
    };
    sim.schedule(0, tick, null);
  }

  /** Declare a service (see `ServiceSpec`); its endpoints' clients get their copies now. */
  service<E extends string>(spec: ServiceSpec<E>): Service<E> {
    expectObject('service(spec)', spec, 'a service spec such as { name: "api", endpoints: { get: {} } }');
    const where = `service ${typeof spec.name === 'string' ? spec.name : JSON.stringify(spec.name)}`;
    checkKeys(where, spec, Object.keys(SERVICE_KEYS));
    if (typeof spec.name !== 'string' || spec.name.length === 0) throw new InputError('service: name is required (a non-empty string)');
    expectObject(`${where}: endpoints`, spec.endpoints, 'an object of endpoints such as { get: { work: "5ms" } }');
    if (Object.keys(spec.endpoints).length === 0) throw new InputError(`${where}: give at least one endpoint, such as endpoints: { get: { work: "5ms" } }`);
    if (this.services.some((s) => s.name === spec.name)) throw new InputError(`service ${spec.name} is defined twice`);
    const svc = new Service<E>(this, this.services.length, spec);
    this.services.push(svc);
    for (const n of svc.replicas) {
      let list = this.byNode.get(n);
      if (list === undefined) {
        list = [];
        this.byNode.set(n, list);
        const node = this.world.node(n);
        const services = list;
        this.world.onSeal(() => {
          const net = this.world.net;
          net.listen(n, (msg: Message<any>) => {
            const w: unknown = msg.payload;
            if (msg.callId <= 0) return;
            if (w === TCP_SYN) {
              net.reply(msg, TCP_ACK);
              return;
            }
            if (!(w instanceof Wire)) return;
            const target = w.ep.svc;
            // a request for a service of this node (of this app)
            const rep = (services.length === 1 ? services[0] === target : services.includes(target)) ? target._replicaOn(node) : undefined;
            if (rep === undefined) return;
            target._serve(rep, msg as Message<Wire>);
          });
        });
      }
      list.push(svc);
    }
    svc._bindCalls();
    return svc;
  }

  /**
   * @internal The replica nodes of a service spec, adding the ones that do not exist yet while the
   * world is open (see `ServiceSpec.nodes`).
   */
  _replicaNodes(spec: ServiceSpec<any>): string[] {
    const where = `service ${spec.name}`;
    const w = this.world;
    if (spec.nodes !== undefined && spec.replicas !== undefined) {
      throw new InputError(`${where}: give nodes (their names) or replicas (how many), not both`);
    }
    if (spec.zone !== undefined && spec.zones !== undefined) throw new InputError(`${where}: give zone or zones, not both`);
    if (spec.replicas !== undefined && !(Number.isInteger(spec.replicas) && spec.replicas >= 1 && spec.replicas <= 100_000)) {
      throw new InputError(`${where}: replicas=${spec.replicas} is not valid; use an integer in [1, 100000]`);
    }
    if (spec.nodes !== undefined && (!Array.isArray(spec.nodes) || spec.nodes.length === 0 || !spec.nodes.every((n) => typeof n === 'string'))) {
      throw new InputError(`${where}: nodes must list at least one node name`);
    }
    if (spec.zones !== undefined && (!Array.isArray(spec.zones) || spec.zones.length === 0)) throw new InputError(`${where}: zones must list at least one zone`);
    if (spec.node !== undefined) {
      expectObject(`${where}: node`, spec.node, 'node settings such as { cores: 4 }');
      checkKeys(`${where}: node`, spec.node, NODE_KEYS.filter((k) => k !== 'name' && k !== 'zone'));
    }
    const names = spec.nodes !== undefined ? [...spec.nodes] : spec.replicas !== undefined ? Array.from({ length: spec.replicas }, (_, i) => `${spec.name}-${i + 1}`) : [spec.name];
    if (new Set(names).size !== names.length) throw new InputError(`${where}: nodes lists a node twice`);
    const placed = spec.node !== undefined || spec.zone !== undefined || spec.zones !== undefined;
    names.forEach((n, i) => {
      if (w.hasNode(n)) {
        if (placed && !w.sealed) {
          throw new InputError(`${where}: node ${JSON.stringify(n)} exists already, with the settings it was declared with; give node, zone or zones only for the nodes a service adds`);
        }
        return;
      }
      if (w.sealed) {
        throw new InputError(`${where}: unknown node ${JSON.stringify(n)};${didYouMean(n, w.nodeNames)} nodes: ${w.nodeNames.join(', ')}`);
      }
      const zone = spec.zone ?? (spec.zones !== undefined ? spec.zones[i % spec.zones.length] : undefined);
      w.addNode({ ...spec.node, name: n, ...(zone !== undefined ? { zone } : {}) }, where);
    });
    return names;
  }

  /**
   * A TCP health check from node `from` (Envoy `tcp_health_check` with no payload): a connect that
   * the replica's kernel answers while its process is alive, without queueing behind requests.
   */
  tcpProbe(from: string, timeout: Duration): HealthProbe {
    const timeoutUs = Math.max(1, parseDuration(timeout, 'tcp_health_check timeout'));
    return (ep, done) => this.world.net.call(from, ep.id, TCP_SYN, timeoutUs, tcpAnswered, done);
  }
}

function tcpAnswered(done: (healthy: boolean) => void, reply: Message<any> | null, error: string | null): void {
  done(error === null && reply !== null && reply.payload === TCP_ACK);
}

/** @internal On a build context: `createApp(ctx, world)` on the context's world is the context's app. */
export const ADOPT_APP: unique symbol = Symbol.for('faultline.adoptApp') as never;

/** The app of a scenario: its services on the world's nodes. Inside build, `service(...)` from the build context needs no app. */
export function createApp(ctx: AppContext, world: World): App {
  const adopt = (ctx as { [ADOPT_APP]?: (world: World) => App | null } | undefined)?.[ADOPT_APP];
  return (typeof adopt === 'function' ? adopt(world) : null) ?? new App(ctx, world);
}
