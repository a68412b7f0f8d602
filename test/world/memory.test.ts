import { describe, expect, it } from 'vitest';
import { DEFAULT_BITFLIP_RATE_PER_GB_PER_HOUR, flipBit } from '../../sim/world/index.ts';
import { makeWorld, recordsOf } from './helpers.ts';

describe('MemoryStore', () => {
  it('ECC corrects a single flipped bit when the value is read', () => {
    const { world, trace } = makeWorld({ nodes: ['a'] });
    const mem = world.node('a').memory;
    mem.write('balance', 100);
    mem.flip('balance', 3);
    expect(mem.read('balance')).toEqual({ ok: true, value: 100, corrected: 1 });
    expect(recordsOf(trace, 'bitflip').map((r) => r.ecc)).toEqual(['latent', 'corrected']);
  });

  it('ECC detects two flipped bits in one word: the read fails and the node crashes', () => {
    const { sim, world } = makeWorld({ nodes: ['a'] });
    const node = world.node('a');
    node.memory.write('balance', 100);
    node.memory.flip('balance', 3);
    node.memory.flip('balance', 9);
    expect(node.memory.read('balance')).toEqual({ ok: false, error: 'uncorrectable' });
    sim.run(1);
    expect(node.state).toBe('crashed');
  });

  it('without ECC a flip propagates to whoever reads the value', () => {
    const { world } = makeWorld({ nodes: [{ name: 'a', memory: { ecc: false } }] });
    const mem = world.node('a').memory;
    mem.write('name', 'abc');
    mem.flip('name', 0);
    expect(mem.read('name')).toEqual({ ok: true, value: '`bc', corrected: 0 });
    mem.write('n', 1);
    mem.flip('n', 52); // lowest exponent bit of an IEEE 754 double: 1 becomes 0.5
    expect(mem.get('n')).toBe(0.5);
  });

  it('a crash loses what memory held', () => {
    const { world } = makeWorld({ nodes: ['a'] });
    world.node('a').memory.write('k', 1);
    world.node('a').crash('test');
    expect(world.node('a').memory.has('k')).toBe(false);
  });

  it('the default rate is 25,000 FIT/Mbit (Schroeder et al. 2009) per GiB-hour', () => {
    expect(DEFAULT_BITFLIP_RATE_PER_GB_PER_HOUR).toBeCloseTo(0.2048, 10);
  });

  it('a bitflip fault at a rate flips stored values at about that rate', () => {
    // 1 MiB of DRAM filled by one value: 3,686,400 flips/GiB/h × 1/1024 GiB = 1 flip per second
    const { sim, world } = makeWorld(
      { nodes: [{ name: 'a', memory: { ecc: false, dramMb: 1 } }] },
      [{ at: '0s', kind: 'bitflip', target: 'a', rateGbPerHour: 3_686_400, for: '1000s' }],
    );
    world.node('a').memory.write('blob', new Uint8Array(1 << 20));
    sim.run();
    const flips = world.node('a').memory.flips;
    // Poisson with mean 1000: 5 standard deviations is about ±160
    expect(flips).toBeGreaterThan(840);
    expect(flips).toBeLessThan(1160);
  });

  it('flipBit flips exactly one bit of a byte array', () => {
    const a = new Uint8Array([0, 0]);
    flipBit(a, 9);
    expect([...a]).toEqual([0, 2]);
  });
});
