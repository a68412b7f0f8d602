// Isolation between tenants. References: deficit round robin (Shreedhar & Varghese, SIGCOMM 1995):
// with unit-cost requests and quantum 1 it serves backlogged tenants in turn, one request each, so
// a tenant within its share waits at most one request of each other tenant plus the one in
// service; shuffle sharding (AWS Builders' Library): a uniform k-subset per tenant; Envoy's local
// rate limit: max_tokens, refilled by tokens_per_fill every fill_interval.
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../sim/kernel/sim.ts';
import { RandomStreams } from '../../sim/kernel/random.ts';
import { newCallContext, type Call } from '../../sim/patterns/call.ts';
import { fairQueue, perTenantRateLimit, plainSharding, shuffleSharding } from '../../sim/patterns/tenancy.ts';

const S = 1000; // service time, µs

interface Arrival {
  tenant: string;
  atUs: number;
}

/** Periodic arrivals: B, C and D every 5 ms (each 20 % of one server); A every `aGapUs`. */
function arrivals(aGapUs: number, untilUs: number): Arrival[] {
  const out: Arrival[] = [];
  const every = (tenant: string, gap: number, offset: number) => {
    for (let t = offset; t < untilUs; t += gap) out.push({ tenant, atUs: t });
  };
  every('B', 5000, 1250);
  every('C', 5000, 2500);
  every('D', 5000, 3750);
  every('A', aGapUs, 0);
  return out.sort((x, y) => x.atUs - y.atUs || x.tenant.localeCompare(y.tenant));
}

/** The system under test: fairQueue (concurrency 1) in front of a server that takes S per request. */
function simulate(list: readonly Arrival[], fq: boolean): Map<string, number[]> {
  const sim = new Simulation({ seed: 1 });
  const server: Call = (_ctx, done) => void sim.schedule(S, () => done({ ok: true, error: '', latencyUs: S }), null);
  // FIFO comparison: the same queue with every request under one tenant
  const q = fairQueue({ sim, concurrency: 1, queueLimitPerTenant: 1_000_000 });
  const lat = new Map<string, number[]>();
  for (const a of list) {
    sim.at(a.atUs, () => {
      const ctx = newCallContext(sim, { tenant: fq ? a.tenant : 'all' });
      q.execute(ctx, server, () => {
        const xs = lat.get(a.tenant) ?? [];
        xs.push(sim.now - a.atUs);
        lat.set(a.tenant, xs);
      });
    }, null);
  }
  sim.run();
  return lat;
}

/** An independent reference: a single server; when it frees, the next backlogged tenant in round order sends one request. */
function reference(list: readonly Arrival[]): Map<string, number[]> {
  const queues = new Map<string, number[]>();
  const round: string[] = [];
  const lat = new Map<string, number[]>();
  let i = 0;
  let now = 0;
  let busyUntil = 0;
  let next = 0;
  const admit = (upTo: number) => {
    while (i < list.length && list[i]!.atUs <= upTo) {
      const a = list[i++]!;
      const q = queues.get(a.tenant) ?? [];
      queues.set(a.tenant, q);
      if (q.length === 0 && !round.includes(a.tenant)) round.push(a.tenant);
      q.push(a.atUs);
    }
  };
  while (i < list.length || round.length > 0) {
    admit(now);
    if (round.length === 0) {
      now = list[i]!.atUs;
      continue;
    }
    if (next >= round.length) next = 0;
    const t = round[next]!;
    const q = queues.get(t)!;
    const arrived = q.shift()!;
    const start = Math.max(now, busyUntil);
    busyUntil = start + S;
    (lat.get(t) ?? lat.set(t, []).get(t)!).push(busyUntil - arrived);
    if (q.length === 0) round.splice(next, 1);
    else next++;
    now = busyUntil;
    // arrivals while it was served join before the next pick; an arrival exactly at the end does too
    admit(now);
  }
  return lat;
}

