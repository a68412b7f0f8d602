/**
 * The playground's pure parts: the share link's format (versioned; a plan travels as base64url
 * JSON; links of another format or broken ones are refused with a reason), the slider scales
 * (log-scale for a wide range, both ends reachable), and the scenario's `presets` declaration.
 */
import { describe, expect, it } from 'vitest';
import { defineScenario } from '../../sim/index.ts';
import { sliderScale } from '../../viz/playground/scale.ts';
import { formatHash, LINK_FORMAT, parseHash, type PlayState } from '../../viz/playground/state.ts';
import retryStorm from '../../scenarios/retry-storm.ts';

const variants = ['naive', 'budget', 'breaker'];

describe('playground link', () => {
  it('round-trips a state, leaving out what is the default', () => {
    const s: PlayState = { scenario: 'retry-storm', variant: 'breaker', variants: ['naive', 'breaker'], seed: 'abc', params: { timeoutMs: 250, on: true }, plan: [{ at: '3s', kind: 'crash', target: 'é' }] };
    const hash = formatHash(s, { variants });
    expect(hash.startsWith(`#f=${LINK_FORMAT}&s=retry-storm&m=breaker&v=naive,breaker&seed=abc&p.on=true&p.timeoutMs=250&plan=`)).toBe(true);
    const back = parseHash(hash);
    expect(back.error).toBeUndefined();
    expect(back.problems).toEqual([]);
    expect(back.state).toEqual({ ...s, params: { timeoutMs: '250', on: 'true' } });
    expect(formatHash({ scenario: 'x', variant: 'naive', variants, seed: 7, params: {} }, { variants })).toBe('#f=2&s=x&seed=7');
  });

  it('carries the fault editor’s picked kind and open entry, and reads links of format 1 as before', () => {
    const s: PlayState = { scenario: 'retry-storm', variant: 'naive', variants, seed: 1, params: {}, plan: [{ at: '3s', kind: 'crash', target: 'a' }], faultKind: 'pause', faultEntry: 0 };
    const hash = formatHash(s, { variants });
    expect(hash).toMatch(/&fk=pause&fe=0$/);
    const { variant: _v, variants: _vs, ...read } = s; // the defaults, left out of the link
    expect(parseHash(hash)).toEqual({ state: read, problems: [] });
    // a link an earlier playground made: the same state, without the editor's parts
    const old = hash.replace('#f=2', '#f=1').replace(/&fk=.*$/, '');
    const { faultKind: _k, faultEntry: _e, ...rest } = read;
    expect(parseHash(old)).toEqual({ state: rest, problems: [] });
    // format 1 has no editor parts: they are named, not half-read
    expect(parseHash(`${old}&fe=0`).problems.join('; ')).toMatch(/unknown part "fe"/);
    expect(parseHash(hash.replace('fe=0', 'fe=x1')).problems.join('; ')).toMatch(/open fault entry "x1" is not an entry number/);
  });

  it('refuses broken links and links of another format with a reason, and reports a bad plan', () => {
    expect(parseHash('').error).toBeUndefined();
    expect(parseHash('#%zz').error).toMatch(/not a playground link/);
    expect(parseHash('#hello').error).toMatch(/not a playground link/);
    expect(parseHash('#s=retry-storm&seed=2').error).toMatch(/earlier playground/);
    expect(parseHash(`#f=${LINK_FORMAT + 1}&s=retry-storm`).error).toMatch(/newer playground/);
    expect(parseHash('#f=one&s=retry-storm').error).toMatch(/not a number/);
    const badPlan = parseHash('#f=1&s=retry-storm&plan=!!&x=1');
    expect(badPlan.state.plan).toBeUndefined();
    expect(badPlan.problems.join('; ')).toMatch(/unknown part "x".*fault plan is not base64url/);
    expect(parseHash(`#f=1&s=a&plan=${Buffer.from('{"a":1}').toString('base64url')}`).problems[0]).toMatch(/not a JSON array/);
  });
});

describe('slider scale', () => {
  it('is logarithmic over a wide range: equal slider steps per decade, both ends exact', () => {
    const s = sliderScale({ min: 1, max: 100_000, default: 60 });
    expect(s.log).toBe(true);
    expect(s.fromPos(0)).toBe(1);
    expect(s.fromPos(s.steps)).toBe(100_000);
    expect(s.fromPos(s.steps / 5)).toBe(10); // 1 decade of 5
    expect(s.fromPos((3 * s.steps) / 5)).toBe(1000);
    expect(s.toPos(60)).toBe(Math.round((Math.log10(60) / 5) * s.steps));
    const zero = sliderScale({ min: 0, max: 3_600_000, default: 3000, integer: true });
    expect(zero.log).toBe(true);
    expect(zero.fromPos(0)).toBe(0);
    expect(zero.fromPos(zero.steps)).toBe(3_600_000);
  });

  it('is linear over a narrow range, one position per integer', () => {
    const s = sliderScale({ min: 1, max: 5, integer: true, default: 3 });
    expect(s.log).toBe(false);
    expect([0, 1, 2, 3, 4].map((p) => s.fromPos(p))).toEqual([1, 2, 3, 4, 5]);
    expect(sliderScale({ min: 0, max: 100, default: 50 }).fromPos(100)).toBe(50);
  });
});

describe('scenario presets', () => {
  const base = { name: 'p', title: 'P', description: '', params: { n: { type: 'number' as const, default: 1, min: 0, max: 9 } }, variants: { a: {} }, build() {} };
  it('are checked when the scenario is defined', () => {
    expect(() => defineScenario({ ...base, presets: { healthy: { variant: 'b' } } })).toThrow(/preset healthy names variant "b", which does not exist; variants: a/);
    expect(() => defineScenario({ ...base, presets: { overload: { params: { n: 99 } } } })).toThrow(/preset overload.*n/);
    expect(() => defineScenario({ ...base, presets: { trigger: { param: {} } as never } })).toThrow(/preset trigger.*param/);
    expect(defineScenario({ ...base, presets: { healthy: { params: { n: 0 } } } }).presets?.healthy?.params?.n).toBe(0);
  });
  it('retry-storm declares healthy, trigger and overload', () => {
    expect(Object.keys(retryStorm.presets ?? {})).toEqual(['healthy', 'trigger', 'overload']);
  });
});
