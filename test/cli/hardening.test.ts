// Bad input to the command line: each case exits 2 with one bounded, inert line that names what
// was wrong. Run in-process through main() (no child process per case), so the file stays fast.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../sim/cli/main.ts';
import { parseSeedFlag } from '../../sim/cli/args.ts';
import { parseFaultPlan } from '../../sim/faults/plan.ts';
import { defineScenario, resolveParams } from '../../sim/run/scenario.ts';
import { showValue } from '../../sim/kernel/show.ts';
import '../../sim/faults/register.ts';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), isTTY: false });
  return { code, stdout, stderr };
}

function expectOneLineError(r: { code: number; stderr: string }, message: RegExp): void {
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(2);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\bat .*\.(ts|js):\d+|TypeError|RangeError/);
}

const dir = mkdtempSync(join(tmpdir(), 'faultline-hard-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('fault plans are data, validated before the run', () => {
  it('a distribution nested 20,000 levels deep is refused with one line, not a RangeError', async () => {
    let d = '{"dist":"exponential","mean":"20ms"}';
    for (let i = 0; i < 20_000; i++) d = `{"dist":"long-tail","p":0.5,"tail":"1ms","base":${d}}`;
    const plan = file('nested.json', `[{"at":"1s","kind":"link-latency","distribution":${d},"for":"1s"}]`);
    const r = await cli(['run', 'retry-storm', '--faults', plan]);
    expectOneLineError(r, /entry 0: distribution=.* nest at most 8 levels deep/);
    expect(r.stderr.length).toBeLessThan(600);
  });

  it('a bad distribution is refused when the plan loads', () => {
    expect(() => parseFaultPlan([{ at: '1s', kind: 'link-latency', distribution: { dist: 'exponentail', mean: '1ms' } }])).toThrow(
      /entry 0 \(link-latency\): distribution: unknown dist "exponentail"/,
    );
  });

  it('__proto__ and constructor are not fields of any kind', () => {
    expect(() => parseFaultPlan(JSON.parse('[{"at":"1s","kind":"crash","target":"a","__proto__":{"x":1}}]'))).toThrow(/has no field "__proto__"/);
    expect(() => parseFaultPlan([{ at: '1s', kind: 'crash', target: 'a', constructor: 1 }])).toThrow(/has no field "constructor"/);
    expect(() => parseFaultPlan([{ at: '1s', kind: 'constructor' }])).toThrow(/kind="constructor" is not valid/);
    expect(() => parseFaultPlan(JSON.parse('{"__proto__":{"faults":[]}}'))).toThrow(/expected a JSON array/);
  });

  it('a --faults file holding null (or a number) is an error, not the default plan', async () => {
    expectOneLineError(await cli(['run', 'mmc-queue', '--faults', file('null.json', 'null')]), /--faults .*null\.json holds null; a fault plan is a JSON array/);
    expectOneLineError(await cli(['run', 'mmc-queue', '--faults', file('num.json', '42')]), /holds 42/);
  });

  it('a JSON syntax error never echoes terminal escapes', async () => {
    const r = await cli(['run', 'mmc-queue', '--faults', file('esc.json', '[{"at":"1s"\u001b[31m\u001b]0;pwned\u0007')]);
    expectOneLineError(r, /is not valid JSON/);
    // eslint-disable-next-line no-control-regex
    expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  it('a 5 MB field is echoed as a short preview', () => {
    const huge = 'x'.repeat(5_000_000);
    let message = '';
    try {
      parseFaultPlan([{ at: '1s', kind: 'crash', target: 'a', scope: huge }]);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/scope="xxx.*… is not valid; use one of machine, process/);
    expect(message.length).toBeLessThan(400);
  });

  it('absurd values are refused: durations of 2^53 µs, 2 M entries, kilobyte names', () => {
    expect(() => parseFaultPlan([{ at: 2 ** 53, kind: 'heal' }])).toThrow(/at=9007199254740992 is not valid; use a duration of at most 87600h/);
    expect(() => parseFaultPlan([{ at: '1e12h', kind: 'heal' }])).toThrow(/at most 87600h/);
    expect(() => parseFaultPlan(Array.from({ length: 2_000_000 }, () => ({ at: 0, kind: 'heal' })))).toThrow(/2000000 entries is more than the 100000/);
    expect(() => parseFaultPlan([{ at: '1s', kind: 'crash', target: 'n'.repeat(5000) }])).toThrow(/at most 1024 characters/);
  });
});

describe('variant and param names are looked up as own keys', () => {
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    it(`--variant ${name} and --param ${name}=1 are unknown`, async () => {
      expectOneLineError(await cli(['run', 'mmc-queue', '--variant', name]), new RegExp(`no variant "${name}"; variants: mm4-rho-80`));
      expectOneLineError(await cli(['run', 'mmc-queue', '--param', `${name}=1`]), new RegExp(`no param "${name}"; params:`));
    });
  }

  it('resolveParams refuses prototype keys given through the API', () => {
    const specs = { n: { type: 'number' as const, default: 1 } };
    expect(() => resolveParams(specs, JSON.parse('{"__proto__":2}'))).toThrow(/unknown param "__proto__"/);
    expect(() => resolveParams(specs, { constructor: 2 } as never)).toThrow(/unknown param "constructor"/);
  });

  it('an enum param without values is a clear error when the scenario loads', () => {
    const build = (): undefined => undefined;
    expect(() =>
      defineScenario({ name: 'x', title: 'x', description: '', params: { mode: { type: 'enum', default: 'a' } as never }, build }),
    ).toThrow(/param mode: an enum param needs values, a non-empty array of strings/);
  });

  it('typos get a did-you-mean: variants, params, flags, one-dash flags', async () => {
    expectOneLineError(await cli(['run', 'mmc-queue', '--variant', 'mm4-rho-8']), /did you mean "mm4-rho-80"\?/);
    expectOneLineError(await cli(['run', 'mmc-queue', '--param', 'servrs=2']), /did you mean "servers"\?/);
    expectOneLineError(await cli(['run', 'mmc-queue', '--sed', '2']), /unknown flag --sed; did you mean --seed\?/);
    expectOneLineError(await cli(['run', 'mmc-queue', '-seed', '2']), /unknown flag -seed; flags take two dashes \(did you mean --seed\?\)/);
    expectOneLineError(await cli(['run', 'mmc-queue', '--param', 'servers=1', '--param', 'customers=abc']), /"abc" is not a number/);
  });
});

describe('flag values', () => {
  it('--out= and an empty value are refused, naming the flag', async () => {
    expectOneLineError(await cli(['run', 'mmc-queue', '--out=']), /run: --out needs a non-empty value/);
    expectOneLineError(await cli(['run', 'mmc-queue', '--report', '']), /run: --report needs a non-empty value/);
  });

  it('numeric params are decimal: 0x10, 0b1, Infinity and blanks are not numbers', async () => {
    for (const v of ['0x10', '0b1', '0o7', 'Infinity', ' ', '1_0']) {
      expectOneLineError(await cli(['run', 'mmc-queue', '--param', `servers=${v}`]), /is not a number \(decimal only\)/);
    }
  });

  it('--seed: a uint32, or a string that does not look like a number', () => {
    expect(parseSeedFlag('0')).toBe(0);
    expect(parseSeedFlag('4294967295')).toBe(4294967295);
    expect(parseSeedFlag('incident-42')).toBe('incident-42');
    expect(parseSeedFlag('abc')).toBe('abc');
    for (const bad of ['NaN', '-1', '1e3', '0x10', '0b11', '0o7', '4294967296', '1.5', '+5', ' 7', 'Infinity', '-inf', '1_000', '1,000', '']) {
      expect(() => parseSeedFlag(bad), bad).toThrow(/--seed: /);
    }
    expect(() => parseSeedFlag('a'.repeat(300))).toThrow(/at most 256 printable characters/);
    expect(() => parseSeedFlag('a\u001b[2Jb')).toThrow(/printable/);
  });
});

describe('showValue', () => {
  it('bounds length and depth, strips control characters, never throws', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(showValue(cyclic)).toBe('{"self":{"self":{"self":{…}}}}');
    expect(showValue('\u001b[31mred')).toBe('"\\u001b[31mred"');
    expect(showValue('a\u0085b\u2028')).toBe('"a\\x85b\\u2028"');
    expect(showValue('y'.repeat(10_000)).length).toBeLessThanOrEqual(121);
    expect(showValue(Array.from({ length: 1e6 }, (_, i) => i)).length).toBeLessThanOrEqual(121);
    expect(showValue(10n)).toBe('10n');
  });
});

describe('output paths', () => {
  it('are checked before the run: a directory, a file used as a folder, two flags on one file', async () => {
    const notDir = file('plain.txt', 'x');
    for (const [args, message] of [
      [['--out', dir], /--out .*: is a directory; give a file name/],
      [['--report', join(notDir, 'r.html')], /--report .*plain\.txt\/r\.html: cannot write there \(a part of the path is not a directory, ENOTDIR\)/],
      [['--out', join(dir, 'same.json'), '--perfetto', join(dir, 'same.json')], /--perfetto and --out name the same file/],
      [['--trace', '/proc/faultline/t.jsonl'], /--trace \/proc\/faultline\/t\.jsonl: cannot write there/],
    ] as [string[], RegExp][]) {
      const r = await cli(['run', 'mmc-queue', ...args]);
      expectOneLineError(r, message);
      expect(r.stdout).toBe(''); // nothing ran
    }
  });

  it('--out through a symbolic link writes the file it points to and keeps the link', async () => {
    const { symlinkSync, lstatSync, readFileSync, readlinkSync } = await import('node:fs');
    const target = join(dir, 'target.json');
    const link = join(dir, 'link.json');
    symlinkSync(target, link);
    const r = await cli(['run', 'mmc-queue', '--param', 'customers=200', '--out', link, '--json']);
    expect(r.code).toBeLessThan(2);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(JSON.parse(readFileSync(target, 'utf8')).scenario).toBe('mmc-queue');
  });

  it('merge and check refuse an unwritable --out before they start', async () => {
    expectOneLineError(await cli(['check', 'mmc-queue', '--out', dir]), /--out .*: is a directory/);
    expectOneLineError(await cli(['merge', file('s.json', '{}'), '--out', dir]), /--out .*: is a directory/);
  });
});

describe('merge reads sweep results, not just JSON', () => {
  const valid = {
    kind: 'faultline-sweep', version: '0.1.0', scenario: 'mmc-queue', seeds: '1..2', variants: ['a'], params: {}, shard: '1/2', keyMetrics: [],
    runs: [{ variant: 'a', seed: 1, traceHash: 'x', checks: [], metrics: {}, replay: 'r' }],
  };
  const cases: [unknown, RegExp][] = [
    [{}, /is not a faultline sweep result/],
    [[1, 2], /is not a faultline sweep result/],
    [{ ...valid, runs: undefined }, /runs=undefined is not valid; an array of run rows/],
    [{ ...valid, runs: [null] }, /runs\[0\]=null is not valid/],
    [{ ...valid, runs: [{ ...valid.runs[0], checks: 'x' }] }, /runs\[0\]\.checks="x" is not valid/],
    [{ ...valid, runs: [{ ...valid.runs[0], checks: [{ name: 1 }] }] }, /runs\[0\]\.checks\[0\]=\{"name":1\} is not valid/],
    [{ ...valid, runs: [{ ...valid.runs[0], variant: 'b' }] }, /runs\[0\]\.variant="b" is not valid; one of the file's variants: a/],
    [{ ...valid, runs: [{ ...valid.runs[0], seed: -1 }] }, /runs\[0\]\.seed=-1 is not valid/],
    [{ ...valid, variants: 'a' }, /variants="a" is not valid/],
    [{ ...valid, params: null }, /params=null is not valid/],
    [{ ...valid, grid: { keys: 'x' } }, /grid=.* is not valid/],
  ];
  for (const [content, message] of cases) {
    it(`${JSON.stringify(content).slice(0, 70)} → exit 2`, async () => {
      expectOneLineError(await cli(['merge', file('shard.json', JSON.stringify(content))]), message);
    });
  }
  it('a well-formed shard still merges', async () => {
    const r = await cli(['merge', file('ok.json', JSON.stringify(valid)), '--json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).runs).toHaveLength(1);
  });
});

describe('sweep validates params before any worker starts', () => {
  it('an out-of-range --param or --grid value exits 2', async () => {
    expectOneLineError(await cli(['sweep', 'mmc-queue', '--seeds', '1..2', '--param', 'servers=0']), /param servers=0 is below the minimum/);
    expectOneLineError(await cli(['sweep', 'mmc-queue', '--seeds', '1..2', '--faults', file('bad-plan.json', '[{"at":"1s","kind":"crash"}]')]), /entry 0: target=undefined/);
  });
});

describe('found by the fuzz test', () => {
  it('a sweep whose plan names a node the world lacks exits 2 before any worker starts, not 1 with every row failed', async () => {
    const plan = file('ghost.json', '[{"at":"1s","kind":"crash","target":"no-such-node"}]');
    expectOneLineError(
      await cli(['sweep', 'retry-storm', '--seeds', '1..2', '--workers', '1', '--faults', plan]),
      /fault plan entry 0 \(crash\): target="no-such-node" is not valid; known nodes: client, frontend, backend/,
    );
  });

  it('faults with an argument that is not import or export is an error, not the listing', async () => {
    expectOneLineError(await cli(['faults', 'imports']), /faults: unexpected argument "imports"; subcommands: import, export/);
  });

  it('a scenario path that is a directory is named as one', async () => {
    expectOneLineError(await cli(['run', dir]), /scenario file .* is a directory; give a \.ts, \.mts, \.js, \.mjs file/);
  });
});

describe('--version, colour', () => {
  it('--version prints the package version', async () => {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V', 'version']) {
      const r = await cli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`faultline ${pkg.version}\n`);
    }
  });

  it('NO_COLOR wins, FORCE_COLOR forces, otherwise a TTY that is not dumb', async () => {
    const { colorEnabled } = await import('../../sim/cli/color.ts');
    expect(colorEnabled({}, true)).toBe(true);
    expect(colorEnabled({}, false)).toBe(false);
    expect(colorEnabled({ TERM: 'dumb' }, true)).toBe(false);
    expect(colorEnabled({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colorEnabled({ NO_COLOR: '1', FORCE_COLOR: '1' }, true)).toBe(false);
    expect(colorEnabled({ NO_COLOR: '' }, true)).toBe(true);
    expect(colorEnabled({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(colorEnabled({ FORCE_COLOR: '' }, false)).toBe(true);
    expect(colorEnabled({ FORCE_COLOR: '0' }, true)).toBe(false);
    expect(colorEnabled({ FORCE_COLOR: 'false' }, true)).toBe(false);
  });

  it('colour paints outcomes without moving a column', async () => {
    const { colorize } = await import('../../sim/cli/color.ts');
    const table = ['check recovers   FAIL   ok   FAIL!', '  ok    littles-law: fine', 'verdict: every variant behaved as expected', 'availability  ok'].join('\n');
    const painted = colorize(table);
    // eslint-disable-next-line no-control-regex
    expect(painted.replace(/\u001b\[[0-9;]*m/g, '')).toBe(table);
    expect(painted.split('\n')[0]).toContain('\u001b[31mFAIL\u001b[0m');
    expect(painted.split('\n')[0]).toContain('\u001b[1m\u001b[33mFAIL!\u001b[0m');
    expect(painted.split('\n')[3]).toBe('availability  ok'); // only check lines and the verdict
    const r = await main(['run', 'mmc-queue', '--param', 'customers=200'], { stdout: () => {}, stderr: () => {}, isTTY: false });
    expect(r).toBeLessThan(2);
  });
});
