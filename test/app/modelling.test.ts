// The modelling API bound to a run (build's context): services that add their nodes, clients that
// give each caller its own load balancer and policies, health checks by option, endpoint calls,
// workloads, and the default end of a run that does not say when it ends.
import { describe, expect, it } from 'vitest';
import { defineScenario, runDetailed, type BuildContext, type Model, type RunArtifacts } from '../../sim/index.ts';
import type { ClientHealthCheck } from '../../sim/app/index.ts';

function runModel(build: (ctx: BuildContext<{}>) => Model | void, faults: Record<string, unknown>[] = [], seed = 1): RunArtifacts {
  const s = defineScenario({ name: 'model', title: 'model', description: 'test', params: {}, build, faults: faults as never });
  return runDetailed(s, { seed, traceLevel: 'summary' });
}

describe('service(name, spec)', () => {
  it('replicas: 3 adds nodes <name>-1..3, zones spread them round robin, node sets their hardware', () => {
    let nodes: { name: string; zone: string; cores: number }[] = [];
    runModel(({ service, world }) => {
      service('pay', { replicas: 3, zones: ['a', 'b'], node: { cores: 4 }, endpoints: { charge: {} } });
      service('recs', { endpoints: { list: {} } });
      nodes = world().nodes.map((n) => ({ name: n.name, zone: n.zone, cores: n.cores }));
    });
    expect(nodes.map((n) => n.name)).toEqual(['pay-1', 'pay-2', 'pay-3', 'recs']);
    expect(nodes.slice(0, 3).map((n) => n.zone)).toEqual(['a', 'b', 'a']);
    expect(nodes.slice(0, 3).map((n) => n.cores)).toEqual([4, 4, 4]);
  });

  it('services on the same nodes share them; a world given first sets the defaults', () => {
    let cores: number[] = [];
    runModel(({ world, service }) => {
      world({ nodeDefaults: { cores: 8 }, network: { latency: '1ms' } });
      const web = service('web', { nodes: ['w1', 'w2'], endpoints: { page: {} } });
      service('admin', { nodes: web.replicas, endpoints: { health: {} } });
      cores = world().nodes.map((n) => n.cores);
    });
    expect(cores).toEqual([8, 8]);
  });

  it('world(spec) after a service is refused: the world comes first', () => {
    expect(() =>
      runModel(({ world, service }) => {
        service('web', { endpoints: { page: {} } });
        world({ network: { latency: '1ms' } });
      }),
    ).toThrow(/give the world first, before any service/);
  });
});

