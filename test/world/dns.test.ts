import { describe, expect, it } from 'vitest';
import { dnsFailover, nodeProbe } from '../../sim/world/dns.ts';
import { makeWorld, recordsOf } from './helpers.ts';

const spec = {
  nodes: ['east-1', 'east-2', 'west-1'],
  zones: { 'us-east-1a': ['east-1'], 'us-east-1b': ['east-2'], 'us-west-2a': ['west-1'] },
  regions: { 'us-east-1': ['us-east-1a', 'us-east-1b'], 'us-west-2': ['us-west-2a'] },
};

const TTL_S = 60;
const INTERVAL_S = 10;
const THRESHOLD = 3;
const FAIL_AT_S = 300;

/**
 * Run a DNS failover record under Poisson arrivals (each from a client drawn uniformly) and a
 * region outage of the primary at 300 s; return the flip time and every resolution's (time, answer).
 */
function run(seed: number, o: { resolvers: number; clients: number; ratePerSec: number; share: number }) {
  const { sim, random, trace, world } = makeWorld(spec, [{ at: `${FAIL_AT_S}s`, kind: 'region-outage', region: 'us-east-1' }], { seed, level: 'summary' });
  const dns = dnsFailover({
    sim,
    random,
    trace,
    name: 'api.example.com',
    ttl: `${TTL_S}s`,
    primary: 'us-east-1',
    secondary: 'us-west-2',
    healthCheck: { requestInterval: `${INTERVAL_S}s`, failureThreshold: THRESHOLD, probe: nodeProbe(world) },
    resolvers: o.resolvers,
    clients: o.clients,
    ttlIgnoringShare: o.share,
  });
  const arrivals = random.get('test/arrivals');
  const times: number[] = [];
  const east: boolean[] = [];
  const meanGapUs = 1e6 / o.ratePerSec;
  const next = (): void => {
    const c = Math.floor(arrivals.next() * o.clients);
    times.push(sim.now);
    east.push(dns.resolve(c) === 'us-east-1');
    sim.schedule(Math.max(1, Math.round(-Math.log(1 - arrivals.next()) * meanGapUs)), next, null);
  };
  sim.schedule(0, next, null);
  sim.run(sim.now + (FAIL_AT_S + 200) * 1e6);
  return { dns, trace, times, east };
}

