// Shared by the per-scenario tests: for every variant on seeds 1..20, exactly the checks the
// variant declares in `expectFail` fail, and every other check holds (issue 5 acceptance).
import { expect, it } from 'vitest';
import { run, type Scenario } from '../../sim/index.ts';

export function itMeetsVariantExpectations(scenario: Scenario<any>, seeds: readonly number[] = Array.from({ length: 20 }, (_, i) => i + 1)): void {
  for (const variant of scenario.variantNames) {
    it(`${scenario.name} ${variant}: on seeds ${seeds[0]}..${seeds.at(-1)} exactly the expected checks fail`, () => {
      const expected = [...(scenario.variants[variant]!.expectFail ?? [])].sort();
      const wrong: string[] = [];
      for (const seed of seeds) {
        const r = run(scenario, { seed, variant });
        const failed = r.checks.filter((c) => c.status !== 'ok').map((c) => c.name).sort();
        if (JSON.stringify(failed) !== JSON.stringify(expected)) {
          const detail = r.checks.map((c) => `${c.name}=${c.status} (${c.detail})`).join('; ');
          wrong.push(`seed ${seed}: failed [${failed.join(', ')}], expected [${expected.join(', ')}] — ${detail}`);
        }
      }
      expect(wrong).toEqual([]);
    });
  }
}
