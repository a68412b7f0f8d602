// `run --verify`: the same configuration a second time in a worker thread, trace hashes compared.
// Every built-in scenario verifies on seeds 1..3; a scenario that behaves differently in a worker
// thread exits 1 naming the first record where the two runs part.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDetailed } from '../../sim/run/runner.ts';
import { cli } from '../support/cli.ts';
import { SecondRun } from '../../sim/cli/run-command.ts';
import { allScenarios, quickParams } from '../support/scenarios.ts';

const INDEX = fileURLToPath(new URL('../../sim/index.ts', import.meta.url));
const dir = realpathSync(mkdtempSync(join(tmpdir(), 'faultline-verify-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run --verify', () => {
  it('every built-in scenario gives the same trace hash in a worker thread, seeds 1..3', async () => {
    const second = await SecondRun.start();
    try {
      const failed: string[] = [];
      for (const s of await allScenarios()) {
        const params = quickParams(s);
        for (const seed of [1, 2, 3]) {
          const first = runDetailed(s, { seed, params }).result;
          const v = await second.verify(s, first, { scenarioRef: s.name, seed, params });
          if (!v.same) failed.push(`${s.name} seed ${seed}: ${v.text}`);
        }
      }
      expect(failed).toEqual([]);
    } finally {
      await second.close();
    }
  }, 120_000);

  it('prints the verdict and keeps the exit code of the run', async () => {
    const ok = await cli(['run', 'mmc-queue', '--param', 'customers=2000', '--verify']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('\nverified: same trace hash in a second run\n');
    const json = await cli(['run', 'mmc-queue', '--param', 'customers=2000', '--verify', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).scenario).toBe('mmc-queue');
    expect(json.stderr).toBe('verified: same trace hash in a second run\n');
    // a run whose check fails unexpectedly keeps its exit code 1 when it verifies
    const file = join(dir, 'failing.ts');
    writeFileSync(
      file,
      `import { defineScenario } from ${JSON.stringify(INDEX)};
export default defineScenario({
  name: 'failing', title: 't', description: 'd', params: {}, variants: { a: {} },
  build({ sim, requests }) { sim.schedule(1000, () => requests.record(sim.now, false, 1000), null); },
  checks: [{ name: 'availability', check: ({ metrics }) => metrics.availability >= 0.99 }],
});
`,
    );
    const failing = await cli(['run', file, '--verify']);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/FAIL \(expected ok\) {2}availability[\s\S]*\nverified: same trace hash in a second run\n$/);
  });

  it('a scenario that reads its thread exits 1 with the first record where the runs part', async () => {
    const file = join(dir, 'thread.ts');
    writeFileSync(
      file,
      `import { isMainThread } from 'node:worker_threads';
import { defineScenario } from ${JSON.stringify(INDEX)};
export default defineScenario({
  name: 'thread', title: 't', description: 'd', params: {}, variants: { a: {} },
  build({ sim, requests }) {
    for (let i = 0; i < 5; i++) sim.schedule(1000 * (i + 1), () => requests.record(sim.now, true, isMainThread || i < 3 ? 1000 : 2000), null);
  },
});
`,
    );
    const r = await cli(['run', file, '--verify']);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n').slice(-4);
    expect(lines[0]).toMatch(/^verify: a second run \(in a worker thread\) gave trace hash [0-9a-f]+, the first [0-9a-f]+$/);
    // record 0 is run-start; the fourth request (index 4) is the first whose latency differs
    expect(lines[1]).toBe('they part at record #4 (simulated time 0.004 s):');
    expect(JSON.parse(lines[2]!.replace(/^ {2}first: {2}/, ''))).toMatchObject({ kind: 'request', time: 4000, latencyUs: 1000 });
    expect(JSON.parse(lines[3]!.replace(/^ {2}second: /, ''))).toMatchObject({ kind: 'request', time: 4000, latencyUs: 2000 });
  });
});
