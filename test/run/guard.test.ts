// The determinism guard: a scenario that reaches for the host's clock, randomness, timers or
// process.exit inside a run fails with exit 2 and one line naming the call and its own line; the
// globals come back afterwards; faultline's own host clock keeps working. Run, check and a sweep
// worker are all guarded.
import 'seedrandom'; // reads Math.random at import, as the CLI's own imports do before any run
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineScenario, run } from '../../sim/index.ts';
import { DeterminismError } from '../../sim/run/guard.ts';
import { wallClockMs } from '../../sim/run/host-clock.ts';
import { main } from '../../sim/cli/main.ts';

const INDEX = fileURLToPath(new URL('../../sim/index.ts', import.meta.url));
const dir = realpathSync(mkdtempSync(join(tmpdir(), 'faultline-guard-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A scenario that calls `call` in a timer callback at 1 ms (or in build with `inBuild`). */
function calling(call: () => unknown, inBuild = false) {
  return defineScenario({
    name: 'guarded',
    title: 'guard',
    description: 'guard',
    params: {},
    variants: { a: {} },
    build({ sim, requests }) {
      if (inBuild) call();
      sim.schedule(1000, () => {
        call();
        requests.record(sim.now, true, 1);
      }, null);
    },
  });
}

function trapOf(f: () => unknown): DeterminismError {
  try {
    run(calling(f), { seed: 3 });
  } catch (err) {
    if (err instanceof DeterminismError) return err;
    throw err;
  }
  throw new Error('the run did not trip the guard');
}

describe('the determinism guard', () => {
  const cases: [string, () => unknown][] = [
    ['Math.random()', () => Math.random()],
    ['Date.now()', () => Date.now()],
    ['new Date()', () => new Date()],
    ['Date()', () => (Date as unknown as () => string)()],
    ['performance.now()', () => performance.now()],
    ['process.hrtime()', () => process.hrtime()],
    ['process.hrtime.bigint()', () => process.hrtime.bigint()],
    ['setTimeout()', () => setTimeout(() => undefined, 1)],
    ['setInterval()', () => setInterval(() => undefined, 1)],
    ['setImmediate()', () => setImmediate(() => undefined)],
    ['crypto.randomUUID()', () => crypto.randomUUID()],
    ['crypto.getRandomValues()', () => crypto.getRandomValues(new Uint8Array(4))],
    ['process.exit(4)', () => process.exit(4)],
  ];
  it.each(cases)('traps %s and names it, the scenario, the seed and the calling line', (name, f) => {
    const err = trapOf(f);
    expect(err.call).toBe(name);
    expect(err.message).toContain(`called ${name} inside the simulation (scenario guarded, variant a, seed 3); `);
    expect(err.location).toMatch(/test\/run\/guard\.test\.ts:\d+:\d+$/);
  });

  it('traps node:crypto imports (live bindings) too', async () => {
    const nodeCrypto = await import('node:crypto');
    expect(trapOf(() => nodeCrypto.randomUUID()).call).toBe('crypto.randomUUID()');
    expect(trapOf(() => nodeCrypto.randomBytes(4)).call).toBe('crypto.randomBytes()');
  });

  it('fails the run even when the scenario catches the throw', () => {
    const err = trapOf(() => {
      try {
        return Math.random();
      } catch {
        return 0.5;
      }
    });
    expect(err.call).toBe('Math.random()');
  });

  it('restores every global after the run, and leaves dated values alone', () => {
    const before = { random: Math.random, now: Date.now, Date, perf: performance.now, st: setTimeout, exit: process.exit, uuid: crypto.randomUUID };
    trapOf(() => Math.random());
    run(calling(() => new Date(0).toISOString()));
    expect({ random: Math.random, now: Date.now, Date, perf: performance.now, st: setTimeout, exit: process.exit, uuid: crypto.randomUUID }).toEqual(before);
    expect(Object.prototype.hasOwnProperty.call(crypto, 'randomUUID')).toBe(false);
    expect(typeof Math.random()).toBe('number');
    expect(new Date(5) instanceof Date).toBe(true);
  });

  it('leaves dates with arguments, Date.UTC and instanceof working inside a run', () => {
    let seen: unknown[] = [];
    run(calling(() => (seen = [new Date(86_400_000).toISOString(), Date.UTC(2020, 0, 1), new Date(0) instanceof Date])));
    expect(seen).toEqual(['1970-01-02T00:00:00.000Z', Date.UTC(2020, 0, 1), true]);
  });

  it("keeps faultline's own host clock working inside a run", () => {
    let t = NaN;
    const r = run(calling(() => (t = wallClockMs())));
    expect(Number.isFinite(t)).toBe(true);
    expect(r.stats.wallMs).toBeGreaterThanOrEqual(0);
  });
});

/** A scenario file of the user's whose `build` body and check are given; returns its path and the line of `marker`. */
function userFile(name: string, body: string, check = 'true'): { file: string; line: number } {
  const text = `import { defineScenario } from ${JSON.stringify(INDEX)};
export default defineScenario({
  name: '${name}',
  title: 'guard',
  description: 'guard',
  params: {},
  variants: { a: {} },
  build({ service, client, openLoop, sim }) {
    const s = service('s', { replicas: 2, endpoints: { e: { work: '1ms' } } });
    openLoop({ rate: '20/s', until: '1s', call: client(s, 'e') });
${body}
  },
  checks: [{ name: 'c', check: () => ${check} }],
});
`;
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, text);
  return { file, line: text.split('\n').findIndex((l) => l.includes('Math.random')) + 1 };
}

async function cli(argv: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const code = await main(argv, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), isTTY: false });
  return { code, stderr: stderr.split(dir + '/').join(''), stdout };
}

describe('the guard at the command line', () => {
  it('run: Math.random() in build exits 2 with one line naming the call and the file:line', async () => {
    const { file, line } = userFile('in-build', '    Math.random();');
    const r = await cli(['run', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(new RegExp(`^faultline: in-build\\.ts:${line}:\\d+ called Math\\.random\\(\\) inside the simulation`))]);
  });

  it('run: Math.random() in a callback exits 2 the same way', async () => {
    const { file, line } = userFile('in-callback', '    sim.schedule(5000, () => void Math.random(), null);');
    const r = await cli(['run', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^faultline: in-callback\\.ts:${line}:\\d+ called Math\\.random\\(\\)`));
  });

  it('check: a check that calls Math.random() exits 2 (not a violation, not a skipped plan)', async () => {
    const { file, line } = userFile('in-check', '', 'Math.random() < 2');
    const r = await cli(['check', file, '--runs', '3', '--kinds', 'crash']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^faultline: in-check\\.ts:${line}:\\d+ called Math\\.random\\(\\)`));
  });

  it('sweep: a worker thread traps it too: an input error naming the seed (exit 2), not an outcome that differs', async () => {
    const { file } = userFile('in-worker', '    sim.schedule(5000, () => void Math.random(), null);');
    const r = await cli(['sweep', file, '--seeds', '1..2', '--workers', '1', '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^faultline: sweep: in-worker\.ts:\d+:\d+ called Math\.random\(\) inside the simulation \(scenario in-worker, variant a, seed 1\).* \(2 of 2 runs stopped the same way\)\n$/);
  });
});
