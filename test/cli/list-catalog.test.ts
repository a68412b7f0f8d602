// `faultline list` from the build reads dist/scenarios/catalog.json (written by `npm run build`)
// instead of importing every scenario module: the listing must equal what the scenarios declare,
// and no scenario module may be loaded. Runs against dist/ only when the build is current (the
// lander builds before testing); from a stale build the command runs the sources anyway.
import { describe, expect, it } from 'vitest';
import { allScenarios } from '../support/scenarios.ts';
import { buildCurrent, commandLoads } from '../support/build.ts';

describe.runIf(buildCurrent)('faultline list from the build', () => {
  it('prints what every scenario declares, from the catalog, without importing a scenario module', async () => {
    const r = commandLoads('list', '--json');
    expect(r.status, r.stderr).toBe(0);
    const expected = (await allScenarios()).map((s) => ({ name: s.name, title: s.title, variants: s.variantNames, params: s.params }));
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(r.loaded.some((u) => u.includes('/dist/sim/cli/main.js'))).toBe(true);
    expect(r.loaded.filter((u) => u.includes('/scenarios/'))).toEqual([]);
  });
});
