// test/readme/split-brain.property.test.ts — the property-testing example from the README, verbatim
import { describe } from 'vitest';
import { itHolds, itFindsViolation } from 'faultline/vitest';
import scenario from '../../scenarios/split-brain.ts';

describe('split-brain under faults', () => {
  // evidence: 200 plans of up to 3 partitions, crashes and pauses; none loses an acknowledged write
  itHolds('quorum writes with fencing survive partitions, crashes and pauses', scenario, {
    variant: 'fenced-quorum',
    runs: 200,
    invariants: ['no-lost-acknowledged-write'],
    faults: { kinds: ['partition', 'crash', 'pause'], maxFaults: 3 },
  });

  // a known-bad design: the failure is found and shrinks to a plan of at most 2 faults
  itFindsViolation('without fencing, a partition loses acknowledged writes', scenario, {
    variant: 'unfenced',
    runs: 200,
    invariant: 'no-lost-acknowledged-write',
    faultsMax: 2,
  });
});
