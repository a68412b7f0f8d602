// `sweep --grid`: the cartesian product of param values × seeds, per-point cost and pass rates,
// the Pareto front and the cheapest setting that meets every check on every seed. The summary
// functions are checked against hand-made rows; the command on zone-outage end to end, sharded.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { formatSweep, runSweep } from '../../sim/cli/sweep-command.ts';
import { main } from '../../sim/cli/main.ts';
import { gridSummary, parseGrid, type GridRun } from '../../sim/run/grid.ts';
import { mergeReports } from '../../sim/run/sweep-report.ts';
import { WorkerPool } from '../../sim/run/pool.ts';
import zoneOutage from '../../scenarios/zone-outage.ts';

describe('param grids', () => {
  it('expands the cartesian product, first key slowest, and validates every point before running', () => {
    const g = parseGrid(zoneOutage, ['instancesPerZone=1,2', 'autoscaling=false,true']);
    expect(g.points).toEqual([
      { instancesPerZone: 1, autoscaling: false },
      { instancesPerZone: 1, autoscaling: true },
      { instancesPerZone: 2, autoscaling: false },
      { instancesPerZone: 2, autoscaling: true },
    ]);
    const err = (raw: string[], fixed = {}): string => {
      try {
        parseGrid(zoneOutage, raw, fixed);
        return 'accepted';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(err(['instancesPerZone=1,9'])).toBe('--grid instancesPerZone=9: param instancesPerZone=9 is above the maximum; valid: an integer in [1, 8]');
    expect(err(['instancesPerzone=1'])).toMatch(/^--grid: scenario zone-outage has no param "instancesPerzone"; params: instancesPerZone \(an integer in \[1, 8\]\);/);
    expect(err(['instancesPerZone'])).toBe('--grid instancesPerZone: use --grid name=v1,v2,... (e.g. --grid instancesPerZone=1,2,3)');
    expect(err(['instancesPerZone=1,,2'])).toBe('--grid instancesPerZone: an empty value in 1,,2; separate values with single commas');
    expect(err(['instancesPerZone=1,1'])).toBe('--grid instancesPerZone: value 1 is listed twice');
    expect(err(['instancesPerZone=1', 'instancesPerZone=2'])).toMatch(/is given twice/);
    expect(err(['instancesPerZone=1,2'], { instancesPerZone: 2 })).toBe('--grid: instancesPerZone is also fixed by --param; give it in one of the two');
    expect(err(['autoscaling=maybe'])).toBe('param autoscaling: "maybe" is not a boolean; valid: true or false');
  });

  it('the Pareto front keeps the points no other point beats on both cost and availability; the cheapest passing point wins', () => {
    const grid = { keys: ['n'], points: [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }] };
    const row = (n: number, cost: number, availability: number, ok: boolean): GridRun => ({
      variant: 'v',
      params: { n },
      checks: [{ name: 'c', status: ok ? 'ok' : 'fail' }],
      metrics: { costPerHourUsd: cost, availability },
    });
    // n=3 costs more than n=2 and is less available: dominated
    const s = gridSummary([row(1, 1, 0.5, false), row(2, 2, 0.99, true), row(2, 2, 0.99, true), row(3, 3, 0.9, true), row(4, 4, 0.999, true)], ['v'], grid);
    expect(s.points.map((p) => [p.params.n, p.pareto, p.allChecksPassRate, p.runs])).toEqual([
      [1, true, 0, 1],
      [2, true, 1, 2],
      [3, false, 1, 1],
      [4, true, 1, 1],
    ]);
    expect(s.cheapest.v).toEqual({ params: { n: 2 }, costPerHourUsd: 2 });
  });

  it('sweep zone-outage --grid instancesPerZone=1,2,3,4: cost grows with the fleet, 2 per zone is the cheapest that passes, shards merge to the same result', async () => {
    // one warm pool for the whole sweep and its three shards
    const pool = new WorkerPool({ workers: 2 });
    const o = { scenarioRef: 'zone-outage', seeds: '1..5', grid: parseGrid(zoneOutage, ['instancesPerZone=1,2,3,4']), pool };
    const whole = await runSweep(o);
    const g = whole.gridSummary!;
    const costs = g.points.map((p) => p.costPerHourUsd!);
    expect([...costs].sort((a, b) => a - b)).toEqual(costs);
    expect(g.points.map((p) => p.allChecksPassRate)).toEqual([0, 1, 1, 1]);
    expect(g.cheapest['static-stability']!.params).toEqual({ instancesPerZone: 2 });
    expect(whole.runs.every((r) => r.params !== undefined && r.replay.includes(`--param instancesPerZone=${r.params.instancesPerZone}`))).toBe(true);
    const shards = [];
    for (const i of [1, 2, 3]) shards.push(await runSweep({ ...o, shard: `${i}/3` }));
    await pool.close();
    expect(shards.map((s) => s.runs.length)).toEqual([7, 7, 6]);
    const merged = mergeReports(shards);
    expect(merged.gridSummary).toEqual(whole.gridSummary);
    expect(merged.runs.map((r) => r.traceHash)).toEqual(whole.runs.map((r) => r.traceHash));
    // the README shows this sweep's output word for word
    const printed = formatSweep(whole);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('```\n' + printed.slice(printed.indexOf('grid, variant')).trimEnd() + '\n```');
  });

  it('prints the grid table, the Pareto front and the cheapest passing setting; a bad grid spec exits 2', async () => {
    const out: string[] = [];
    const io = { stdout: (s: string) => void out.push(s), stderr: (s: string) => void out.push(s), isTTY: false };
    expect(await main(['sweep', 'zone-outage', '--grid', 'instancesPerZone=1,2', '--seeds', '1..2', '--workers', '1'], io)).toBe(0);
    const text = out.join('');
    expect(text).toMatch(/^instancesPerZone {2}runs +cost +availability +all checks/m);
    expect(text).toMatch(/^pareto \(no other setting is both cheaper and more available\): instancesPerZone=1 \(\$[\d.]+\/h, [\d.]+\); instancesPerZone=2 /m);
    expect(text).toMatch(/^cheapest setting that meets every check on every seed: instancesPerZone=2 at \$0\.6\d*\/h$/m);
    out.length = 0;
    expect(await main(['sweep', 'zone-outage', '--grid', 'instancesPerZone=0'], io)).toBe(2);
    expect(out.join('')).toBe('faultline: --grid instancesPerZone=0: param instancesPerZone=0 is below the minimum; valid: an integer in [1, 8]\n');
    out.length = 0;
    expect(await main(['sweep', 'zone-outage', '--prices', '/nonexistent/prices.json'], io)).toBe(2);
    expect(out.join('')).toBe('faultline: --prices: cannot read /nonexistent/prices.json\n');
  });
});