describe('fairQueue (deficit round robin)', () => {
  const calm = arrivals(5000, 200_000);
  const surge = arrivals(500, 200_000); // A offers 10× its share: 2 servers' worth on its own

  it('matches an independent round-robin reference, request by request, with and without a surge', () => {
    for (const list of [calm, surge]) {
      const got = simulate(list, true);
      const want = reference(list);
      for (const t of ['B', 'C', 'D']) expect(got.get(t), t).toEqual(want.get(t));
    }
  });

  it('keeps the others within one round of the calm run while A offers 10× its share; FIFO does not', () => {
    const n = 4;
    const bound = (n + 1) * S; // the request in service, one of each other tenant, then its own
    const calmOthers = ['B', 'C', 'D'].flatMap((t) => simulate(calm, true).get(t)!);
    const fair = ['B', 'C', 'D'].flatMap((t) => simulate(surge, true).get(t)!);
    const fifo = ['B', 'C', 'D'].flatMap((t) => simulate(surge, false).get(t)!);
    expect(Math.max(...calmOthers)).toBeLessThanOrEqual(2 * S);
    expect(Math.max(...fair)).toBeLessThanOrEqual(bound);
    expect(Math.max(...fair) - Math.max(...calmOthers)).toBeLessThanOrEqual((n - 1) * S);
    // without fair queuing the others wait behind A's backlog, which grows by 1 ms every 0.5 ms
    expect(Math.max(...fifo)).toBeGreaterThan(50 * bound);
  });

  it('rejects bad options with the field named', () => {
    const sim = new Simulation({ seed: 1 });
    expect(() => fairQueue({ sim, concurrency: 0 })).toThrow(/fairQueue: concurrency=0 is not valid; use an integer in \[1, 1000000\]/);
    expect(() => fairQueue({ sim, concurrency: 1, weights: { a: -1 } })).toThrow(/weights\.a=-1/);
  });
});

describe('perTenantRateLimit (Envoy local rate limit per tenant)', () => {
  it('each tenant has its own bucket: max_tokens at once, then tokens_per_fill per fill_interval', () => {
    const sim = new Simulation({ seed: 1 });
    const rl = perTenantRateLimit({ sim, max_tokens: 3, tokens_per_fill: 1, fill_interval: '100ms' });
    const okCall: Call = (_c, done) => done({ ok: true, error: '', latencyUs: 0 });
    const send = (tenant: string): boolean => {
      let ok = false;
      rl.execute(newCallContext(sim, { tenant }), okCall, (o) => (ok = o.ok));
      return ok;
    };
    expect([send('a'), send('a'), send('a'), send('a')]).toEqual([true, true, true, false]);
    expect(send('b')).toBe(true); // b's bucket is its own
    sim.at(250_000, () => {
      // two fills (at 100 and 200 ms) since time 0
      expect([send('a'), send('a'), send('a')]).toEqual([true, true, false]);
    }, null);
    sim.run();
  });
});

describe('sharding', () => {
  const replicas = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8'];
  it('shuffle sharding: each tenant a pair, every one of the 28 pairs about equally often, stable per tenant', () => {
    const p = shuffleSharding({ shardSize: 2, random: new RandomStreams(7) });
    const counts = new Map<string, number>();
    for (let i = 0; i < 5_600; i++) {
      const s = p.shardOf(`t${i}`, replicas);
      expect(s).toHaveLength(2);
      counts.set(s.join(','), (counts.get(s.join(',')) ?? 0) + 1);
    }
    expect(counts.size).toBe(28);
    // each pair ~200 ± 4.5 sd (sd ≈ 14)
    for (const c of counts.values()) expect(Math.abs(c - 200)).toBeLessThan(63);
    const again = shuffleSharding({ shardSize: 2, random: new RandomStreams(7) });
    expect(again.shardOf('t123', replicas)).toEqual(p.shardOf('t123', replicas));
  });
  it('plain sharding: 4 fixed pairs', () => {
    const p = plainSharding({ shardSize: 2, random: new RandomStreams(7) });
    const seen = new Set(Array.from({ length: 400 }, (_, i) => p.shardOf(`t${i}`, replicas).join(',')));
    expect([...seen].sort()).toEqual(['w1,w2', 'w3,w4', 'w5,w6', 'w7,w8']);
  });
  it('a tenant is only sent to its shard, in turn', () => {
    const p = shuffleSharding({ shardSize: 2, random: new RandomStreams(7) });
    const sim = new Simulation({ seed: 1 });
    const ctx = newCallContext(sim, { tenant: 't9' });
    const picks = [p.pick(ctx, replicas), p.pick(ctx, replicas), p.pick(ctx, replicas)];
    const shard = p.shardOf('t9', replicas);
    expect(picks).toEqual([shard[0], shard[1], shard[0]]);
  });
});
