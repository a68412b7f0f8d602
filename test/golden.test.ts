// No-regression goldens: for a few fixed seeds, the trace hash and a summary of each scenario's
// default variant. A behavioural change shows up here as a reviewed diff. To accept an intended
// change, run `UPDATE_GOLDENS=1 npx vitest run test/golden.test.ts` and commit the new file.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { run } from '../sim/index.ts';
import { allScenarios, quickParams } from './support/scenarios.ts';

const FILE = fileURLToPath(new URL('./golden/goldens.json', import.meta.url));
const SEEDS = [1, 42];
const update = process.env.UPDATE_GOLDENS === '1';

type Golden = { traceHash: string; events: number; requests: number; availability: number; checks: Record<string, string> };
const stored: Record<string, Golden> = existsSync(FILE) ? JSON.parse(readFileSync(FILE, 'utf8')) : {};
const scenarios = await allScenarios();
const fresh: Record<string, Golden> = {};

describe('goldens', () => {
  for (const s of scenarios) {
    for (const seed of SEEDS) {
      const key = `${s.name}/${s.variantNames[0]}/seed-${seed}`;
      it(key, () => {
        const r = run(s, { seed, params: quickParams(s) });
        const g: Golden = {
          traceHash: r.traceHash,
          events: r.stats.events,
          requests: r.metrics.requests,
          availability: r.metrics.availability,
          checks: Object.fromEntries(r.checks.map((c) => [c.name, c.status])),
        };
        fresh[key] = g;
        if (update) return;
        expect(stored[key], `no golden for ${key}; run with UPDATE_GOLDENS=1 and review the diff`).toBeDefined();
        expect(g).toEqual(stored[key]);
      });
    }
  }
  it.runIf(update)('writes the updated goldens', () => {
    const sorted = Object.fromEntries(Object.entries({ ...stored, ...fresh }).sort(([a], [b]) => a.localeCompare(b)));
    writeFileSync(FILE, JSON.stringify(sorted, null, 2) + '\n');
  });
});
