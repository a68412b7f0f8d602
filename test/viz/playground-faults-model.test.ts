/**
 * The fault editor's pure parts: the picker's order, the entry a click on a lane makes (accepted
 * by the `--faults` validator for every registered kind), moving and resizing, the form's text
 * read back into plan JSON, and where a validator message points.
 */
import { describe, expect, it } from 'vitest';
import { faultKinds, faultKindSpec, parseFaultPlan } from '../../sim/faults/plan.ts';
import { entryLane, entrySpan, errorPlace, fieldValue, kindChoices, moved, newEntry, planError, resized, sortPlan } from '../../viz/playground/fault-editor-model.ts';

describe('fault editor model', () => {
  it('offers the scenario’s declared kinds first, then every other registered kind once', () => {
    const { declared, other } = kindChoices(['pause', 'no-such-kind', 'crash']);
    expect(declared).toEqual(['pause', 'crash']);
    expect([...declared, ...other].sort()).toEqual([...faultKinds()].sort());
  });

  it('makes, for every registered kind, an entry on the clicked node that the validator accepts', () => {
    for (const kind of faultKinds()) {
      const e = newEntry(kind, 'backend', 3_400_000, 21_000_000);
      expect(planError([e]), kind).toBeUndefined();
      const [parsed] = parseFaultPlan([e]);
      expect(parsed!.at, kind).toBe(3_400_000);
      const spec = faultKindSpec(kind)!;
      if (spec.fields.target && kind !== 'config-push') expect(e.target, kind).toBe('backend');
      if (spec.duration !== 'none') expect(parsed!.for, kind).toBe(2_000_000); // about an eighth of 21 s, rounded to 1-2-5
    }
    expect(newEntry('partition', 'db2', 0, 60_000_000)).toMatchObject({ mode: 'isolate', target: 'db2' });
    expect(newEntry('link-loss', 'db2', 0, 60_000_000)).toMatchObject({ from: 'db2', to: '*' });
  });

  it('moves and resizes an entry, keeping it sorted and on its node’s lane', () => {
    const a = { at: '3s', kind: 'limp', target: 'backend', factor: 4, for: '3s' };
    const b = { at: '1s', kind: 'crash', target: '*' };
    expect(entrySpan(moved(a, 5_000_000))).toEqual({ startUs: 5_000_000, endUs: 8_000_000, open: false });
    expect(entrySpan(resized(a, 2_000_000, 9_000_000))).toEqual({ startUs: 2_000_000, endUs: 9_000_000, open: false });
    expect(entrySpan(b)).toEqual({ startUs: 1_000_000, endUs: null, open: true });
    const m = moved(a, 0);
    const sorted = sortPlan([b, m], m);
    expect(sorted.plan).toEqual([m, b]);
    expect(sorted.index).toBe(0);
    expect(entryLane(a, ['client', 'backend'])).toBe('backend');
    expect(entryLane(b, ['client', 'backend'])).toBeUndefined();
  });

  it('reads form text as plan JSON and leaves text of the wrong type to the validator', () => {
    expect(fieldValue({ type: 'number', min: 0, max: 1, description: '' }, ' 0.5 ')).toBe(0.5);
    expect(fieldValue({ type: 'number', min: 0, max: 1, description: '' }, 'half')).toBe('half');
    expect(fieldValue({ type: 'groups', description: '' }, 'a, b | c')).toEqual([['a', 'b'], ['c']]);
    expect(fieldValue({ type: 'duration' }, '')).toBeUndefined();
    const why = planError([{ at: '1s', kind: 'pause', target: 'a', for: '-2s' }])!;
    expect(why).toMatch(/^fault plan entry 0: for="-2s" is not valid; .*negative/);
    expect(errorPlace(why)).toEqual({ index: 0, field: 'for' });
    expect(errorPlace(planError([{ at: '1s', kind: 'partition', groups: [['a'], [3]] }])!)).toEqual({ index: 0, field: 'groups' });
  });
});
