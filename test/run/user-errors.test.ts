// Mistakes a newcomer makes in their own scenario file, as `faultline run` reports them: an invalid
// spec exits 2 with one line naming the key, where it was and what was meant; a throw in build or
// in a callback exits 1 naming the scenario, variant, seed and simulated time, with the user's own
// frame and none of faultline's.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineScenario, InputError, run } from '../../sim/index.ts';
import { main } from '../../sim/cli/main.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'faultline.mjs');
const dir = realpathSync(mkdtempSync(join(tmpdir(), 'faultline-mistakes-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Write a scenario whose build body is `body`; returns its file name. */
function writeBody(name: string, body: string, extra = ''): string {
  const file = join(dir, `${name}.ts`);
  writeFileSync(
    file,
    `import { defineScenario, createWorld } from 'faultline';
export default defineScenario({
  name: '${name}',
  title: 'a mistake',
  description: 'a mistake',
  params: {},
  variants: { first: {}, second: {} },${extra}
  build(ctx) {
    const { service, client, openLoop, world } = ctx;
${body}
  },
});
`,
  );
  return file;
}

const ARGS = ['--variant', 'second', '--seed', '7'];

/** `faultline run <file>` as a user runs it: a child process in the file's folder. */
function runBody(name: string, body: string, extra = ''): { code: number | null; stderr: string; stdout: string } {
  writeBody(name, body, extra);
  const r = spawnSync(process.execPath, [BIN, 'run', `./${name}.ts`, ...ARGS], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** The same command in this process (fast: no start-up per case). */
async function runBodyHere(name: string, body: string, extra = ''): Promise<{ code: number; stderr: string }> {
  const file = writeBody(name, body, extra);
  let stderr = '';
  const code = await main(['run', file, ...ARGS], { stdout: () => undefined, stderr: (s) => void (stderr += s), isTTY: false });
  return { code, stderr: stderr.split(dir + '/').join('') };
}

/** No frame of faultline's own code (sim/, bin/), of Node's or of a dependency's. */
function expectNoFaultlineFrame(stderr: string): void {
  expect(stderr).not.toMatch(/\/sim\/|bin\/faultline|node:internal|node_modules|internal error/);
}

describe('an invalid spec exits 2 with one line', () => {
  it('createWorld(ctx, { nodez }) names nodez, suggests nodes and points at the line', () => {
    const r = runBody('nodez', `    createWorld(ctx, { nodez: ['a', 'b'] } as never);`);
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^faultline: nodez \(variant second, seed 7\): createWorld: unknown key "nodez"; did you mean "nodes"\? valid keys: nodes, /);
    expect(lines[0]).toMatch(/\(at nodez\.ts:10:5, in build\)$/);
  });

  it('world({ nodez }) from the build context says the same', async () => {
    const r = await runBodyHere('world-nodez', `    world({ nodez: ['a'] } as never);`);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown key "nodez"; did you mean "nodes"\?/);
  });

  it.each([
    ['a service spec', `service('api', { replica: 2, endpoints: { get: {} } } as never);`, /service api: unknown key "replica"; did you mean "replicas"\?/],
    ['an endpoint spec', `service('api', { endpoints: { get: { wrok: '1ms' } } } as never);`, /service api: endpoints\.get: unknown key "wrok"; did you mean "work"\?/],
    ['a node spec', `service('api', { node: { core: 2 }, endpoints: { get: {} } } as never);`, /service api: node: unknown key "core"; did you mean "cores"\?/],
    ['a workload', `openLoop({ rat: '10/s', until: '1s', call: client(service('api', { endpoints: { get: {} } }), 'get') } as never);`, /workload client: unknown option "rat"; did you mean "rate"\?/],
    ['a pattern', `ctx.retry({ attemptMax: 3 } as never);`, /retry: unknown option "attemptMax"; did you mean "attemptsMax"\?/],
    ['a load balancer', `client(service('api', { endpoints: { get: {} } }), 'get', { loadBalancer: { lbPolicy: 'LEAST_REQUESTS' } } as never);`, /lbPolicy = "LEAST_REQUESTS" is not valid; use one of "ROUND_ROBIN", "RANDOM", "LEAST_REQUEST", "RING_HASH"/],
    ['a wrong call shape', `createWorld({ nodes: ['a'] } as never, undefined as never);`, /createWorld\(ctx, spec\): the first argument must be the build context \(got a world spec: pass the context first\)/],
    ['service without a name', `service({ name: 'api', endpoints: {} } as never, undefined as never);`, /service\(name, spec\): the first argument is the service's name, such as service\("api", \{ endpoints: … \}\)/],
    ['client with a string', `client('api' as never, 'get' as never);`, /client\(service, endpoint, options\): the first argument is a service made by service\(\.\.\.\) \(got the string "api": pass the service itself\)/],
    ['a rate without a unit', `openLoop({ rate: '10', until: '1s', call: client(service('api', { endpoints: { get: {} } }), 'get') });`, /"10" is not a rate; write it with its unit, such as "100\/s"/],
  ])('%s', async (_what, body, message) => {
    const r = await runBodyHere(`spec-${_what.replace(/\W+/g, '-')}`, `    ${body}`);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expectNoFaultlineFrame(r.stderr);
  });

  it('a scenario key is checked too: check for checks', async () => {
    const r = await runBodyHere('scenario-key', ``, `\n  check: [],`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown key "check"; did you mean "checks"\?/);
  });
});

describe('a throw in the scenario exits 1 with the scenario, variant, seed, time and the user frame', () => {
  it('in build', () => {
    const r = runBody('throws-in-build', `    const config: { timeout?: { ms: number } } = {};\n    void config.timeout!.ms;`);
    expect(r.code).toBe(1);
    const [first, ...frames] = r.stderr.trimEnd().split('\n');
    expect(first).toBe("faultline: throws-in-build (variant second, seed 7) threw in build: TypeError: Cannot read properties of undefined (reading 'ms')");
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatch(/^ {4}at build \(throws-in-build\.ts:11:\d+\)$/);
    expectNoFaultlineFrame(r.stderr);
  });

  it('in a handler, while the simulation runs', () => {
    const r = runBody(
      'throws-in-handler',
      `    const api = service('api', { endpoints: { get: { handler: (h) => { throw new RangeError('no such account: ' + h.ctx.key); } } } });
    openLoop({ rate: '10/s', until: '5s', keys: 10, call: client(api, 'get') });`,
    );
    expect(r.code).toBe(1);
    const [first, ...frames] = r.stderr.trimEnd().split('\n');
    expect(first).toMatch(/^faultline: throws-in-handler \(variant second, seed 7\) threw at simulated time [\d.]+ms: RangeError: no such account: \d$/);
    expect(frames[0]).toMatch(/^ {4}at handler \(throws-in-handler\.ts:10:\d+\)$/);
    expectNoFaultlineFrame(r.stderr);
  });
});

describe('programmatic runs', () => {
  it('an invalid spec is an InputError naming the scenario; other throws name the simulated time', () => {
    const bad = defineScenario({ name: 'bad', title: 't', description: 'd', params: {}, build: ({ world }) => void world({ nodez: [] } as never) });
    expect(() => run(bad)).toThrow(InputError);
    expect(() => run(bad)).toThrow(/^bad \(variant default, seed 1\): createWorld: unknown key "nodez"/);
    const late = defineScenario({ name: 'late', title: 't', description: 'd', params: {}, build: ({ after }) => after('1.5s', () => { throw new Error('boom'); }) });
    expect(() => run(late)).toThrow(/^late \(variant default, seed 1\) threw at simulated time 1\.5s: Error: boom$/);
  });
});
