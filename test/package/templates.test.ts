// Every built-in scenario is a template: it imports only the public entry points, and a copy of
// it in a folder outside the repository (where `faultline` can only be found through the loaders
// the CLI registers) runs with the same trace hash as the built-in file.
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../sim/index.ts';
import { resolveScenarioFile } from '../../sim/cli/load.ts';
import { WorkerPool } from '../../sim/run/pool.ts';
import type { WorkerJob } from '../../sim/run/worker.ts';
import { allScenarios, quickParams } from '../support/scenarios.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PUBLIC = new Set(['faultline', 'faultline/world', 'faultline/patterns', 'faultline/app', 'faultline/check']);
const scenarios = await allScenarios();

describe('built-in scenarios as templates', () => {
  it('import only the public entry points', () => {
    const offenders: string[] = [];
    for (const s of scenarios) {
      const file = resolveScenarioFile(s.name);
      const text = readFileSync(file, 'utf8');
      const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm), ...text.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
      expect(specifiers.length, `${s.name} imports nothing?`).toBeGreaterThan(0);
      for (const spec of specifiers) if (!PUBLIC.has(spec)) offenders.push(`${relative(ROOT, file)}: ${spec}`);
    }
    expect(offenders).toEqual([]);
  });

  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'faultline-templates-')));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a copy outside the repository runs with seed 1 and the built-in trace hash', async () => {
    expect(relative(ROOT, dir).startsWith('..')).toBe(true);
    // a CommonJS package.json, as in a project that never chose ES modules
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-system', version: '1.0.0' }));
    const jobs: WorkerJob[] = [];
    const expected: string[] = [];
    for (const s of scenarios) {
      const copy = join(dir, `${s.name}.ts`);
      copyFileSync(resolveScenarioFile(s.name), copy);
      const variant = s.variantNames[0]!;
      jobs.push({ id: jobs.length, scenarioFile: copy, scenarioRef: copy, seed: 1, variant, params: quickParams(s) });
      expected.push(`${s.name}/${variant}: ${run(s, { seed: 1, variant, params: quickParams(s) }).traceHash}`);
    }
    // Worker threads load the copies as `faultline sweep <file>` does: through Node's loaders
    // (tsx and the resolve hook), not through vitest's transform.
    const pool = new WorkerPool({ workers: 2 });
    try {
      const replies = await pool.run(jobs);
      const got = replies.map((r, i) => {
        const job = jobs[i]!;
        const name = relative(dir, job.scenarioFile).replace(/\.ts$/, '');
        return `${name}/${job.variant}: ${r.ok ? r.result.traceHash : `error ${r.error}`}`;
      });
      expect(got).toEqual(expected);
    } finally {
      await pool.close();
    }
  });
});
