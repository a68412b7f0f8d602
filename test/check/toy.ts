/**
 * Toy fault kinds and a toy scenario for the property-runner tests: a key-value store that loses
 * acknowledged writes whenever a crash overlaps a partition (variant `buggy`), and that may fail
 * to come back after a crash (variant `no-recovery`). Its fault kinds are prefixed `toy-` so they
 * never collide with the built-in kinds.
 */
import { InputError } from '../../sim/kernel/errors.ts';
import { registerFaultKind, faultKindSpec } from '../../sim/faults/plan.ts';
import { defineScenario } from '../../sim/run/scenario.ts';
import { checkNoLostWrites, kvHistory } from '../../sim/check/index.ts';

export const TOY_NODES = ['n1', 'n2', 'n3'];
export const TOY_LINKS = ['n1->n2', 'n2->n3'];

if (!faultKindSpec('toy-crash')) {
  registerFaultKind({
    kind: 'toy-crash',
    description: 'stop a node for a while (toy)',
    fields: { target: { type: 'string', required: true, description: 'node' } },
    duration: 'required',
    example: { at: '1s', kind: 'toy-crash', target: 'n1', for: '1s' },
  });
  registerFaultKind({
    kind: 'toy-partition',
    description: 'split nodes into groups (toy)',
    fields: { groups: { type: 'groups', required: true, description: 'groups of nodes' } },
    duration: 'required',
    example: { at: '1s', kind: 'toy-partition', groups: [['n1'], ['n2', 'n3']], for: '1s' },
  });
  registerFaultKind({
    kind: 'toy-delay',
    description: 'slow a link (toy)',
    fields: {
      target: { type: 'string', required: true, description: 'link' },
      delay: { type: 'duration', description: 'added latency' },
      probability: { type: 'number', min: 0, max: 1, description: 'share of messages delayed' },
    },
    duration: 'required',
    example: { at: '1s', kind: 'toy-delay', target: 'n1->n2', delay: '50ms', for: '1s' },
  });
  registerFaultKind({
    kind: 'toy-heal',
    description: 'end every fault (toy)',
    fields: {},
    duration: 'none',
    example: { at: '5s', kind: 'toy-heal' },
  });
}

export const toyScenario = defineScenario({
  name: 'toy-kv',
  title: 'Toy key-value store',
  description: 'Loses acknowledged writes when a crash overlaps a partition (variant buggy).',
  params: {
    writeEveryMs: { type: 'number', default: 100, min: 10, max: 1000, unit: 'ms' },
    explode: { type: 'boolean', default: false },
  },
  variants: {
    buggy: { description: 'acknowledges writes it then loses', expectFail: ['no-lost-writes'] },
    fixed: { description: 'refuses writes while a crash overlaps a partition' },
    'no-recovery': { description: 'a crashed node never comes back' },
    sticky: { description: 'a crashed node stays down until everything is healed' },
  },
  faultKinds: ['toy-crash', 'toy-partition', 'toy-delay'],
  build(ctx) {
    const { sim, faults, params, variant, requests } = ctx;
    const history = kvHistory(ctx);
    const crashes = faults.filter((f) => f.kind === 'toy-crash');
    for (const f of crashes) {
      if (!TOY_NODES.includes(f.target!)) throw new InputError(`toy-kv: no node ${f.target}; nodes: ${TOY_NODES.join(', ')}`);
    }
    const healAt = faults.find((f) => f.kind === 'toy-heal')?.at ?? Infinity;
    const parts = faults.filter((f) => f.kind === 'toy-partition');
    const during = (f: { at: number; for?: number }, t: number): boolean => t >= f.at && t < f.at + (f.for ?? 0);
    const crashed = (t: number): boolean =>
      variant === 'no-recovery'
        ? crashes.some((f) => t >= f.at)
        : variant === 'sticky'
          ? crashes.some((f) => t >= f.at && t < healAt)
          : crashes.some((f) => during(f, t));
    const splitBrain = (t: number): boolean => crashed(t) && parts.some((f) => during(f, t));
    for (const f of faults) ctx.emit({ time: 0, kind: 'note', node: f.target ?? 'n1', text: `planned ${f.kind}` });
    ctx.emit({ time: 0, kind: 'node-state', node: 'n1', from: 'down', to: 'up' });
    ctx.emit({ time: 0, kind: 'node-state', node: 'n2', from: 'down', to: 'up' });
    ctx.emit({ time: 0, kind: 'node-state', node: 'n3', from: 'down', to: 'up' });
    const stored = new Map<string, number>();
    const everyUs = params.writeEveryMs * 1000;
    sim.process(
      (function* () {
        let i = 1;
        for (; sim.now < 9_000_000; i++) {
          if (params.explode && sim.now > 2_000_000) throw new Error('toy model assertion');
          const id = history.invoke('client', 'write', `k${i}`, i);
          const t0 = sim.now;
          yield 1000;
          if (crashed(sim.now) && !splitBrain(sim.now)) {
            history.fail(id, 'unavailable');
            requests.record(sim.now, false, sim.now - t0, 'unavailable');
          } else if (splitBrain(sim.now) && variant === 'fixed') {
            history.fail(id, 'no quorum');
            requests.record(sim.now, false, sim.now - t0, 'no-quorum');
          } else {
            if (!splitBrain(sim.now)) stored.set(`k${i}`, i); // buggy: acknowledged by the minority, then lost
            history.ok(id);
            requests.record(sim.now, true, sim.now - t0);
          }
          yield everyUs - 1000;
        }
        yield 500_000;
        // read every key back at the end
        for (let j = 1; history.size > 0 && j < i; j++) {
          const id = history.invoke('reader', 'read', `k${j}`);
          yield 10;
          history.ok(id, stored.get(`k${j}`) ?? null);
        }
      })(),
    );
    return { untilUs: 10_000_000 };
  },
  checks: [
    {
      name: 'no-lost-writes',
      description: 'every acknowledged write is in the final state',
      check: (ctx) => checkNoLostWrites(kvHistory(ctx).operations),
    },
  ],
});
