// What the command loads from the build (dist/, when current: the lander builds before testing).
// Start-up is module loading, so each command must load only what it uses: these tests read the
// URLs Node loads (a module hook writes each to stderr) rather than timing anything.
import { describe, expect, it } from 'vitest';
import { faultKinds } from '../sim/faults/plan.ts';
import '../sim/run/fault-kinds.ts';
import { buildCurrent, commandLoads as loads, ROOT_URL } from './support/build.ts';

describe.runIf(buildCurrent)('modules the command loads from the build', () => {
  it('list loads no scenario, no simulator and no dependency', () => {
    const r = loads('list');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^mmc-queue +/m);
    expect(r.loaded.some((u) => u.includes('/dist/sim/cli/main.js'))).toBe(true);
    // matched on the path inside the checkout, so a checkout under a folder named like a module (CI's /check/…) cannot match
    const inside = r.loaded.map((u) => (u.startsWith(ROOT_URL) ? u.slice(ROOT_URL.length - 1) : u));
    expect(inside.filter((u) => u.includes('/node_modules/') || /\/scenarios\/[^/]+\.js$/.test(u) || /\/(kernel\/sim|run\/runner|observe|world|patterns|alerts|check)[./]/.test(u))).toEqual([]);
    // nothing from the sources either
    expect(r.loaded.filter((u) => u.endsWith('.ts'))).toEqual([]);
  });
});

describe.runIf(buildCurrent)('a run from the build', () => {
  it('loads the bundle only: no source, no tsx or esbuild, no fast-check and no yaml', () => {
    const r = loads('run', 'mmc-queue', '--param', 'customers=1000');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^trace hash: [0-9a-f]{16}$/m);
    expect(r.loaded.some((u) => u.includes('/dist/sim/chunks/'))).toBe(true);
    expect(r.loaded.filter((u) => u.endsWith('.ts') || /\/node_modules\/(tsx|esbuild|fast-check|yaml)\//.test(u))).toEqual([]);
    // faultline's own modules come from dist/ only: the scenario's entry and the shared chunks
    expect(r.loaded.filter((u) => u.startsWith('file:') && !u.includes('/dist/') && !u.endsWith('/bin/faultline.mjs'))).toEqual([]);
  });

  it("a sweep's worker threads load the build too", () => {
    const r = loads('sweep', 'mmc-queue', '--seeds', '1..2', '--workers', '2', '--param', 'customers=1000', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(r.loaded.filter((u) => u.endsWith('/dist/sim/run/worker.js')).length).toBeGreaterThan(0);
    expect(r.loaded.filter((u) => u.endsWith('.ts') || /\/node_modules\/(tsx|esbuild|fast-check)\//.test(u))).toEqual([]);
  });

  it('check loads fast-check (the property-test engine is there when asked for)', () => {
    const r = loads('check', 'mmc-queue', '--runs', '1', '--json');
    expect(r.loaded.some((u) => u.includes('/node_modules/fast-check/'))).toBe(true);
  });
});

describe.runIf(buildCurrent)('module side effects in the bundle', () => {
  // the bundle may evaluate modules imported only for their side effects in another order than
  // Node evaluates the sources: the fault kinds' registry must still list them in the same order
  it('faults --json lists the kinds in the order the sources register them', () => {
    const r = loads('faults', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { kind: string }[]).map((k) => k.kind)).toEqual(faultKinds());
  });
});
