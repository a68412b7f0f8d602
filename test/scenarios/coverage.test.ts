// Every scenario has its own test file that checks its variant expectations on seeds 1..20.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { scenarioNames } from '../../sim/cli/load.ts';

describe('scenario test coverage', () => {
  for (const name of scenarioNames()) {
    it(`${name} has test/scenarios/${name}.test.ts using itMeetsVariantExpectations`, () => {
      const file = fileURLToPath(new URL(`./${name}.test.ts`, import.meta.url));
      expect(existsSync(file)).toBe(true);
      if (name !== 'mmc-queue') expect(readFileSync(file, 'utf8')).toContain('itMeetsVariantExpectations');
    });
  }
});
