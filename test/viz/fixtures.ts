/**
 * A small scenario for the report's tests, independent of the scenarios other engineers are
 * writing: a client, a load balancer and three servers over 60 s, with a crash (and restart), a
 * partition that drops messages, a limping node, a clock jump, an LB ejection, a circuit breaker,
 * two leaders, a scenario-published queue-depth and utilization series, and checks that pass,
 * fail and cannot decide.
 *
 * The world layer's own records (messages, partitions) are still being written, so the fixture
 * emits records of the shapes the report reads, cast to TraceRecord: the report must read them
 * structurally anyway. The fault plan is attached after the run (as `runDetailed` would have
 * validated it) so the fixture does not depend on which fault kinds are registered.
 */
import { defineScenario, runDetailed, serializeFaultPlan, type FaultEntry, type RunArtifacts, type TraceRecord } from '../../sim/index.ts';

export const FIXTURE_NODES = ['c1', 'lb', 'n1', 'n2', 'n3'];

const S = 1_000_000;

export const FIXTURE_PLAN: FaultEntry[] = [
  { at: 10 * S, kind: 'crash', target: 'n2', for: 8 * S },
  { at: 25 * S, kind: 'partition', groups: [['c1', 'lb', 'n1', 'n2'], ['n3']], for: 10 * S },
  { at: 40 * S, kind: 'slow-node', target: 'n1', factor: 10, for: 5 * S },
  { at: 50 * S, kind: 'clock-jump', target: 'n3', byMs: 400 },
];

export interface FixtureOptions {
  title?: string;
  description?: string;
  /** The value of the `mode` enum param (a string shown in the run card). */
  mode?: string;
  checkName?: string;
  checkDetail?: string;
  nodeName?: string;
  ratePerSec?: number;
  durationS?: number;
  messages?: boolean;
}