describe('DNS failover with TTLs, caching resolvers and TTL-ignoring clients', () => {
  it('fails over within failureThreshold probes after the outage (Route 53: > 18 % of checkers healthy)', () => {
    for (const seed of [1, 2, 3]) {
      const { dns, trace } = run(seed, { resolvers: 50, clients: 500, ratePerSec: 20, share: 0 });
      // each checker's third failing probe falls in (T + 2I, T + 3I]; with 8 checkers the record
      // goes unhealthy when the seventh has flipped: inside the same window
      expect(dns.failoverAtUs).toBeGreaterThan((FAIL_AT_S + (THRESHOLD - 1) * INTERVAL_S) * 1e6);
      expect(dns.failoverAtUs).toBeLessThanOrEqual((FAIL_AT_S + THRESHOLD * INTERVAL_S) * 1e6);
      expect(recordsOf(trace, 'dns-answer')).toEqual([
        { time: dns.failoverAtUs, kind: 'dns-answer', name: 'api.example.com', value: 'us-west-2', previous: 'us-east-1' },
      ]);
    }
  });

  it('with TTL 60 s and 10 % TTL-ignoring clients, traffic to the failed region decays as the renewal formula says', () => {
    const resolvers = 4000;
    const clients = 20_000;
    const ratePerSec = 1000;
    const share = 0.1;
    // Independent expectation. Honouring clients see their resolver's answer. A resolver's cache
    // alternates a valid period of one TTL (from a fetch) and an expired period that ends at its
    // next query, Exp(λ) with λ its honouring clients' query rate. A query at flip + t is stale iff
    // the resolver was, at the flip, in a valid period of age a < TTL − t: by renewal theory (and
    // PASTA) that probability is (TTL − t)/(TTL + 1/λ) for t < TTL, else 0. TTL-ignoring clients
    // pinned their first answer; one made its first query before the flip with probability
    // 1 − exp(−λc·flip), λc = rate/clients: those stay on the failed region.
    const lambda = (ratePerSec * (1 - share)) / resolvers;
    const expected = (tS: number, flipS: number): number => {
      const pinned = share * (1 - Math.exp(-(ratePerSec / clients) * flipS));
      return pinned + (1 - share) * (Math.max(0, TTL_S - tS) / (TTL_S + 1 / lambda));
    };
    for (const seed of [1, 2]) {
      const { dns, times, east } = run(seed, { resolvers, clients, ratePerSec, share });
      const flipS = dns.failoverAtUs / 1e6;
      expect(flipS).toBeGreaterThan(FAIL_AT_S);
      // before the flip every answer is the primary
      const before = east.filter((_, i) => times[i]! < dns.failoverAtUs);
      expect(before.every(Boolean)).toBe(true);
      // after: share of answers still naming the failed region, in 5 s windows over 120 s
      const windowS = 5;
      const hits = new Array<number>(24).fill(0);
      const counts = new Array<number>(24).fill(0);
      times.forEach((t, i) => {
        const k = Math.floor((t / 1e6 - flipS) / windowS);
        if (k < 0 || k >= 24) return;
        counts[k]!++;
        if (east[i]) hits[k]!++;
      });
      for (let k = 0; k < 24; k++) {
        const observed = hits[k]! / counts[k]!;
        // the formula is linear within a window except at the TTL's kink: average it on a fine grid
        let want = 0;
        for (let j = 0; j < 50; j++) want += expected((k + (j + 0.5) / 50) * windowS, flipS) / 50;
        // sd: resolver phases (4000 resolvers) and which clients ignore the TTL dominate, ≈ 0.008
        expect(Math.abs(observed - want), `window ${k * windowS}-${(k + 1) * windowS} s after the flip: observed ${observed.toFixed(4)}, expected ${want.toFixed(4)}`).toBeLessThan(0.03);
      }
      // the honouring clients are all gone one TTL after the flip: only the pinned share remains
      const late = hits.slice(13).reduce((a, b) => a + b, 0) / counts.slice(13).reduce((a, b) => a + b, 0);
      expect(Math.abs(late - share)).toBeLessThan(0.01);
    }
  });

  it('without a failure the answer never moves and no resolution is stale', () => {
    const { sim, random, trace, world } = makeWorld(spec);
    const dns = dnsFailover({ sim, random, trace, name: 'a.example', ttl: '60s', primary: 'us-east-1', secondary: 'us-west-2', healthCheck: { probe: nodeProbe(world) } });
    for (let i = 0; i < 100; i++) sim.schedule(i * 3_000_000, () => dns.resolve(i * 37), null);
    sim.run(400_000_000);
    expect(dns.failoverAtUs).toBe(-1);
    expect(dns.resolutions).toBe(100);
    expect(dns.staleAnswers).toBe(0);
  });

  it('rejects bad options with one line naming the field and what is valid', () => {
    const { sim, random, trace, world } = makeWorld(spec);
    const base = { sim, random, trace, name: 'a.example', ttl: '60s', primary: 'us-east-1', secondary: 'us-west-2', healthCheck: { probe: nodeProbe(world) } };
    expect(() => dnsFailover({ ...base, ttlIgnoringShare: 1.5 })).toThrow('dnsFailover(a.example): ttlIgnoringShare=1.5 is not valid; use a share from 0 to 1');
    expect(() => dnsFailover({ ...base, healthCheck: { probe: nodeProbe(world), failureThreshold: 11 } })).toThrow(/failureThreshold=11 is not valid; use an integer from 1 to 10/);
    expect(() => dnsFailover({ ...base, secondary: 'us-east-1' })).toThrow(/failover needs two different values/);
    expect(() => dnsFailover({ ...base, ttll: '1s' } as never)).toThrow(/did you mean "ttl"/);
  });
});
