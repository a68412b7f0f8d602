import { describe, expect, it } from 'vitest';
import { parseFaultPlan } from '../../sim/index.ts';

describe('partition entries are checked when the plan loads', () => {
  it('rejects shapes the world could not apply, naming the entry', () => {
    expect(() => parseFaultPlan([{ at: '1s', kind: 'partition', mode: 'groups' }])).toThrow(/entry 0 \(partition\): mode "groups" needs groups/);
    expect(() => parseFaultPlan([{ at: '1s', kind: 'partition', mode: 'isolate' }])).toThrow(/mode "isolate" needs a target/);
    expect(() => parseFaultPlan([{ at: '1s', kind: 'partition', mode: 'bridge', target: 'a' }])).toThrow(/target is only used with mode "isolate"/);
    expect(() => parseFaultPlan([{ at: '1s', kind: 'partition', mode: 'random-halves', nodes: ['a'] }])).toThrow(/needs at least 2 nodes/);
  });

  it('accepts the documented shapes', () => {
    expect(parseFaultPlan([{ at: '1s', kind: 'partition', groups: [['a'], ['b']], for: '2s' }])).toHaveLength(1);
    expect(parseFaultPlan([{ at: '1s', kind: 'partition', target: 'a' }])).toHaveLength(1);
    expect(parseFaultPlan([{ at: '1s', kind: 'partition', mode: 'majority-minority' }])).toHaveLength(1);
  });
});