export function fixtureScenario(o: FixtureOptions = {}) {
  const mode = o.mode ?? 'round-robin';
  const n3 = o.nodeName ?? 'n3';
  const ratePerSec = o.ratePerSec ?? 40;
  const durationUs = (o.durationS ?? 60) * S;
  return defineScenario({
    name: 'viz-fixture',
    title: o.title ?? 'Report fixture: a crash, a partition and a slow node',
    description:
      o.description ??
      `A client calls three servers through a **load balancer**. Server \`n2\` crashes at 10 s and restarts; a partition cuts \`n3\` off from 25 s to 35 s; \`n1\` limps from 40 s.

- watch the *goodput* dip while throughput holds
- the breaker opens during the partition

See https://brooker.co.za/blog/2021/05/24/metastable.html`,
    params: {
      ratePerSec: { type: 'number', default: ratePerSec, min: 1, max: 1e6, unit: '1/s', description: 'request arrival rate' },
      mode: { type: 'enum', default: mode, values: [mode, 'random'], description: 'how the balancer picks a server' },
      retries: { type: 'boolean', default: true, description: 'retry a failed first try once' },
    },
    variants: {
      'with-retries': { description: 'one retry per failed request', expectFail: [o.checkName ?? 'availability-slo'] },
      'no-retries': { description: 'no retries', params: { retries: false } },
    },
    keyMetrics: ['messagesSent'],
    build({ sim, random, params, requests, metrics, emit }) {
      const rand = random.get('arrivals');
      const servers = ['n1', 'n2', n3];
      const down = new Set<string>();
      const ejected = new Set<string>();
      let partitioned = false;
      let slow = false;
      let msgId = 0;
      let sent = 0;
      let inflight = 0;
      let rr = 0;
      const depth = metrics.seriesOf('queue.depth');
      const inflightSeries = metrics.seriesOf('inflight.requests');
      const util = servers.map((s) => metrics.seriesOf(`utilization.${s}`));
      const e = (r: Record<string, unknown>): void => emit({ time: sim.now, ...r } as unknown as TraceRecord);

      const at = (tUs: number, fn: () => void): void => {
        sim.schedule(tUs, fn, null);
      };
      for (const n of FIXTURE_NODES) e({ kind: 'node-state', node: n === 'n3' ? n3 : n, from: 'starting', to: 'up' });
      at(1 * S, () => e({ kind: 'leader-elected', node: 'n1', leader: 'n1', term: 1 }));
      at(10 * S, () => {
        down.add('n2');
        e({ kind: 'fault-start', fault: 'crash', index: 0, target: 'n2' });
        e({ kind: 'node-state', node: 'n2', from: 'up', to: 'crashed', reason: 'fault' });
      });
      at(11 * S, () => {
        ejected.add('n2');
        e({ kind: 'lb-eject', node: 'lb', target: 'n2', reason: '5 consecutive 5xx' });
      });
      at(18 * S, () => {
        e({ kind: 'node-state', node: 'n2', from: 'crashed', to: 'restarting' });
        e({ kind: 'fault-end', fault: 'crash', index: 0, target: 'n2' });
      });
      at(20 * S, () => {
        down.delete('n2');
        e({ kind: 'node-state', node: 'n2', from: 'restarting', to: 'up' });
      });
      at(22 * S, () => {
        ejected.delete('n2');
        e({ kind: 'lb-uneject', node: 'lb', target: 'n2' });
      });
      at(25 * S, () => {
        partitioned = true;
        e({ kind: 'fault-start', fault: 'partition', index: 1 });
        e({ kind: 'note', text: 'partition starts: n3 is cut off' });
      });
      at(27 * S, () => e({ kind: 'breaker-state', node: 'c1', breaker: 'lb', from: 'closed', to: 'open' }));
      at(30 * S, () => e({ kind: 'leader-elected', node: 'n2', leader: 'n2', term: 2 }));
      at(32 * S, () => e({ kind: 'breaker-state', node: 'c1', breaker: 'lb', from: 'open', to: 'half-open' }));
      at(33 * S, () => e({ kind: 'breaker-state', node: 'c1', breaker: 'lb', from: 'half-open', to: 'closed' }));
      at(35 * S, () => {
        partitioned = false;
        e({ kind: 'fault-end', fault: 'partition', index: 1 });
      });
      at(40 * S, () => {
        slow = true;
        e({ kind: 'fault-start', fault: 'slow-node', index: 2, target: 'n1' });
        e({ kind: 'node-state', node: 'n1', from: 'up', to: 'limping' });
      });
      at(45 * S, () => {
        slow = false;
        e({ kind: 'fault-end', fault: 'slow-node', index: 2, target: 'n1' });
        e({ kind: 'node-state', node: 'n1', from: 'limping', to: 'up' });
      });
      at(50 * S, () => {
        e({ kind: 'fault-start', fault: 'clock-jump', index: 3, target: n3 });
        e({ kind: 'clock-jump', node: n3, byMs: 400 });
        e({ kind: 'fault-end', fault: 'clock-jump', index: 3, target: n3 });
      });
      // A record kind the report has never heard of, on a node: drawn as a tick, counted.
      for (let t = 5; t < 60; t += 5) at(t * S + 123, () => e({ kind: 'disk-fsync', node: 'n1', latencyUs: 800 }));

      const send = (from: string, to: string, type: string, fate: 'deliver' | string, delayUs: number): void => {
        if (o.messages === false) return;
        const id = ++msgId;
        sent++;
        e({ kind: 'message-send', node: from, from, to, id, type });
        if (fate === 'deliver') at(delayUs, () => e({ kind: 'message-deliver', node: to, from, to, id, type }));
        else at(Math.floor(delayUs / 2), () => e({ kind: 'message-drop', node: to, from, to, id, type, reason: fate }));
      };

      const arrive = (): void => {
        if (sim.now >= durationUs) return;
        const pool = servers.filter((s) => !ejected.has(s));
        const server = pool[rr++ % pool.length]!;
        const isDown = down.has(server);
        const cut = partitioned && server === n3;
        const baseUs = 2_000 + Math.floor(rand.exponential(3_000)) + (slow && server === 'n1' ? 60_000 : 0);
        requests.attempt(sim.now, false);
        inflight++;
        const start = sim.now;
        send('c1', 'lb', 'Request', 'deliver', 300);
        send('lb', server, 'Forward', isDown ? 'node crashed' : cut ? 'partition' : 'deliver', 500);
        const failed = isDown || cut;
        const latencyUs = failed ? 50_000 : baseUs;
        at(latencyUs, () => {
          if (!failed) send(server, 'lb', 'Reply', 'deliver', 400);
          let ok = !failed;
          if (failed && params.retries) {
            requests.attempt(sim.now, true);
            ok = Math.floor(sim.now / 1000) % 3 !== 0;
          }
          requests.record(sim.now, ok, sim.now - start + (failed && params.retries ? 20_000 : 0), ok ? undefined : isDown ? 'unavailable' : 'timeout');
          inflight--;
        });
        depth.add(sim.now, inflight + (slow ? 6 : 0));
        inflightSeries.add(sim.now, inflight);
        servers.forEach((s, i) => util[i]!.add(sim.now, down.has(s) ? 0 : slow && s === 'n1' ? 0.95 : 0.35 + 0.1 * i));
        sim.schedule(Math.max(1, Math.floor(rand.exponential(1e6 / params.ratePerSec))), arrive, null);
      };
      sim.schedule(1, arrive, null);
      return { untilUs: durationUs, metrics: () => ({ messagesSent: sent }) };
    },
    checks: [
      {
        name: o.checkName ?? 'availability-slo',
        description: 'availability ≥ 99.9%',
        check: ({ requests }) => ({
          status: requests.availability >= 0.999 ? 'ok' : 'fail',
          firstFailedAtMs: 10_050,
          detail: o.checkDetail ?? `availability ${(requests.availability * 100).toFixed(2)}%`,
        }),
      },
      { name: 'no-lost-writes', description: 'every acknowledged write is readable', check: () => true },
      { name: 'liveness', description: 'recovers within 10 s of the last fault', check: () => ({ status: 'unknown', detail: 'run ended too early to tell' }) },
    ],
  });
}

