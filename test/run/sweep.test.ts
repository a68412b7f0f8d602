import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSweep } from '../../sim/cli/sweep-command.ts';
import { mergeReports, parseSeedRange, parseShard, shardSeeds } from '../../sim/run/sweep-report.ts';

const FLAKY = fileURLToPath(new URL('../fixtures/flaky-scenario.ts', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/faultline.mjs', import.meta.url));

describe('seed ranges and shards', () => {
  it('parseSeedRange reads ranges and lists and rejects nonsense', () => {
    expect(parseSeedRange('1..5')).toEqual([1, 2, 3, 4, 5]);
    expect(parseSeedRange('9,1..3,2')).toEqual([1, 2, 3, 9]);
    expect(() => parseSeedRange('5..1')).toThrow(/backwards/);
    expect(() => parseSeedRange('a..b')).toThrow(/not a seed or a range/);
    expect(() => parseShard('0/4')).toThrow(/1 ≤ i ≤ n/);
    expect(() => parseShard('5/4')).toThrow(/1 ≤ i ≤ n/);
  });

  it('shard slices are disjoint and cover every seed', () => {
    const seeds = parseSeedRange('1..103');
    const slices = [1, 2, 3, 4].map((index) => shardSeeds(seeds, { index, count: 4 }));
    expect(slices.flat().sort((a, b) => a - b)).toEqual(seeds);
    expect(new Set(slices.flat()).size).toBe(seeds.length);
  });
});

describe('sweep', () => {
  const base = { scenarioRef: 'mmc-queue', seeds: '1..12', allVariants: true, params: { customers: 3000 } };

  it('gives identical results whatever the number of workers', async () => {
    const one = await runSweep({ ...base, workers: 1 });
    const two = await runSweep({ ...base, workers: 2 });
    const three = await runSweep({ ...base, workers: 3 });
    expect(two).toEqual(one);
    expect(three).toEqual(one);
    expect(one.runs).toHaveLength(24);
    expect(one.summary['mm4-rho-80']!.runs).toBe(12);
  });

  it('the merge of shard outputs equals the unsharded sweep', async () => {
    const whole = await runSweep({ ...base, workers: 2 });
    const shards = await Promise.all([1, 2, 3].map((i) => runSweep({ ...base, workers: 1, shard: `${i}/3` })));
    const seedsPerShard = shards.map((s) => new Set(s.runs.map((r) => r.seed)));
    for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) for (const s of seedsPerShard[i]!) expect(seedsPerShard[j]!.has(s)).toBe(false);
    expect(mergeReports(shards)).toEqual(whole);
    expect(() => mergeReports([shards[0]!, shards[0]!])).toThrow(/appears in more than one shard/);
  });

  it('a seed that throws, runs away or kills its worker is reported with its seed and error; the rest finish', async () => {
    const report = await runSweep({ scenarioRef: FLAKY, seeds: '1..8', workers: 2 });
    const bySeed = new Map(report.runs.map((r) => [r.seed, r]));
    expect(report.runs).toHaveLength(8);
    expect(bySeed.get(3)!.error).toMatch(/model bug on purpose/);
    expect(bySeed.get(4)!.error).toMatch(/eventsMax=10000 exceeded .*seed 4/);
    expect(bySeed.get(5)!.error).toMatch(/worker exited with code 7/);
    for (const s of [1, 2, 6, 7, 8]) expect(bySeed.get(s)!.error).toBeUndefined();
    const unexpected = report.summary.default!.unexpected.map((u) => u.seed);
    expect(unexpected).toEqual([3, 4, 5]);
    expect(report.summary.default!.unexpected[0]!.replay).toMatch(/run .*flaky-scenario\.ts --seed 3/);
  });

  it('a job sent to a worker behind one that kills it runs on the replacement worker', async () => {
    // one worker holds two jobs at once: seed 6 waits behind seed 5, which kills the worker
    const report = await runSweep({ scenarioRef: FLAKY, seeds: '5..8', workers: 1 });
    expect(report.runs.map((r) => r.seed)).toEqual([5, 6, 7, 8]);
    expect(report.runs[0]!.error).toMatch(/worker exited with code 7/);
    for (const r of report.runs.slice(1)) expect(r.error).toBeUndefined();
  });

  it('the watchdog stops a hung run and the sweep goes on', async () => {
    const report = await runSweep({ scenarioRef: FLAKY, seeds: '6..7', workers: 1, params: { hangOnSeed6: true }, watchdogMs: 3000 });
    expect(report.runs.find((r) => r.seed === 6)!.error).toMatch(/watchdog: the run took longer than 3000 ms/);
    expect(report.runs.find((r) => r.seed === 7)!.error).toBeUndefined();
  });

  it('the command exits 1 when a seed fails and writes --out atomically', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-sweep-'));
    const out = join(dir, 'res.json');
    const r = spawnSync(process.execPath, [BIN, 'sweep', FLAKY, '--seeds', '1..4', '--workers', '2', '--out', out], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/seed 3: .*model bug on purpose/);
    expect(r.stdout).toMatch(/replay: npm run faultline -- run .*--seed 3/);
    const saved = JSON.parse(readFileSync(out, 'utf8'));
    expect(saved.runs.map((x: { seed: number }) => x.seed)).toEqual([1, 2, 3, 4]);
  });
});
