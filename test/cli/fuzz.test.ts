// Fuzzing the command line: fast-check generates argument vectors and fault plans that are wrong
// in one known way (a wrong type, a missing field, an unknown kind or flag, a negative, NaN, huge
// or deeply nested value) and asserts what bad input must give: exit 2, nothing on stdout, one
// inert line on stderr of bounded length, no stack trace, no hang. The cases run in-process
// through main() with captured streams; a few are also run as real processes to show that the
// in-process path answers exactly as the command does.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../sim/cli/main.ts';
import { loadScenario } from '../../sim/cli/load.ts';
import { hasOwn } from '../../sim/kernel/show.ts';
import { faultKinds, faultKindSpec, type FieldSpec } from '../../sim/faults/plan.ts';
import '../../sim/run/fault-kinds.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'faultline-fuzz-'));
let files = 0;
function file(text: string): string {
  const p = join(dir, `f${files++}.json`);
  writeFileSync(p, text);
  return p;
}

/** The scenario the vectors name: it has a world, params of every type and several variants. */
const SCENARIO = 'retry-storm';
const scenario = await loadScenario(SCENARIO);
const params = scenario.params as Record<string, { type: string; values?: readonly string[] }>;
const COMMANDS = ['list', 'run', 'sweep', 'merge', 'check', 'faults', 'play', 'init'];
/** Words main() answers without an error (help, version). */
const NOT_ERRORS = new Set([...COMMANDS, 'help', '--help', '-h', 'version', '--version', '-V']);
const FLAGS: Record<string, string[]> = {
  list: ['json', 'help'],
  run: ['seed', 'variant', 'all-variants', 'param', 'faults', 'json', 'trace', 'trace-level', 'report', 'perfetto', 'out', 'budget', 'prices', 'verify', 'heap-max-mb', 'help'],
  sweep: ['seeds', 'variant', 'all-variants', 'param', 'faults', 'workers', 'shard', 'watchdog-ms', 'heap-max-mb', 'budget', 'grid', 'prices', 'json', 'out', 'help'],
  check: ['variant', 'runs', 'kinds', 'targets', 'seed', 'max-faults', 'horizon', 'liveness', 'param', 'out', 'json', 'help'],
  merge: ['json', 'out', 'help'],
  faults: ['schema', 'json', 'help'],
};

// ---------------------------------------------------------------- values

const anyString = fc.string({ maxLength: 40, unit: 'binary' });
/** Looks like a number to a person, but is not a uint32 seed. */
const badSeed = fc.oneof(
  fc.constantFrom('NaN', 'nan', 'Infinity', '-Infinity', '0x10', '0b1', '0o7', '1e3', '1_000', '1,000', ' 7', '+3', '4294967296', '99999999999999999999'),
  fc.integer({ min: -1e9, max: -1 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d) || d < 0 || d > 0xffffffff).map(String),
);
/** Not a decimal integer in the flag's range. */
const badInt = (min: number, max: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom('NaN', '1e3', '0x10', '1.5', 'ten', ' ', '--', '١٢'),
    fc.integer({ min: -1e12, max: min - 1 }).map(String),
    fc.integer({ min: max + 1, max: max + 1e12 }).map(String),
    anyString.filter((s) => s.length > 0 && !/^\s*-?\d+\s*$/.test(s) && !s.startsWith('--')),
  );
const notIn = (valid: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof(anyString, fc.constantFrom('__proto__', 'constructor', 'toString', 'x'.repeat(5000))).filter((s) => s.length > 0 && !valid.includes(s) && !s.startsWith('--'));
const huge = fc.integer({ min: 1025, max: 200_000 }).map((n) => 'x'.repeat(n));
/** An object or array nested `depth` levels deep. */
const nested = fc.tuple(fc.integer({ min: 9, max: 3000 }), fc.boolean()).map(([depth, arr]) => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = arr ? [v] : { a: v };
  return v;
});

// ---------------------------------------------------------------- argument vectors