/** Run the fixture at trace level full and attach the fault plan. */
export function fixtureRun(o: FixtureOptions & { variant?: string; seed?: number } = {}): RunArtifacts {
  const scenario = fixtureScenario(o);
  const art = runDetailed(scenario, { seed: o.seed ?? 7, variant: o.variant ?? 'with-retries', traceLevel: 'full' });
  const plan = FIXTURE_PLAN.map((f) => (f.target === 'n3' && o.nodeName ? { ...f, target: o.nodeName } : f));
  const withGroups = plan.map((f) => (f.groups && o.nodeName ? { ...f, groups: [['c1', 'lb', 'n1', 'n2'], [o.nodeName]] } : f));
  return { ...art, plan: withGroups, result: { ...art.result, faults: serializeFaultPlan(withGroups) } };
}

/**
 * Records shaped exactly as sim/world and sim/patterns write them: deliveries carry `sentUs` and
 * no send record exists, drops carry only a reason, a duplicate is a second delivery of one id,
 * partitions are `partition` cut/heal records, breakers are `breaker-state` with a reason.
 */
export function worldShapedRun(): RunArtifacts {
  const scenario = defineScenario({
    name: 'viz-world-shapes',
    title: 'World-shaped records',
    description: 'Records as the world layer writes them.',
    params: {},
    build({ sim, emit }) {
      const e = (t: number, r: Record<string, unknown>): void => {
        sim.schedule(t, () => emit({ time: sim.now, ...r } as unknown as TraceRecord), null);
      };
      e(0, { kind: 'node-state', node: 'a', from: 'up', to: 'up', reason: 'boot' });
      e(1_000, { kind: 'message-deliver', from: 'a', to: 'b', id: 1, sentUs: 200 });
      e(2_000, { kind: 'message-drop', from: 'b', to: 'c', id: 2, reason: 'partition' });
      e(3_000, { kind: 'message-deliver', from: 'a', to: 'c', id: 3, sentUs: 2_500 });
      e(3_400, { kind: 'message-deliver', from: 'a', to: 'c', id: 3, sentUs: 2_500 });
      e(1_500, { kind: 'partition', id: 0, action: 'cut', groups: [['a', 'b'], ['c']], direction: 'both' });
      e(4_000, { kind: 'partition', id: 0, action: 'heal', groups: [['a', 'b'], ['c']], direction: 'both' });
      e(2_200, { kind: 'breaker-state', node: 'a', breaker: 'to-c', from: 'closed', to: 'open', reason: 'failure rate 60% >= 50%' });
      e(2_600, { kind: 'clock-change', node: 'c', change: 'jump', offsetUs: 5000, driftPpm: 0 });
      return { untilUs: 5_000 };
    },
  });
  return runDetailed(scenario, { traceLevel: 'full' });
}
