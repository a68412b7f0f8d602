// Every numeric field of every fault kind has a documented range, and a fault that does a lot of
// work in one event (a million bit flips, corrupting every written block) counts that work against
// the run's events budget, so a valid-looking plan cannot hang a run.
import { describe, expect, it } from 'vitest';
import '../../sim/run/fault-kinds.ts';
import { faultKinds, faultKindSpec, parseFaultPlan, registerFaultKind, type FieldSpec } from '../../sim/faults/plan.ts';
import { faultKindsListing, faultKindsMarkdown } from '../../sim/faults/docs.ts';
import { BudgetExceededError, InputError } from '../../sim/kernel/errors.ts';
import { RandomStreams } from '../../sim/kernel/random.ts';
import { Simulation } from '../../sim/kernel/sim.ts';
import { Tracer } from '../../sim/observe/trace.ts';
import { createWorld, MemoryStore } from '../../sim/world/index.ts';
import { main } from '../../sim/cli/main.ts';

const numberFields = faultKinds().flatMap((kind) =>
  Object.entries(faultKindSpec(kind)!.fields)
    .filter((e): e is [string, Extract<FieldSpec, { type: 'number' }>] => e[1].type === 'number')
    .map(([name, f]) => ({ kind, name, f })),
);

/** The kind's example with `field` set to `v` (and what the kind needs to accept a count). */
function entry(kind: string, field: string, v: number): Record<string, unknown> {
  const e: Record<string, unknown> = { ...faultKindSpec(kind)!.example, [field]: v };
  if (kind === 'disk-error' && field === 'count') e.mode = 'latent-sector';
  if (kind === 'disk-corrupt' && field === 'percent') e.mode = 'on-read';
  if (kind === 'disk-corrupt' && field === 'count') e.mode = 'at-rest';
  return e;
}

describe('bounds of numeric fault fields', () => {
  it('the kinds have number fields to check (this would pass vacuously otherwise)', () => {
    expect(numberFields.length).toBeGreaterThanOrEqual(20);
    expect(numberFields.map((x) => `${x.kind}.${x.name}`)).toEqual(expect.arrayContaining(['bitflip.count', 'bitflip.rateGbPerHour', 'oom.leakMbPerHour', 'clock-skew.offsetMs']));
  });

  for (const { kind, name, f } of numberFields) {
    it(`${kind}.${name}: ${f.min}..${f.max} accepted at both ends, refused just outside`, () => {
      expect(Number.isFinite(f.max)).toBe(true);
      expect(parseFaultPlan([entry(kind, name, f.max)])[0]![name]).toBe(f.max);
      expect(parseFaultPlan([entry(kind, name, f.min)])[0]![name]).toBe(f.min);
      const above = f.integer ? f.max + 1 : f.max + Math.max(1, Math.abs(f.max) * 1e-9);
      expect(() => parseFaultPlan([entry(kind, name, above)])).toThrow(new RegExp(`${name}=.* is not valid; use an? (integer|number) from`));
      expect(() => parseFaultPlan([entry(kind, name, f.min - 1)])).toThrow(InputError);
    });
  }

  it('the values the audit found hanging a run are refused', () => {
    expect(() => parseFaultPlan([{ at: '1s', kind: 'bitflip', target: 'a', count: 1e9 }])).toThrow(/count=1000000000 is not valid; use an integer from 1 to 1000000/);
    expect(() => parseFaultPlan([{ at: '1s', kind: 'bitflip', target: 'a', rateGbPerHour: 1e300, for: '1s' }])).toThrow(/rateGbPerHour=1e\+300 is not valid/);
  });

  it('a kind declaring a number field without bounds is refused when registered', () => {
    const f = { type: 'number', min: 0, description: 'x' } as unknown as FieldSpec;
    expect(() => registerFaultKind({ kind: 'unbounded-test', description: '', fields: { n: f }, duration: 'none', example: {} })).toThrow(
      /number field n needs finite bounds/,
    );
  });

  it('docs and the faults listing show every range', async () => {
    const md = faultKindsMarkdown();
    let listing = '';
    expect(await main(['faults'], { stdout: (s) => void (listing += s), stderr: () => {}, isTTY: false })).toBe(0);
    expect(listing).toBe(faultKindsListing());
    for (const { name, f } of numberFields) {
      const max = f.max.toLocaleString('en-US', { maximumFractionDigits: 6 });
      expect(md).toContain(`\`${name}\` (${f.required ? 'required, ' : ''}${f.integer ? 'an integer ' : ''}from`);
      expect(md).toContain(`to ${max})`);
      expect(listing).toContain(`${name} ${f.min.toLocaleString('en-US', { maximumFractionDigits: 6 })}..${max}`);
    }
    expect(listing).toContain('count 1..1,000,000 integer');
    expect(md).toContain('at most 87600h (10 years)');
  });
});