describe('client(service, endpoint, options)', () => {
  it('each calling replica gets its own load balancer and policies, labelled by its node', () => {
    let labels: string[] = [];
    const d = runModel(({ service, client, openLoop, metrics }) => {
      const db = service('db', { replicas: 2, endpoints: { query: { work: '1ms' } } });
      const q = client(db, 'query', { loadBalancer: { lbPolicy: 'ROUND_ROBIN' }, circuitBreaker: { failureRateThreshold: 50 }, retry: { attemptsMax: 2 } });
      const api = service('api', { replicas: 2, endpoints: { get: { calls: [q] } } });
      openLoop({ rate: '50/s', until: '2s', call: client(api, 'get') });
      return {
        metrics: () => {
          labels = [...metrics.counters.keys()].filter((k) => k.startsWith('load-balancer.') && k.endsWith('.requests')).sort();
          return { copies: q.origins.length, breakers: q.origins.map((o) => q.at(o).circuitBreaker!.state).join(',') };
        },
      };
    });
    expect(d.result.metrics.copies).toBe(2);
    expect(d.result.metrics.breakers).toBe('closed,closed');
    expect(labels).toEqual(['load-balancer.api-1/db.requests', 'load-balancer.api-2/db.requests']);
    expect(d.result.metrics.availability).toBe(1);
  });

  it('policies wrap in Resilience4j order: retry outside the breaker, so every attempt asks the breaker', () => {
    // the breaker opens after 5 failed calls (window 5); each of the 3 attempts of a request is a call
    const d = runModel(({ service, client, openLoop }) => {
      const down = service('down', { endpoints: { get: { handler: (_h, done) => done({ ok: false, error: 'unavailable', latencyUs: 0 }) } } });
      const c = client(down, 'get', {
        retry: { attemptsMax: 3, backoff: { kind: 'none', random: false, delayUs: () => 0 } },
        circuitBreaker: { slidingWindowSize: 5, minimumNumberOfCalls: 5, failureRateThreshold: 50, waitDurationInOpenState: '60s' },
      });
      openLoop({ rate: '10/s', until: '1s', call: c, from: 'users' });
      return { metrics: () => ({ failed: c.at('users').circuitBreaker!.failed.value, notPermitted: c.at('users').circuitBreaker!.notPermitted.value, attempts: c.at('users').retry!.attempts.value }) };
    });
    const m = d.result.metrics as Record<string, number>;
    expect(m.failed).toBe(5); // the first request's 3 attempts and 2 of the second's, then open
    expect(m.attempts).toBe(3 * d.result.metrics.requests);
    expect(m.notPermitted).toBe(m.attempts! - 5);
  });

  it('rejects unknown options, unknown endpoints and a context option, naming the closest', () => {
    const attempt = (options: object, endpoint = 'charge'): unknown =>
      runModel(({ service, client }) => {
        const pay = service('pay', { endpoints: { charge: {} } });
        client(pay, endpoint as 'charge', options as never);
      });
    expect(() => attempt({ timeut: '1s' })).toThrow(/client\(pay, "charge"\): unknown option "timeut"; did you mean "timeout"\?/);
    expect(() => attempt({}, 'charg')).toThrow(/no endpoint "charg"; did you mean "charge"\? endpoints: charge/);
    expect(() => attempt({ retry: { attemptMax: 3 } })).toThrow(/retry: unknown option "attemptMax"; did you mean "attemptsMax"\?/);
    expect(() => attempt({ circuitBreaker: { sim: 1 } })).toThrow(/circuitBreaker: sim is given by the build context; remove it/);
    expect(() => attempt({ loadBalancer: { healthCheck: { interval: '1s', timeout: '1s', unhealthy_threshold: 1, healthy_threshold: 1, http_health_check: { path: 'helth' } } } })).toThrow(
      /path "helth" is not an endpoint of pay; endpoints: charge/,
    );
    expect(() => attempt({ loadBalancer: { healthCheck: { intervl: '1s' } } })).toThrow(/healthCheck: unknown option "intervl"; did you mean "interval"\?/);
  });
});

