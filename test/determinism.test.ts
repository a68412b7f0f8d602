// Determinism, tested: same scenario + seed + params gives the same trace hash, in this thread
// and in a worker; different seeds give different hashes; no scenario reads ambient randomness
// or the host clock (they throw here).
import 'seedrandom'; // reads Math.random once at import: load it before the stubs go in
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { run } from '../sim/index.ts';
import { resolveScenarioFile } from '../sim/cli/load.ts';
import { WORKER_ENTRY, runWorkerData } from '../sim/run/loaders.ts';
import type { WorkerJob, WorkerReply } from '../sim/run/worker.ts';
import { allScenarios, quickParams } from './support/scenarios.ts';

const scenarios = await allScenarios();

function runInWorker(job: WorkerJob): Promise<WorkerReply> {
  const worker = new Worker(WORKER_ENTRY, { workerData: runWorkerData() });
  return new Promise<WorkerReply>((resolve, reject) => {
    worker.once('message', (m: WorkerReply) => resolve(m));
    worker.once('error', reject);
    worker.postMessage(job);
  }).finally(() => void worker.terminate());
}

describe('determinism', () => {
  for (const s of scenarios) {
    const params = quickParams(s);
    it(`${s.name}: the same seed twice gives the identical trace hash and result`, () => {
      for (const variant of s.variantNames) {
        const a = run(s, { seed: 11, variant, params });
        const b = run(s, { seed: 11, variant, params });
        expect(b.traceHash).toBe(a.traceHash);
        expect({ ...b, stats: { ...b.stats, wallMs: 0 } }).toEqual({ ...a, stats: { ...a.stats, wallMs: 0 } });
      }
    });

    it(`${s.name}: different seeds give different trace hashes`, () => {
      const hashes = [1, 2, 3].map((seed) => run(s, { seed, params }).traceHash);
      expect(new Set(hashes).size).toBe(3);
    });

    it(`${s.name}: a worker thread computes the same trace hash`, async () => {
      const here = run(s, { seed: 'worker-seed', params });
      const reply = await runInWorker({
        id: 1,
        scenarioFile: resolveScenarioFile(s.name),
        scenarioRef: s.name,
        seed: 'worker-seed',
        variant: s.variantNames[0]!,
        params,
      });
      expect(reply.ok).toBe(true);
      if (reply.ok) expect(reply.result.traceHash).toBe(here.traceHash);
    });
  }
});

describe('no ambient randomness or host clock in any scenario', () => {
  const saved = { random: Math.random, now: Date.now, perf: performance.now };
  beforeAll(() => {
    const trap = (name: string) => () => {
      throw new Error(`${name} was called inside a simulation`);
    };
    Math.random = trap('Math.random');
    Date.now = trap('Date.now');
    performance.now = trap('performance.now');
  });
  afterAll(() => {
    Math.random = saved.random;
    Date.now = saved.now;
    performance.now = saved.perf;
  });

  it('the stubs are in place (this test would pass vacuously otherwise)', () => {
    expect(() => Math.random()).toThrow(/Math.random/);
    expect(() => Date.now()).toThrow(/Date.now/);
    expect(() => performance.now()).toThrow(/performance.now/);
  });

  for (const s of scenarios) {
    it(`${s.name}: every variant runs with Math.random, Date.now and performance.now throwing`, () => {
      for (const variant of s.variantNames) {
        const r = run(s, { seed: 5, variant, params: quickParams(s) });
        expect(r.checks.every((c) => c.status !== 'unknown' || c.expected === 'fail' || c.detail.length > 0)).toBe(true);
        expect(r.checks.some((c) => /was called inside a simulation/.test(c.detail))).toBe(false);
      }
    });
  }
});
