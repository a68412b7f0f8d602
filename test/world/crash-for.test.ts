// What `for` means for a crash: the node stays crashed for `for`, then restarts, which takes its
// restart delay. The plan, the world, the CLI's fault listing and the report's fault detail agree.
import { describe, expect, it } from 'vitest';
import { faultKindSpec } from '../../sim/faults/plan.ts';
import { makeWorld, recordsOf } from './helpers.ts';

describe('crash with for', () => {
  it('crash { at: 10s, for: 10s } with restartDelay 5s: down at 10 s, restarting at 20 s, serving at 25 s, and the fault says so', () => {
    const { sim, trace } = makeWorld({ nodes: [{ name: 'db1', restartDelay: '5s' }] }, [{ at: '10s', kind: 'crash', target: 'db1', for: '10s' }]);
    sim.run();
    expect(recordsOf(trace, 'node-state').map((r) => [r.time / 1e6, r.to])).toEqual([
      [10, 'crashed'],
      [20, 'restarting'],
      [25, 'up'],
    ]);
    const start = recordsOf(trace, 'fault-start')[0]!;
    expect(start.detail).toBe('down 10s, then restarts (5s): serving again at 25s');
  });

  it('zone-outage and rack-power-loss state the same rule; the kind docs shown by `faultline faults` say it', () => {
    const { sim, trace } = makeWorld(
      { nodes: [{ name: 'a', zone: 'z1', rack: 'r1', restartDelay: '2s' }, { name: 'b', zone: 'z1', rack: 'r1', restartDelay: '4s' }] },
      [{ at: '1s', kind: 'zone-outage', zone: 'z1', for: '3s' }, { at: '20s', kind: 'rack-power-loss', rack: 'r1', for: '1s' }],
    );
    sim.run();
    const details = recordsOf(trace, 'fault-start').map((r) => r.detail);
    expect(details).toEqual(['power: a,b; down 3s, then restarts (2s–4s): serving again at 6s–8s', 'a,b; down 1s, then restarts (2s–4s): serving again at 23s–25s']);
    for (const kind of ['crash', 'zone-outage', 'rack-power-loss']) expect(faultKindSpec(kind)!.description).toMatch(/stay(s)? (crashed|down) for `for`, then restart/);
  });
});
