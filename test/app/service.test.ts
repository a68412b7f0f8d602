import { describe, expect, it } from 'vitest';
import { defineScenario, run, type ScenarioSpec } from '../../sim/index.ts';
import { createWorld } from '../../sim/world/index.ts';
import { createApp, openLoop, closedLoop, compileRate } from '../../sim/app/index.ts';
import { errorOutcome, newCallContext, okOutcome, type Outcome } from '../../sim/patterns/call.ts';
import type { Handling } from '../../sim/app/index.ts';

/** A scenario with nothing but a build function, for tests of the app layer. */
function tiny(name: string, build: ScenarioSpec<Record<string, never>>['build']) {
  return defineScenario({ name, title: 't', description: '', params: {}, build });
}

function twoTier(opts: { apiWorkers?: number; dbWorkMs?: string; timeout?: string; crashDb?: boolean; late?: { failed: number } }) {
  return defineScenario({
    name: 'two-tier',
    title: 'client → api → db',
    description: 'test',
    params: {},
    faults: opts.crashDb ? [{ at: '2s', kind: 'crash', target: 'db1', for: '2s' }] : [],
    build(ctx) {
      const world = createWorld(ctx, { nodes: ['client', 'api1', 'api2', { name: 'db1', cores: 4 }], network: { latency: '1ms' } });
      const app = createApp(ctx, world);
      const db = app.service({ name: 'db', nodes: ['db1'], endpoints: { query: { work: opts.dbWorkMs ?? '2ms' } } });
      const api = app.service({
        name: 'api',
        nodes: ['api1', 'api2'],
        workers: opts.apiWorkers,
        endpoints: {
          get: {
            work: '1ms',
            handler: (h, done) => h.call(db.client(h.node.name, 'query', { timeout: opts.timeout }), done),
          },
        },
      });
      const call = api.client('client', 'get', { timeout: '1s' });
      openLoop(ctx, {
        rate: 100,
        until: opts.crashDb ? '12s' : '6s',
        call,
        onOutcome: (o, startUs) => {
          if (opts.late && startUs > 10_000_000 && !o.ok) opts.late.failed++;
        },
      });
      return {};
    },
  });
}

