// The cost model against its formulas: compute = Σ price(type) × billed time, transfer = Σ bytes
// × price per GB by kind of link, both as rates per hour of the run. Prices here are relative
// (an instance costs 1 per hour), never the example table's figures.
import { describe, expect, it } from 'vitest';
import { defineScenario, run } from '../../sim/index.ts';
import { EXAMPLE_PRICES, priceTypeOf, rankByCost, regionOfZone, validatePriceTable, type PriceTable } from '../../sim/world/cost.ts';
import { main } from '../../sim/cli/main.ts';
import zoneOutage from '../../scenarios/zone-outage.ts';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const UNIT: PriceTable = {
  date: '2026-01',
  currency: 'USD',
  nodeTypes: { small: { perHour: 1, cores: 2 }, big: { perHour: 4, cores: 8 }, alb: { perHour: 0 } },
  defaultTypes: ['small', 'big'],
  transferPerGB: { sameZone: 0, crossZone: 0, crossRegion: 0 },
  messageBytes: 0,
};

describe('cost model', () => {
  it('zone-outage: static stability costs more than autoscaling, which costs more than no spare (one instance = 1 per hour)', () => {
    const cost = (variant: string): number => run(zoneOutage, { variant, seed: 1, prices: { ...UNIT, nodeTypes: { ...UNIT.nodeTypes, 'm5.large': { perHour: 1, cores: 2 } } } }).metrics.costPerHourUsd as number;
    const [stat, auto, none] = [cost('static-stability'), cost('autoscaling'), cost('no-spare')];
    // six instances for the whole run, three for the whole run, and three plus the pods the HPA launched for part of it
    expect(stat).toBeCloseTo(6, 6);
    expect(none).toBeCloseTo(3, 6);
    expect(auto).toBeGreaterThan(none);
    expect(auto).toBeLessThan(stat);
  });

  it('charges a node for the time it is billed, and an untyped node as the first default type with its cores', () => {
    const s = defineScenario({
      name: 'billing',
      title: 'billing',
      description: 'one node billed throughout, one launched half-way',
      params: {},
      variants: { only: {} },
      build({ world, sim }) {
        const w = world({ nodes: [{ name: 'a', cores: 2 }, { name: 'b', cores: 6, billed: false }, { name: 'lb', instanceType: 'alb' }] });
        sim.schedule(50_000_000, () => w.setBilled("b", true), undefined);
        return { untilUs: 100_000_000 };
      },
    });
    const r = run(s, { prices: UNIT });
    // a: small (2 cores) all run = 1/h; b: big (first default with ≥ 6 cores) half the run = 4 × 0.5
    expect(r.metrics.costPerHourUsd).toBeCloseTo(1 + 4 * 0.5, 6);
    expect((r.metrics.cost as { nodeHoursByType: Record<string, number> }).nodeHoursByType.big).toBeCloseTo(50 / 3600, 6);
    expect(priceTypeOf({ name: 'x', instanceType: undefined, cores: 64 }, UNIT)).toBe('big');
  });

  it('charges transfer by bytes and kind of link: same zone, across zones of a region, across regions', () => {
    const N = 1000;
    const s = defineScenario({
      name: 'transfer',
      title: 'transfer',
      description: 'messages of known size between zones and regions',
      params: {},
      variants: { only: {} },
      build({ world, sim }) {
        const w = world({
          nodes: [
            { name: 'a', zone: 'us-east-1a' },
            { name: 'a2', zone: 'us-east-1a' },
            { name: 'b', zone: 'us-east-1b' },
            { name: 'c', zone: 'eu-west-1a' },
          ],
        });
        for (let i = 0; i < N; i++) {
          sim.schedule(i * 1000, () => {
            w.net.send('a', 'a2', null, 1_000_000);
            w.net.send('a', 'b', null, 2_000_000);
            w.net.send('a', 'c', null, 3_000_000);
            w.net.send('b', 'c', null, 0); // unsized: counts as messageBytes
          }, undefined);
        }
        return { untilUs: 3_600_000_000 };
      },
    });
    const prices: PriceTable = { ...UNIT, nodeTypes: { small: { perHour: 0, cores: 64 } }, defaultTypes: ['small'], transferPerGB: { sameZone: 1, crossZone: 10, crossRegion: 100 }, messageBytes: 500_000 };
    const r = run(s, { prices });
    // the run is one hour: the rate equals what it spent
    const gb = { same: (N * 1e6) / 1e9, cross: (N * 2e6) / 1e9, region: (N * 3e6 + N * 5e5) / 1e9 };
    expect(r.metrics.costPerHourUsd).toBeCloseTo(gb.same * 1 + gb.cross * 10 + gb.region * 100, 6);
    expect((r.metrics.cost as { transferGB: unknown }).transferGB).toEqual({ sameZone: gb.same, crossZone: gb.cross, crossRegion: gb.region });
    expect([regionOfZone('us-east-1a'), regionOfZone('eu-west-1c'), regionOfZone('zone-a')]).toEqual(['us-east-1', 'eu-west-1', 'default']);
  });

  it('names the cheapest design that meets every check', () => {
    const ok = [{ status: 'ok' }];
    const bad = [{ status: 'fail' }];
    const rank = rankByCost([
      { variant: 'big', metrics: { costPerHourUsd: 6, cost: { prices: 'p' } }, checks: ok },
      { variant: 'cheap', metrics: { costPerHourUsd: 1 }, checks: bad },
      { variant: 'mid', metrics: { costPerHourUsd: 3 }, checks: ok },
    ]);
    expect(rank.cheapestPassing).toBe('mid');
    expect(rank.rows.map((r) => r.variant)).toEqual(['cheap', 'mid', 'big']);
  });

  it('docs/COST.md shows the cost line that `run zone-outage --all-variants` prints', async () => {
    const out: string[] = [];
    const io = { stdout: (s: string) => void out.push(s), stderr: (s: string) => void out.push(s), isTTY: false };
    expect(await main(['run', 'zone-outage', '--all-variants'], io)).toBe(0);
    const line = out.join('').split('\n').find((l) => l.startsWith('cost: '));
    expect(line).toMatch(/^cost: cheapest design that meets every check: static-stability; /);
    expect(readFileSync(new URL('../../docs/COST.md', import.meta.url), 'utf8')).toContain(`\n${line}\n`);
  });

  it('ships the example table as examples/prices.json, and it validates', () => {
    const shipped = JSON.parse(readFileSync(new URL('../../examples/prices.json', import.meta.url), 'utf8'));
    expect(shipped).toEqual(EXAMPLE_PRICES);
    expect(validatePriceTable(shipped)).toEqual(EXAMPLE_PRICES);
  });

  it('rejects a bad price table with the field, the value and what is valid', () => {
    const bad = (patch: Record<string, unknown>): string => {
      try {
        validatePriceTable({ ...EXAMPLE_PRICES, ...patch }, 'prices.json');
        return 'accepted';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(bad({ date: 'June' })).toBe('prices.json: date must be the date the prices stand for, as YYYY-MM or YYYY-MM-DD, got "June"');
    expect(bad({ nodeTypes: { x: { perHour: -1, cores: 2 } }, defaultTypes: ['x'] })).toBe('prices.json: nodeTypes.x.perHour must be a number from 0 to 1000000, got -1');
    expect(bad({ defaultTypes: ['m9.huge'] })).toMatch(/^prices\.json: defaultTypes\[0\] must be a type of nodeTypes \(.*\), got "m9\.huge"$/);
    expect(bad({ transferPerGB: { sameZone: 0, crossZone: 0.02, crossregion: 0.02 } })).toMatch(/unknown key "crossregion"; did you mean "crossRegion"\?/);
    expect(bad({ nodeTypez: {} })).toMatch(/unknown key "nodeTypez"; did you mean "nodeTypes"\?/);
    expect(bad({})).toBe('accepted');
  });

  it('CLI: --prices with a bad table exits 2 naming the field; a type missing from the table names the node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-prices-'));
    const out: string[] = [];
    const io = { stdout: (s: string) => void out.push(s), stderr: (s: string) => void out.push(s), isTTY: false };
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...EXAMPLE_PRICES, messageBytes: 'lots' }));
    expect(await main(['run', 'zone-outage', '--prices', join(dir, 'bad.json')], io)).toBe(2);
    expect(out.join('')).toBe(`faultline: --prices ${join(dir, 'bad.json')}: messageBytes must be a number from 0 to 1000000000000, got "lots"\n`);
    out.length = 0;
    writeFileSync(join(dir, 'noalb.json'), JSON.stringify({ ...UNIT, nodeTypes: { 'm5.large': { perHour: 1, cores: 2 } }, defaultTypes: ['m5.large'] }));
    expect(await main(['run', 'zone-outage', '--prices', join(dir, 'noalb.json')], io)).toBe(2);
    expect(out.join('')).toBe('faultline: node "lb": instanceType "alb" is not in the price table (2026-01); types: m5.large\n');
  });
});
