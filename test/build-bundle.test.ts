// The build's bundle step (tools/bundle.ts): a built-in scenario's `faultline` imports become a
// module re-exporting only what the scenario imports, from the same modules the entry point
// re-exports them from. These functions read our own entry points and scenarios.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { entryCopy, importedNames } from '../tools/bundle.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('entry point copies', () => {
  it('a scenario imports the value names of its import lines; types and other specifiers are left out', () => {
    const src = "import { defineScenario, Histogram as H, type FaultPlan } from 'faultline';\nimport type { Node } from 'faultline';\nimport { kvHistory } from 'faultline/check';\n";
    expect([...importedNames(src, 'faultline')!]).toEqual(['defineScenario', 'Histogram']);
    expect([...importedNames(src, 'faultline/check')!]).toEqual(['kvHistory']);
    expect(importedNames("import * as f from 'faultline';", 'faultline')).toBeNull();
  });

  it("the copy of sim/index.ts keeps its side-effect import and only the re-exports asked for, from the same files", () => {
    const copy = entryCopy(readFileSync(`${ROOT}sim/index.ts`, 'utf8'), new Set(['defineScenario', 'Histogram', 'checkScenario']));
    expect(copy.split('\n').filter(Boolean)).toEqual([
      "import './faults/register.ts';",
      "export { Histogram } from './observe/metrics.ts';",
      "export { defineScenario } from './run/scenario.ts';",
      "export { checkScenario } from './check/index.ts';",
    ]);
    expect(entryCopy(readFileSync(`${ROOT}sim/index.ts`, 'utf8'), new Set(['defineScenario']))).not.toMatch(/check|patterns/);
  });

  it('an entry point with anything but re-exports is refused', () => {
    expect(() => entryCopy("export { a } from './a.ts';\nexport const b = 1;\n", null)).toThrow(/more than re-exports/);
  });
});
