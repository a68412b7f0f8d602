import { describe, expect, it } from 'vitest';
import { expectScenarioHolds, expectScenarioViolation, itFindsViolation, itHolds } from '../../sim/check/vitest.ts';
import { TOY_LINKS, TOY_NODES, toyScenario } from './toy.ts';

const faults = { kinds: ['toy-crash', 'toy-partition'], targets: { nodes: TOY_NODES, links: TOY_LINKS }, horizon: '8s' };

describe('faultline/vitest', () => {
  // the README example, as users write it
  itHolds('the fixed toy store loses no acknowledged write under crashes and partitions', toyScenario, { variant: 'fixed', runs: 50, faults });
  itFindsViolation('the buggy toy store loses writes when a crash overlaps a partition', toyScenario, {
    variant: 'buggy',
    runs: 200,
    seed: 42,
    faults,
    invariant: 'no-lost-writes',
    faultsMax: 2,
  });

  it('expectScenarioHolds throws a replayable account of the violation', () => {
    expect(() => expectScenarioHolds(toyScenario, { variant: 'buggy', runs: 200, seed: 42, faults })).toThrow(
      /violates no-lost-writes[\s\S]*run seed \d+; fast-check seed 42, path "[\d:]+"[\s\S]*"kind": "toy-crash"[\s\S]*replay: npm run faultline -- run \S+\/toy-kv-buggy-42\.scenario\.ts --seed \d+ --faults \S+\/toy-kv-buggy-42\.plan\.json/,
    );
  });

  it('expectScenarioViolation fails when nothing is found, or the wrong invariant or too many faults', () => {
    expect(() => expectScenarioViolation(toyScenario, { variant: 'fixed', runs: 20, faults })).toThrow(/expected a violation in 20 run\(s\), found none/);
    expect(() => expectScenarioViolation(toyScenario, { variant: 'buggy', runs: 200, seed: 42, faults, invariant: 'other' })).toThrow(
      /expected a violation of other, found one of no-lost-writes/,
    );
    expect(() => expectScenarioViolation(toyScenario, { variant: 'buggy', runs: 200, seed: 42, faults, faultsMax: 1 })).toThrow(/more than 1/);
  });
});
