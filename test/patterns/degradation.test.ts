import { describe, expect, it } from 'vitest';
import { Simulation } from '../../sim/kernel/sim.ts';
import { Tracer } from '../../sim/observe/trace.ts';
import { newCallContext, type Call, type Outcome } from '../../sim/patterns/call.ts';
import { fallback, serveStaleCache } from '../../sim/patterns/degradation.ts';
import { featureFlags } from '../../sim/patterns/feature-flags.ts';

function backend(sim: Simulation): Call & { up: boolean; n: number } {
  const f = ((ctx, done) => {
    f.n++;
    const up = f.up;
    sim.schedule(1000, () => done(up ? { ok: true, error: '', latencyUs: 1000, value: `v${f.n}:${ctx.key}` } : { ok: false, error: 'unavailable', latencyUs: 1000 }), null);
  }) as Call & { up: boolean; n: number };
  f.up = true;
  f.n = 0;
  return f;
}

function get(sim: Simulation, p: { execute: (c: any, call: Call, d: (o: Outcome) => void) => void }, call: Call, key: string): Outcome {
  let out: Outcome | null = null;
  p.execute(newCallContext(sim, { key }), call, (o) => (out = o));
  sim.run(sim.now + 10_000);
  return out!;
}

describe('graceful degradation', () => {
  it('fallback({ value }) answers failures with the default value, marked degraded', () => {
    const sim = new Simulation();
    const b = backend(sim);
    b.up = false;
    const f = fallback({ sim, value: 'default' });
    expect(get(sim, f, b, 'k')).toMatchObject({ ok: true, value: 'default', degraded: true });
    expect(f.fallbacks.value).toBe(1);
  });

  it('fallback({ lastGood: true }) answers with the last good value for the same key, and passes the failure through without one', () => {
    const sim = new Simulation();
    const b = backend(sim);
    const f = fallback({ sim, lastGood: true, handle: ['unavailable'] });
    expect(get(sim, f, b, 'a')).toMatchObject({ ok: true, value: 'v1:a' });
    b.up = false;
    expect(get(sim, f, b, 'a')).toMatchObject({ ok: true, value: 'v1:a', degraded: true });
    expect(get(sim, f, b, 'b')).toMatchObject({ ok: false, error: 'unavailable' });
    expect(() => fallback({ sim })).toThrow(/default value/);
  });

  it('serveStaleCache({ ttl: "10s", staleIfError: "30s" }) serves fresh hits without calling, stale only on error within the window', () => {
    const sim = new Simulation();
    const b = backend(sim);
    const c = serveStaleCache({ sim, ttl: '10s', staleIfError: '30s' });
    expect(get(sim, c, b, 'k').value).toBe('v1:k');
    sim.run(5_000_000);
    expect(get(sim, c, b, 'k')).toMatchObject({ ok: true, value: 'v1:k', latencyUs: 0 });
    expect(b.n).toBe(1);
    sim.run(20_000_000);
    b.up = false;
    expect(get(sim, c, b, 'k')).toMatchObject({ ok: true, value: 'v1:k', degraded: true });
    expect(b.n).toBe(2);
    sim.run(45_000_000); // age 45 s > ttl + staleIfError
    expect(get(sim, c, b, 'k')).toMatchObject({ ok: false, error: 'unavailable' });
    b.up = true;
    expect(get(sim, c, b, 'k').value).toBe('v4:k');
    expect(c.staleServed.value).toBe(1);
  });
});

describe('featureFlags (OpenFeature evaluation)', () => {
  it('featureFlags().evaluate never throws: unknown flag or provider down gives the default with reason ERROR', () => {
    const sim = new Simulation();
    const ff = featureFlags({ sim, flags: { a: {} } });
    expect(ff.evaluate('nope', 'u1', true)).toEqual({ value: true, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    ff.providerDown = true;
    expect(ff.evaluate('a', 'u1')).toEqual({ value: false, reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY' });
  });

  it('kill switch: kill(flag) turns the flag off for everyone at once, with reason DISABLED', () => {
    const sim = new Simulation();
    const trace = new Tracer({ level: 'summary' });
    const ff = featureFlags({ sim, trace, flags: { checkout: { rolloutPercent: 100 } } });
    expect(ff.evaluate('checkout', 'u1')).toEqual({ value: true, reason: 'STATIC' });
    ff.kill('checkout');
    expect(ff.evaluate('checkout', 'u1')).toEqual({ value: false, reason: 'DISABLED' });
    expect(trace.records.map((r) => r.kind === 'flag-change' && r.reason)).toEqual(['kill-switch']);
  });

  it('rolloutPercent buckets keys stickily: raising it only adds keys, and the share matches', () => {
    const sim = new Simulation();
    const ff = featureFlags({ sim, flags: { f: { rolloutPercent: 10 } } });
    const keys = Array.from({ length: 5000 }, (_, i) => `user-${i}`);
    const at10 = new Set(keys.filter((k) => ff.isEnabled('f', k)));
    expect(at10.size / 5000).toBeGreaterThan(0.08);
    expect(at10.size / 5000).toBeLessThan(0.12);
    ff.setAt('30s', 'f', { rolloutPercent: 50 });
    sim.run();
    expect(sim.now).toBe(30_000_000);
    const at50 = new Set(keys.filter((k) => ff.isEnabled('f', k)));
    for (const k of at10) expect(at50.has(k)).toBe(true);
    expect(at50.size / 5000).toBeGreaterThan(0.46);
    expect(at50.size / 5000).toBeLessThan(0.54);
  });

  it('featureFlags validates flags at once and applyFault changes a flag from a fault-plan entry', () => {
    const sim = new Simulation();
    expect(() => featureFlags({ sim, flags: { f: { rolloutPercent: 120 } } })).toThrow(/rolloutPercent = 120 is out of range; valid: \[0, 100\]/);
    const ff = featureFlags({ sim, flags: { f: {} } });
    ff.applyFault({ flag: 'f', enabled: false });
    expect(ff.isEnabled('f', 'u')).toBe(false);
  });
});