/** One piece of a vector that makes it wrong, for a command that takes `SCENARIO`. */
function badPiece(command: 'run' | 'sweep' | 'check'): fc.Arbitrary<string[]> {
  const paramNames = Object.keys(params);
  const pieces: fc.Arbitrary<string[]>[] = [
    notIn(FLAGS[command]!).filter((s) => !s.includes('=')).map((s) => [`--${s}`]),
    fc.stringMatching(/^-[A-Za-z][\w-]{0,12}$/).map((s) => [s]),
    fc.constantFrom(...FLAGS[command]!.filter((f) => !['help', 'json', 'all-variants', 'verify', 'liveness'].includes(f))).map((f) => [`--${f}=`]),
    notIn(scenario.variantNames).map((v) => ['--variant', v]),
    notIn(paramNames).filter((s) => !s.includes('=')).map((k) => ['--param', `${k}=1`]),
    fc.constantFrom(...paramNames).chain((k) => {
      const p = params[k]!;
      const bad =
        p.type === 'number' ? badInt(Number.MAX_SAFE_INTEGER, 0).filter((s) => !/^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(s)) : p.type === 'boolean' ? notIn(['true', 'false']) : notIn(p.values ?? []);
      return bad.map((v) => ['--param', `${k}=${v}`]);
    }),
    fc.constantFrom('--param', '--budget').chain((f) => notIn([]).filter((s) => !s.includes('=')).map((v) => [f, v])),
    fc.constantFrom('eventsMax', 'simTimeMaxUs', 'liveEventsMax', 'processesMax').chain((b) => badInt(1, Number.MAX_SAFE_INTEGER).map((v) => ['--budget', `${b}=${v}`])),
    fc.constant(['--faults', join(dir, 'missing.json')]),
    fc.constant(['--prices', join(dir, 'missing.json')]),
  ];
  if (command !== 'sweep') pieces.push(badSeed.map((s) => ['--seed', s]));
  if (command !== 'check') pieces.push(badInt(16, 1_048_576).map((v) => ['--heap-max-mb', v]));
  if (command === 'run') pieces.push(notIn(['off', 'summary', 'full']).map((l) => ['--trace-level', l]));
  if (command === 'sweep') {
    pieces.push(
      badInt(1, 256).map((v) => ['--workers', v]),
      badInt(1, Number.MAX_SAFE_INTEGER).map((v) => ['--watchdog-ms', v]),
      fc.oneof(fc.constantFrom('a', '..', '5..1', '1..', '..3', '-3', '1.5', '1..1e3', 'NaN'), fc.integer({ min: 2, max: 1e6 }).map((n) => `${n}..${n - 1}`)).map((s) => ['--seeds', s]),
      fc.oneof(fc.constantFrom('0/2', '3/2', '1', 'a/b', '1/0', '-1/2'), fc.integer({ min: 2, max: 100 }).map((n) => `${n + 1}/${n}`)).map((s) => ['--shard', s]),
    );
  }
  if (command === 'check') {
    pieces.push(
      badInt(1, 1_000_000).map((v) => ['--runs', v]),
      badInt(0, 100).map((v) => ['--max-faults', v]),
      notIn(faultKinds()).filter((s) => !s.includes(',')).map((k) => ['--kinds', k]),
      notIn([]).filter((s) => !s.includes('ms') && !/\d\s*[smh]/.test(s)).map((h) => ['--horizon', h]),
    );
  }
  return fc.oneof(...pieces);
}

/** Valid flags that may stand around the bad piece (none starts work or writes a file before the error). */
const NOISE: Record<'run' | 'sweep' | 'check', string[][]> = {
  run: [['--json'], ['--seed', '7'], ['--variant', scenario.variantNames[0]!], ['--param', 'backendCores=3']],
  sweep: [['--json'], ['--workers', '1'], ['--seeds', '1..2'], ['--param', 'backendCores=3']],
  check: [['--json'], ['--runs', '2'], ['--max-faults', '1'], ['--param', 'backendCores=3']],
};

const scenarioVector = fc.constantFrom('run' as const, 'sweep' as const, 'check' as const).chain((command) =>
  fc
    .tuple(badPiece(command), fc.subarray(NOISE[command]), fc.nat())
    .map(([bad, noise, at]) => {
      const pieces = [...noise];
      // a flag missing its value only reads as one at the end
      pieces.splice(at % (pieces.length + 1), 0, bad);
      return [command, SCENARIO, ...pieces.flat()];
    }),
);

const otherVector: fc.Arbitrary<string[]> = fc.oneof<fc.Arbitrary<string[]>[]>(
  notIn([...NOT_ERRORS]).map((c) => [c]),
  fc.constantFrom('run', 'sweep', 'check').map((c) => [c]),
  fc.constantFrom('run', 'sweep', 'check').chain((c) => fc.tuple(notIn(['retry-storm']), notIn([])).map(([a, b]) => [c, a, b])),
  fc.constantFrom('run', 'sweep', 'check').chain((c) => notIn([]).filter((s) => !s.startsWith('-')).map((s) => [c, `no-such-${s}`])),
  fc.constantFrom('run', 'check', 'sweep').map((c) => [c, SCENARIO, c === 'sweep' ? '--workers' : '--seed']),
  fc.constantFrom('list', 'faults', 'merge').chain((c) => notIn(FLAGS[c]!).filter((s) => !s.includes('=')).map((s) => [c, `--${s}`])),
  fc.constant(['list', 'extra']),
  fc.constantFrom(['faults', 'extra'], ['faults', 'imports']),
  fc.constant(['merge']),
  fc.constant(['merge', join(dir, 'missing.json')]),
  // merge: valid JSON of the wrong shape (no runs, wrong types), or bytes that are not JSON
  fc.array(fc.oneof(fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'), fc.string({ unit: 'binary', maxLength: 60 })), { minLength: 1, maxLength: 3 }).map((texts) => [
    'merge',
    ...texts.map((t) => file(t)),
  ]),
  fc.record({ runs: fc.jsonValue({ maxDepth: 3 }), scenario: fc.jsonValue({ maxDepth: 1 }) }).map((r) => ['merge', file(JSON.stringify(r))]),
);

