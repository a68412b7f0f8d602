import { describe, expect, it } from 'vitest';
import { defineScenario, InputError, run, runDetailed, type RunResult } from '../../sim/index.ts';
import mmc from '../../scenarios/mmc-queue.ts';

const small = { customers: 5_000 };

describe('run(scenario, { seed, variant, params })', () => {
  it('returns a RunResult in exactly the DESIGN.md shape', () => {
    const r: RunResult = run(mmc, { seed: 3, params: small });
    expect(Object.keys(r)).toEqual([
      'version',
      'scenario',
      'variant',
      'seed',
      'params',
      'faults',
      'traceHash',
      'stats',
      'metrics',
      'checks',
      'replay',
    ]);
    expect(Object.keys(r.stats)).toEqual(['events', 'simTimeMs', 'wallMs']);
    expect(Object.keys(r.metrics).slice(0, 5)).toEqual(['requests', 'ok', 'failed', 'availability', 'latencyMs']);
    expect(Object.keys(r.metrics.latencyMs)).toEqual(['p50', 'p90', 'p99', 'p999', 'max']);
    expect(r.scenario).toBe('mmc-queue');
    expect(r.variant).toBe('mm4-rho-80');
    expect(r.seed).toBe(3);
    expect(r.params).toEqual({ arrivalRatePerSec: 32, serviceTimeMsMean: 100, servers: 4, customers: 5000 });
    expect(r.faults).toEqual([]);
    expect(r.traceHash).toMatch(/^[0-9a-f]{16}$/);
    expect(r.metrics.requests).toBe(5000);
    for (const c of r.checks) {
      expect(Object.keys(c)).toEqual(['name', 'status', 'expected', 'firstFailedAtMs', 'detail']);
      expect(['ok', 'fail', 'unknown']).toContain(c.status);
    }
    expect(r.replay).toBe('npm run faultline -- run mmc-queue --seed 3 --param customers=5000');
  });

  it('the trace hash is the same at trace levels off, summary and full', () => {
    const hashes = (['off', 'summary', 'full'] as const).map((traceLevel) => run(mmc, { seed: 5, params: small, traceLevel }).traceHash);
    expect(new Set(hashes).size).toBe(1);
    const full = runDetailed(mmc, { seed: 5, params: small, traceLevel: 'full' });
    const summary = runDetailed(mmc, { seed: 5, params: small, traceLevel: 'summary' });
    expect(full.records.length).toBeGreaterThan(summary.records.length);
    expect(full.records.some((r) => r.kind === 'request')).toBe(true);
    expect(summary.records.some((r) => r.kind === 'request')).toBe(false);
  });

  it('rejects unknown variants and params with messages that list what is valid', () => {
    expect(() => run(mmc, { variant: 'mm9' })).toThrow(/no variant "mm9"; variants: mm4-rho-80, mm1-rho-80/);
    expect(() => run(mmc, { params: { nope: 1 } })).toThrow(/unknown param "nope"; valid params: arrivalRatePerSec/);
    expect(() => run(mmc, { params: { servers: 0 } })).toThrow(/servers=0 is below the minimum; valid: an integer in \[1, 10000\]/);
    expect(() => run(mmc, { params: { servers: NaN } })).toThrow(InputError);
    expect(() => run(mmc, { seed: -3 })).toThrow(/seed -3 is not valid/);
  });

  it('a check that throws is reported as unknown, not as a crash', () => {
    const s = defineScenario({
      name: 'throwing-check',
      title: 't',
      description: '',
      params: {},
      build: () => ({}),
      checks: [{ name: 'boom', check: () => { throw new Error('no data'); } }],
    });
    const r = run(s);
    expect(r.checks[0]).toMatchObject({ name: 'boom', status: 'unknown', expected: 'ok' });
    expect(r.checks[0]!.detail).toMatch(/no data/);
  });

  it('defineScenario validates at once: expectFail must name a real check, names are kebab-case', () => {
    const base = { title: 't', description: '', params: {}, build: () => ({}) };
    expect(() => defineScenario({ ...base, name: 'Bad Name' })).toThrow(/kebab-case/);
    expect(() =>
      defineScenario({ ...base, name: 'x', variants: { a: { expectFail: ['ghost'] } }, checks: [{ name: 'real', check: () => true }] }),
    ).toThrow(/expects check "ghost" to fail, but there is no such check; checks: real/);
    expect(() =>
      defineScenario({ ...base, name: 'x', params: { n: { type: 'number', default: 5, max: 3 } } }),
    ).toThrow(/default 5 is above max 3/);
  });
});