describe('health checks by option', () => {
  const hc = { interval: '1s', timeout: '100ms', unhealthy_threshold: 2, healthy_threshold: 1 };
  function health(check: object, faults: Record<string, unknown>[]): { host: string; healthy: boolean; time: number }[] {
    const d = runModel(({ service, client, openLoop }) => {
      const web = service('web', { replicas: 3, endpoints: { page: { work: '2ms' }, health: { work: '1ms' } } });
      openLoop({ name: 'users', rate: '20/s', until: '10s', call: client(web, 'page', { loadBalancer: { healthCheck: { ...hc, ...check } } }) });
    }, faults);
    return d.records.filter((r) => r.kind === 'lb-host-health').map((r) => ({ host: (r as { host: string }).host, healthy: (r as { healthy: boolean }).healthy, time: r.time }));
  }

  it('the default TCP check marks a crashed replica unhealthy after unhealthy_threshold failed checks and back after it restarts', () => {
    const changes = health({}, [{ at: '3s', kind: 'crash', target: 'web-2', for: '4s' }]).filter((c) => c.time > 3_000_000 && c.host === 'web-2');
    // checks every 1 s after the previous result; the first check after the crash fails at ~3.1 s + timeout, the second a second later
    expect(changes[0]).toMatchObject({ healthy: false });
    expect(changes[0]!.time).toBeGreaterThan(4_000_000);
    expect(changes[0]!.time).toBeLessThan(5_300_000);
    // restart: down for `for` plus the node's 5 s restart delay; one passing check marks it healthy (healthy_threshold 1)
    expect(changes[1]).toMatchObject({ healthy: true });
    expect(changes[1]!.time).toBeGreaterThan(12_000_000);
  });

  it('a TCP check passes on a limping replica (liveness); an HTTP check on an endpoint it slows down fails (readiness)', () => {
    const limp = [{ at: '2s', kind: 'limp', target: 'web-3', factor: 500, for: '8s' }];
    expect(health({ tcp_health_check: {} }, limp).filter((c) => !c.healthy)).toEqual([]);
    const http = health({ http_health_check: { path: 'health' } }, limp).filter((c) => !c.healthy);
    expect(http.map((c) => c.host)).toEqual(['web-3']);
  });

  it('a probe given with http_health_check gates it: what it fails sends no request, the rest get the HTTP check', () => {
    const asked = new Map<string, number>();
    const d = runModel(({ service, client, openLoop }) => {
      const health = { work: '1ms', handler: (h: { node: { name: string } }, done: (o: { ok: boolean; error: string; latencyUs: number }) => void) => (asked.set(h.node.name, (asked.get(h.node.name) ?? 0) + 1), done({ ok: true, error: '', latencyUs: 0 })) };
      const web = service('web', { replicas: 3, endpoints: { page: { work: '2ms' }, health } });
      const probe: NonNullable<ClientHealthCheck['probe']> = (ep, done, check) => (ep.id === 'web-1' ? done(false) : check(ep, done));
      openLoop({ name: 'users', rate: '20/s', until: '10s', call: client(web, 'page', { loadBalancer: { healthCheck: { ...hc, probe, http_health_check: { path: 'health' } } } }) });
    }, [{ at: '2s', kind: 'limp', target: 'web-3', factor: 500, for: '8s' }]);
    const changes = d.records.filter((r) => r.kind === 'lb-host-health').map((r) => `${(r as { host: string }).host} ${(r as { healthy: boolean }).healthy}`);
    // web-1 never passes; web-2 passes its HTTP checks; web-3 passes, then fails them while it limps
    expect([...new Set(changes)].sort()).toEqual(['web-2 true', 'web-3 false', 'web-3 true']);
    expect(asked.get('web-1')).toBeUndefined();
    expect(asked.get('web-2')).toBeGreaterThanOrEqual(8);
  });

  it('tcp_health_check and http_health_check together are an error naming both', () => {
    expect(() =>
      runModel(({ service, client }) => {
        const web = service('web', { endpoints: { page: {}, health: {} } });
        client(web, 'page', { loadBalancer: { healthCheck: { ...hc, tcp_health_check: {}, http_health_check: { path: 'health' } } } });
      }, []),
    ).toThrow(/give one of tcp_health_check or http_health_check .*not tcp_health_check and http_health_check/);
  });
});

describe('the world of the build context', () => {
  it("a disk read during build seals the world, as reading its network does, and is the node's disk", () => {
    let found: { node: string; sealed: boolean } | null = null;
    runModel(({ world }) => {
      const w = world({ nodes: ['a', 'b'], disks: [{ node: 'b' }] });
      const d = w.disk('b');
      found = { node: d.node, sealed: w.sealed };
    });
    expect(found).toEqual({ node: 'b', sealed: true });
  });
});