describe('app: services, clients and workloads', () => {
  it('requests flow client → api → db and back; latency includes network hops and work', () => {
    const r = run(twoTier({}), { seed: 1 });
    expect(r.metrics.requests).toBeGreaterThan(500);
    expect(r.metrics.availability).toBe(1);
    // 4 one-way hops of 1 ms + 1 ms api work + 2 ms db work ≈ 7 ms
    expect(r.metrics.latencyMs.p50).toBeGreaterThanOrEqual(7);
    expect(r.metrics.latencyMs.p50).toBeLessThan(9);
  });

  it('a crashed dependency fails requests with timeouts while it is down, and they succeed after', () => {
    // crashed 2–4 s, then restarting for the default restartDelay of 5 s: down 2–9 s of 12 s
    const late = { failed: 0 };
    const r = run(twoTier({ crashDb: true, timeout: '100ms', late }), { seed: 1 });
    expect(r.metrics.availability).toBeGreaterThan(0.35);
    expect(r.metrics.availability).toBeLessThan(0.5);
    expect(late.failed).toBe(0);
  });

  it('a worker pool is exhausted by a slow dependency: requests queue and time out at the client', () => {
    const fast = run(twoTier({ apiWorkers: 2, dbWorkMs: '2ms' }), { seed: 1 });
    const slow = run(twoTier({ apiWorkers: 2, dbWorkMs: '60ms' }), { seed: 1 });
    expect(fast.metrics.availability).toBe(1);
    // 2 api replicas × 2 workers, each held ≥ 60 ms: at most ≈ 67 requests/s get through at 100/s offered
    expect(slow.metrics.availability).toBeLessThan(0.9);
  });

  it('compileRate shapes: ramp, burst, steps and diurnal', () => {
    const ramp = compileRate({ shape: 'ramp', fromPerSec: 0, toPerSec: 100, over: '10s' });
    expect(ramp.at(5_000_000) * 1e6).toBeCloseTo(50, 9);
    const burst = compileRate({ shape: 'burst', basePerSec: 10, burstPerSec: 50, at: '1s', for: '1s' });
    expect(burst.at(1_500_000) * 1e6).toBeCloseTo(50, 9);
    expect(burst.at(2_000_000) * 1e6).toBeCloseTo(10, 9);
    const steps = compileRate({ shape: 'steps', steps: [{ at: '0s', perSec: 5 }, { at: '2s', perSec: 7 }] });
    expect(steps.at(2_000_000) * 1e6).toBeCloseTo(7, 9);
    expect(() => compileRate({ shape: 'diurnal', meanPerSec: 10, amplitude: 2, period: '1h' })).toThrow(/amplitude: 2/);
    expect(() => compileRate(-5)).toThrow(/rate ≥ 0/);
  });

  it('open-loop arrivals follow the configured rate; a closed loop self-limits', () => {
    const s = tiny('loops', (ctx) => {
      const world = createWorld(ctx, { nodes: ['c', { name: 's', cores: 1, serviceTime: '10ms' }], network: { latency: '0ms' } });
      const app = createApp(ctx, world);
      const svc = app.service({ name: 's', nodes: ['s'], endpoints: { e: {} } });
      closedLoop(ctx, { users: 5, thinkTime: '0ms', until: '10s', call: svc.client('c', 'e') });
      return {};
    });
    const r = run(s, { seed: 2 });
    // one core at 10 ms per request: at most 100 requests/s whatever the population
    expect(r.metrics.requests).toBeGreaterThan(950);
    expect(r.metrics.requests).toBeLessThanOrEqual(1005);
  });

  it('a run ends when its work ends, even with clients that have no timeout (no dangling timeout timers)', () => {
    const s = tiny('no-timeout', (ctx) => {
      const world = createWorld(ctx, { nodes: ['c', 's'], network: { latency: '1ms' } });
      const app = createApp(ctx, world);
      const svc = app.service({ name: 's', nodes: ['s'], endpoints: { e: {} } });
      openLoop(ctx, { rate: 10, until: '2s', call: svc.client('c', 'e') });
      return {};
    });
    const r = run(s, { seed: 1 });
    expect(r.metrics.requests).toBeGreaterThan(5);
    expect(r.stats.simTimeMs).toBeLessThan(2_100);
  });

  it('a degraded answer (fallback, stale cache) stays marked as degraded across the network', () => {
    const s = tiny('degraded', (ctx) => {
      const world = createWorld(ctx, { nodes: ['c', 's'], network: { latency: '1ms' } });
      const app = createApp(ctx, world);
      const svc = app.service({
        name: 's',
        nodes: ['s'],
        endpoints: { e: { work: '0ms', handler: (_h, done) => done({ ok: true, error: '', latencyUs: 0, value: 'default', degraded: true }) } },
      });
      openLoop(ctx, { name: 'web', rate: 10, until: '1s', call: svc.client('c', 'e') });
      return { metrics: () => ({ degraded: ctx.metrics.counter('web.degraded').value }) };
    });
    const r = run(s, { seed: 1 });
    expect(r.metrics.requests).toBeGreaterThan(3);
    expect(r.metrics.degraded).toBe(r.metrics.requests);
    expect(r.metrics.availability).toBe(1);
  });

  it('acceptQueueMax: 0 serves requests that find a free worker and refuses only those that would wait', () => {
    const s = tiny('no-accept-queue', (ctx) => {
      const world = createWorld(ctx, { nodes: ['c', { name: 's', cores: 8, serviceTime: '10ms' }], network: { latency: '0ms' } });
      const app = createApp(ctx, world);
      const svc = app.service({ name: 's', nodes: ['s'], workers: 1, acceptQueueMax: 0, endpoints: { e: {} } });
      // one request every 50 ms: each finds the single worker free
      openLoop(ctx, { rate: { shape: 'steps', steps: [{ at: '0s', perSec: 20 }] }, until: '2s', call: svc.client('c', 'e') });
      return {};
    });
    const r = run(s, { seed: 3 });
    expect(r.metrics.requests).toBeGreaterThan(20);
    // Poisson arrivals sometimes land within 10 ms of each other: those are shed, most are served
    expect(r.metrics.availability).toBeGreaterThan(0.7);
    expect(r.metrics.availability).toBeLessThan(1);
  });

  it('requests queued at a replica are served in turn, refused when its queue is full, and lost with it when it crashes', () => {
    const outcomes: [number, string, number][] = [];
    const s = tiny('queued', (ctx) => {
      const world = createWorld(ctx, { nodes: ['c', { name: 's', cores: 1, serviceTime: '10ms', queueMax: 5 }], network: { latency: '0ms' } });
      const app = createApp(ctx, world);
      const svc = app.service({ name: 's', nodes: ['s'], endpoints: { e: {} } });
      const call = svc.client('c', 'e', { timeout: '1s' });
      for (let i = 0; i < 10; i++) call(newCallContext(ctx.sim, { key: i }), (o: Outcome) => outcomes.push([i, o.ok ? 'ok' : o.error, ctx.sim.now / 1000]));
      ctx.sim.schedule(25_000, () => world.node('s').crash('test'), null);
      return { finish: () => outcomes.push([-1, `served ${svc.served.get('s')}`, 0]) };
    });
    run(s, { seed: 1 });
    const byRequest = new Map(outcomes.map(([i, what, ms]) => [i, `${what}@${ms}`]));
    // 1 runs and 5 wait; 4 are refused at once; 2 finish before the crash at 25 ms, 4 die with it
    expect([6, 7, 8, 9].map((i) => byRequest.get(i))).toEqual(Array(4).fill('queue-full@0'));
    expect(byRequest.get(0)).toBe('ok@10');
    expect(byRequest.get(1)).toBe('ok@20');
    expect([2, 3, 4, 5].map((i) => byRequest.get(i))).toEqual(Array(4).fill('timeout@1000'));
    expect(byRequest.get(-1)).toBe('served 6@0');
  });

  it('replicaClient pins a call to one replica; endpointsFor gives { id, call } per replica for a load balancer', () => {
    const served: Record<string, number> = {};
    const s = tiny('pinned', (ctx) => {
      const world = createWorld(ctx, { nodes: ['c', 'a', 'b'], network: { latency: '1ms' } });
      const app = createApp(ctx, world);
      const svc = app.service({ name: 's', nodes: ['a', 'b'], endpoints: { e: {} } });
      expect(() => svc.replicaClient('c', 'e', 'z')).toThrow(/no replica "z"; replicas: a, b/);
      const endpoints = svc.endpointsFor('c', 'e');
      expect(endpoints.map((e) => e.id)).toEqual(['a', 'b']);
      openLoop(ctx, { rate: 50, until: '1s', call: endpoints[1]!.call });
      return { finish: () => Object.assign(served, Object.fromEntries(svc.served)) };
    });
    run(s, { seed: 1 });
    expect(served.a).toBe(0);
    expect(served.b).toBeGreaterThan(20);
  });

  it('a request body reaches the handler (h.body), sub-calls carry only the body they are given, and the answer comes back as outcome.value', () => {
    const seen: unknown[] = [];
    const answers: unknown[] = [];
    const s = tiny('bodies', ({ sim, world, service, client, at }) => {
      world({ nodes: ['c'], network: { latency: '1ms' } });
      const kv = service('kv', {
        endpoints: {
          get: { work: '0ms', handler: (h: Handling<{ key: string } | undefined>, done) => (seen.push(['kv', h.body]), done(okOutcome(0, `value of ${h.body?.key}`))) },
        },
      });
      const get = client(kv, 'get', { timeout: '50ms' });
      const api = service('api', {
        endpoints: {
          read: { work: '0ms', handler: (h, done) => (seen.push(['api', h.body]), h.call(get, done, { key: (h.body as { id: string }).id })) },
          bare: { work: '0ms', handler: (h, done) => (seen.push(['bare', h.body]), h.call(get, done)) },
        },
      });
      const read = client(api, 'read', { timeout: '100ms' }).at('c');
      const bare = client(api, 'bare', { timeout: '100ms' }).at('c');
      at('1ms', () => read.request(newCallContext(sim), { id: 'k1' }, (o) => answers.push(o.value)));
      at('10ms', () => bare.request(newCallContext(sim), { id: 'k2' }, (o) => answers.push(o.ok, o.value)));
      return { untilUs: 1_000_000 };
    });
    run(s, { seed: 1 });
    expect(seen).toEqual([
      ['api', { id: 'k1' }],
      ['kv', { key: 'k1' }],
      ['bare', { id: 'k2' }],
      // no body given to the sub-call: the callee sees none, not its caller's
      ['kv', undefined],
    ]);
    expect(answers[0]).toBe('value of k1');
    expect(answers[1]).toBe(true);
  });

  it('a retried request sends the same body again (retry: { attemptsMax })', () => {
    const bodies: unknown[] = [];
    const outcomes: Outcome[] = [];
    const s = tiny('retried-body', ({ sim, world, service, client, at, constantBackoff }) => {
      world({ nodes: ['c'], network: { latency: '1ms' } });
      let calls = 0;
      const flaky = service('flaky', {
        endpoints: { put: { work: '0ms', handler: (h, done) => (bodies.push(h.body), done(++calls < 3 ? errorOutcome('unavailable', 0) : okOutcome(0, 'stored'))) } },
      });
      const put = client(flaky, 'put', { timeout: '50ms', retry: { attemptsMax: 3, backoff: constantBackoff({ delayMs: 1 }) } }).at('c');
      at('1ms', () => put.request(newCallContext(sim), { key: 'a', value: 1 }, (o) => outcomes.push(o)));
      return { untilUs: 1_000_000 };
    });
    run(s, { seed: 1 });
    expect(bodies).toEqual([{ key: 'a', value: 1 }, { key: 'a', value: 1 }, { key: 'a', value: 1 }]);
    expect(outcomes.map((o) => [o.ok, o.value])).toEqual([[true, 'stored']]);
  });

  it('a handler sees who called (h.from), and an error answer carries its value back (a redirect hint)', () => {
    const got: unknown[] = [];
    const s = tiny('redirect', ({ sim, world, service, client, at }) => {
      world({ nodes: ['c'], network: { latency: '1ms' } });
      const db = service('db', {
        endpoints: { write: { work: '0ms', handler: (h, done) => done({ ok: false, error: 'not-primary', latencyUs: 0, value: `${h.from}: try db-2` }) } },
      });
      const write = client(db, 'write', { timeout: '50ms' }).at('c');
      at('1ms', () => write.request(newCallContext(sim), { key: 'a' }, (o) => got.push([o.ok, o.error, o.value])));
      return { untilUs: 1_000_000 };
    });
    run(s, { seed: 1 });
    expect(got).toEqual([[false, 'not-primary', 'c: try db-2']]);
  });
});