function world(eventsMax: number, plan: unknown[], spec: Parameters<typeof createWorld>[1]) {
  const sim = new Simulation({ seed: 1, budgets: { eventsMax } });
  const trace = new Tracer({ level: 'off' });
  const w = createWorld({ sim, random: new RandomStreams(1), trace, faults: parseFaultPlan(plan) }, spec);
  return { sim, w };
}

describe('work inside one event counts against the events budget', () => {
  it('a bitflip of a million flips stops at eventsMax instead of running on', () => {
    const { sim, w } = world(10_000, [{ at: '1s', kind: 'bitflip', target: 'a', count: 1_000_000 }], { nodes: ['a'] });
    w.node('a').memory.write('k', 1);
    expect(() => sim.run()).toThrow(BudgetExceededError);
  });

  it('the same fault within the budget runs, and each flip counted as one event', () => {
    const { sim, w } = world(10_000, [{ at: '1s', kind: 'bitflip', target: 'a', count: 5000 }], { nodes: ['a'] });
    w.node('a').memory.write('k', 1);
    const before = sim.events;
    sim.run();
    expect(w.node('a').memory.flips).toBe(5000);
    expect(sim.events - before).toBeGreaterThanOrEqual(5000);
  });

  it('corrupting blocks at rest looks at every written block: each counts as an event', () => {
    const { sim, w } = world(1_000_000, [{ at: '1s', kind: 'disk-corrupt', target: 'db', count: 1 }], { nodes: ['db'], disks: [{ node: 'db' }] });
    const disk = w.disk('db');
    for (let b = 0; b < 2000; b++) disk.write(b, 'x', () => {}, null);
    sim.run(900_000);
    const before = sim.events;
    sim.run();
    expect(sim.events - before).toBeGreaterThanOrEqual(2000);
  });
});

describe('flipRandom by bisection picks the same bits as a walk over the values', () => {
  it('for one seed, values of different sizes and multi-bit events', () => {
    const values: [string, import('../../sim/world/index.ts').MemoryValue][] = [['n', 1.5], ['s', 'hello world'], ['b', new Uint8Array(300)], ['t', true]];
    const sizes: [string, number][] = [];
    const make = (): MemoryStore => {
      const m = new MemoryStore(new Simulation({ seed: 3 }), 'a', new RandomStreams(3).get('m'), new Tracer({ level: 'off' }), { ecc: false });
      sizes.length = 0;
      for (const [k, v] of values) {
        const before = m.bytes;
        m.write(k, typeof v === 'object' ? new Uint8Array(v as Uint8Array) : v);
        sizes.push([k, (m.bytes - before) * 8]);
      }
      return m;
    };
    const fast = make();
    expect(fast.flipRandom(500, 3, new RandomStreams(9).get('flips'))).toBe(500);
    // the reference: for each draw, walk the values in insertion order to the one holding the address
    const ref = make();
    const r = new RandomStreams(9).get('flips');
    const total = sizes.reduce((a, [, b]) => a + b, 0);
    for (let i = 0; i < 500; i++) {
      let address = Math.floor(r.next() * total);
      for (const [k, bits] of sizes) {
        if (address < bits) {
          const wordStart = address - (address & 63);
          const wordEnd = Math.min(bits, wordStart + 64);
          for (let j = 0; j < 3; j++) ref.flip(k, wordStart + ((address - wordStart + j) % (wordEnd - wordStart)));
          break;
        }
        address -= bits;
      }
    }
    expect(ref.flips).toBe(1500);
    for (const [k] of values) expect(fast.read(k)).toEqual(ref.read(k));
    expect(values.map(([k]) => fast.read(k))).not.toEqual(values.map(([, v]) => ({ ok: true, value: v, corrected: 0 })));
  });
});