describe("an endpoint's calls", () => {
  it('are made one after the other; the first failure is the answer and a fallback marks it degraded', () => {
    const d = runModel(({ service, client, openLoop }) => {
      const a = service('a', { endpoints: { get: { handler: (_h, done) => done({ ok: false, error: 'unavailable', latencyUs: 0 }) } } });
      const b = service('b', { endpoints: { get: {} } });
      const front = service('front', {
        endpoints: {
          degraded: { calls: [client(a, 'get', { fallback: { value: 'default' } }), client(b, 'get')] },
          failing: { calls: [client(b, 'get'), client(a, 'get')] },
        },
      });
      openLoop({ name: 'ok', rate: '20/s', until: '1s', call: client(front, 'degraded') });
      openLoop({ name: 'bad', rate: '20/s', until: '1s', call: client(front, 'failing') });
    });
    const byName = d.requests;
    expect(d.metrics.counters.get('ok.degraded')?.value).toBeGreaterThan(0);
    expect(d.metrics.counters.get('ok.degraded')?.value).toBe(byName.requests - byName.failed);
    expect(byName.failed).toBeGreaterThan(0);
    expect(byName.errors.get('unavailable')).toBe(byName.failed);
  });
});

describe('the default end (no untilUs)', () => {
  it('a health-checked load balancer does not keep the run going: it ends when the workload has drained', () => {
    const d = runModel(({ service, client, openLoop }) => {
      const web = service('web', { replicas: 3, endpoints: { page: { work: '5ms' } } });
      const lb = { healthCheck: { interval: '1s', timeout: '100ms', unhealthy_threshold: 2, healthy_threshold: 1 }, outlierDetection: {} };
      openLoop({ rate: '100/s', until: '20s', deadline: '1s', call: client(web, 'page', { loadBalancer: lb }) });
    });
    expect(d.ended.reason).toBe('drained');
    expect(d.result.stats.simTimeMs).toBeGreaterThanOrEqual(20_000);
    expect(d.result.stats.simTimeMs).toBeLessThan(21_000);
    expect(d.ended.detail).toMatch(/^ended when its workloads had stopped \(20s\) and drained \(20\.\d+s\)$/);
  });

  it('requests that never finish end the run at the drain budget: the deadline, or 60 s without one, with a message saying so', () => {
    const stuck = (deadline?: string) =>
      runModel(({ service, client, openLoop }) => {
        const web = service('web', { endpoints: { page: { handler: () => undefined } } });
        openLoop({ rate: '10/s', until: '5s', ...(deadline ? { deadline } : {}), call: client(web, 'page') });
      });
    const none = stuck();
    expect(none.ended.reason).toBe('drain-budget');
    expect(none.result.stats.simTimeMs).toBe(65_000);
    expect(none.ended.detail).toMatch(/ended 60s after the workloads stopped \(at 65s\), with \d+ request\(s\) still in flight \(workload client has no deadline/);
    // with a deadline every request finishes (deadline exceeded): the run drains before the budget
    const two = stuck('2s');
    expect(two.ended.reason).toBe('drained');
    expect(two.result.stats.simTimeMs).toBeLessThanOrEqual(7_000);
  });

  it('without a workload, background timers end at a default 60 s after the last fault, and say so', () => {
    const d = runModel(({ service, loadBalancer, every, world }) => {
      world().addNode({ name: 'lb' });
      const web = service('web', { replicas: 2, endpoints: { page: {} } });
      const calls = web.replicas.map((id) => ({ id, call: web.replicaClient('lb', 'page', id) }));
      loadBalancer({ endpoints: calls, healthCheck: { probe: (_e, done) => done(true), interval: '1s', timeout: '1s', unhealthy_threshold: 1, healthy_threshold: 1 } });
      every('100ms', () => undefined);
    }, [{ at: '5s', kind: 'crash', target: 'web-1', for: '10s' }]);
    expect(d.ended.reason).toBe('default-budget');
    expect(d.result.stats.simTimeMs).toBe(75_000);
    expect(d.ended.detail).toMatch(/60s after the last fault ends \(75s\): load balancer \(health checks\), every\(\.\.\.\) would keep it running forever/);
  });

  it('a model without background timers ends when no events remain, as before', () => {
    const d = runModel(({ after, requests, sim }) => {
      after('2s', () => requests.record(sim.now, true, 1000));
    });
    expect(d.ended.reason).toBe('no-events');
    expect(d.result.stats.simTimeMs).toBe(2000);
  });
});