// ---------------------------------------------------------------- fault plans

/** A value the field does not accept. */
function badValue(f: FieldSpec): fc.Arbitrary<unknown> {
  const wrongType = fc.oneof(fc.boolean(), fc.constant(null), fc.constant({}), fc.constant([]), nested, fc.dictionary(anyString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }));
  const nonFinite = fc.constantFrom(NaN, Infinity, -Infinity);
  switch (f.type) {
    case 'duration':
      return fc.oneof(
        wrongType,
        nonFinite,
        fc.integer({ min: -1e15, max: -1 }),
        fc.constantFrom(2 ** 53, 1e300, '1e12h', '-5s', 'NaNs', '10 parsecs', '', '5', 'ms', '1e400s', '١s'),
        huge,
      );
    case 'number': {
      const out: fc.Arbitrary<unknown>[] = [wrongType, nonFinite, anyString, fc.constantFrom('1', '0x10')];
      if (f.min !== undefined) out.push(fc.double({ max: f.min, maxExcluded: true, noNaN: true, noDefaultInfinity: true, min: -1e300 }));
      if (f.max !== undefined) out.push(fc.double({ min: f.max, minExcluded: true, noNaN: true, noDefaultInfinity: true, max: 1e300 }));
      if (f.integer) out.push(fc.double({ min: f.min ?? -1e6, max: f.max ?? 1e6, noNaN: true }).filter((d) => !Number.isInteger(d)));
      return fc.oneof(...out);
    }
    case 'string':
      return fc.oneof(wrongType, nonFinite, fc.integer(), fc.constant(''), huge);
    case 'strings':
      return fc.oneof(wrongType, fc.constant([]), fc.constant('a'), fc.array(fc.oneof(fc.integer(), fc.constant(null), fc.constant(''), nested), { minLength: 1, maxLength: 3 }));
    case 'groups':
      return fc.oneof(wrongType, fc.constant([['a']]), fc.constant([[], ['b']]), fc.constant([['a'], [1]]), nested.map((n) => [n, n]));
    case 'enum':
      return fc.oneof(wrongType, fc.integer(), notIn(f.values));
    case 'boolean':
      return fc.oneof(fc.constant(null), fc.integer(), fc.constantFrom('true', 'false', 'yes', ''), fc.constant({}));
    case 'json':
      return fc.oneof(
        nested,
        fc.record({ dist: notIn(['constant', 'uniform', 'exponential', 'normal', 'lognormal', 'pareto', 'long-tail']) }),
        fc.constant({ dist: 'uniform', min: '5ms', max: '1ms' }),
        fc.constant({ dist: 'exponential', mean: -1 }),
        fc.constant({ dist: 'lognormal', median: '1ms', sigma: 'wide' }),
        fc.constant(null),
        fc.constant(true),
      );
  }
}

const kinds = faultKinds();
/** A valid entry of a kind, with one thing made wrong. */
const badEntry: fc.Arbitrary<unknown> = fc.constantFrom(...kinds).chain((kind) => {
  const spec = faultKindSpec(kind)!;
  const base = { ...spec.example };
  const fields = Object.entries(spec.fields);
  const required = ['at', ...(spec.duration === 'required' ? ['for'] : []), ...fields.filter(([, f]) => f.required).map(([n]) => n)];
  const known = ['at', 'kind', 'for', 'id', ...fields.map(([n]) => n)];
  const mutations: fc.Arbitrary<unknown>[] = [
    notIn(kinds).map((k) => ({ ...base, kind: k })),
    fc.constantFrom(...required).map((k) => {
      const e: Record<string, unknown> = { ...base };
      delete e[k];
      return e;
    }),
    notIn(known).map((k) => ({ ...base, [k]: 1 })),
    fc.constant(JSON.parse(`{"__proto__": {"x": 1}, "at": "1s", "kind": ${JSON.stringify(kind)}}`)),
    badValue({ type: 'duration', description: '' }).map((v) => ({ ...base, at: v })),
    fc.oneof(fc.integer(), fc.constant(''), huge, fc.constant(null), fc.constant({})).map((v) => ({ ...base, id: v })),
    fc.oneof(fc.constant(null), fc.integer(), anyString, fc.constant([base]), nested),
  ];
  if (spec.duration === 'none') mutations.push(fc.constant({ ...base, for: '1s' }));
  else mutations.push(badValue({ type: 'duration', description: '' }).map((v) => ({ ...base, for: v })));
  // a node, zone or rack the scenario's world does not have: refused once the world is built
  for (const where of ['target', 'zone', 'rack'].filter((n) => hasOwn(spec.fields, n))) mutations.push(fc.constant({ ...base, [where]: 'no-such-node' }));
  const arbitraries = mutations.map((arbitrary) => ({ weight: 1, arbitrary }));
  // most cases put a wrong value into one of the kind's own fields
  if (fields.length > 0) arbitraries.push({ weight: mutations.length, arbitrary: fc.constantFrom(...fields).chain(([n, f]) => badValue(f).map((v) => ({ ...base, [n]: v }))) });
  return fc.oneof(...arbitraries);
});

const goodEntry = fc.constantFrom(...kinds).map((k) => faultKindSpec(k)!.example);
const badPlan: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.array(goodEntry, { maxLength: 3 }), badEntry, fc.nat()).map(([good, bad, at]) => {
    const plan: unknown[] = [...good];
    plan.splice(at % (plan.length + 1), 0, bad);
    return plan;
  }) },
  { weight: 1, arbitrary: fc.tuple(fc.array(goodEntry, { maxLength: 3 }), badEntry).map(([good, bad]) => ({ faults: [...good, bad] })) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), anyString, fc.constant({}), fc.constant({ faults: 5 }), fc.constant(true), nested) },
  { weight: 1, arbitrary: fc.constant([{ at: '1s', kind: 'heal', id: 'same' }, { at: '2s', kind: 'heal', id: 'same' }]) },
);
const planVector = fc.tuple(badPlan, fc.constantFrom('run', 'run', 'run', 'sweep')).map(([plan, command]) => {
  const path = file(JSON.stringify(plan) ?? 'null');
  return command === 'run' ? ['run', SCENARIO, '--faults', path] : ['sweep', SCENARIO, '--seeds', '1..2', '--workers', '1', '--faults', path];
});

// ---------------------------------------------------------------- the property

/** Longest stderr line a bad input may give ("faultline: " and a message bounded at 2000 characters). */
const LINE_MAX = 2100;
const CASE_TIMEOUT_MS = 10_000;

async function cli(argv: string[]): Promise<{ code: number | 'hang'; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), CASE_TIMEOUT_MS)));
  const code = await Promise.race([main(argv, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), isTTY: false }), hang]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

function show(argv: string[]): string {
  return JSON.stringify(argv.map((a) => (a.length > 80 ? `${a.slice(0, 80)}…(${a.length})` : a)));
}

async function expectInputError(argv: string[]): Promise<void> {
  const r = await cli(argv);
  const what = `${show(argv)} → exit ${r.code}, stderr ${JSON.stringify(r.stderr.slice(0, 300))}`;
  expect(r.code, what).toBe(2);
  expect(r.stdout, what).toBe('');
  expect(r.stderr, what).toMatch(/^faultline: [^\n]+\n$/);
  expect(r.stderr.length, what).toBeLessThanOrEqual(LINE_MAX);
  expect(r.stderr, what).not.toMatch(/\bat \S+\.(ts|js|mjs):\d+|internal error|TypeError|RangeError|ReferenceError|Maximum call stack/);
  // eslint-disable-next-line no-control-regex
  expect(r.stderr.slice(0, -1), what).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
}

/** Fixed, so every run of the suite tries the same cases; FAULTLINE_FUZZ_SEED=n explores others. */
const SEED = Number(process.env.FAULTLINE_FUZZ_SEED ?? 20261203);

describe('fuzz: bad input is one clear line and exit 2', () => {
  it('argument vectors (300 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 3, arbitrary: scenarioVector }, { weight: 1, arbitrary: otherVector }), expectInputError),
      { numRuns: 300, seed: SEED, endOnFailure: true },
    );
  }, 60_000);

  it('fault plans given with --faults (250 cases)', async () => {
    await fc.assert(fc.asyncProperty(planVector, expectInputError), { numRuns: 250, seed: SEED, endOnFailure: true });
  }, 60_000);

  it('the command run as a process answers as main() does in-process', async () => {
    const samples = [...fc.sample(scenarioVector, { numRuns: 2, seed: SEED }), ...fc.sample(planVector, { numRuns: 2, seed: SEED })];
    for (const argv of samples) {
      const inProcess = await cli(argv);
      const child = spawnSync(process.execPath, [join(root, 'bin/faultline.mjs'), ...argv], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } });
      expect({ code: child.status, stdout: child.stdout, stderr: child.stderr }, show(argv)).toEqual(inProcess);
      expect(child.status).toBe(2);
    }
  }, 60_000);
});
