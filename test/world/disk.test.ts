import { describe, expect, it } from 'vitest';
import type { DiskReadResult } from '../../sim/world/index.ts';
import { makeWorld, recordsOf } from './helpers.ts';

function writeAll(disk: import('../../sim/world/index.ts').Disk, blocks: [number, string][]): void {
  for (const [b, d] of blocks) disk.write(b, d, () => {}, null);
}

describe('Disk', () => {
  it('crash() loses writes that were not fsynced and keeps those that were', () => {
    const { sim, world } = makeWorld({ nodes: ['db'], disks: [{ node: 'db', tornWritePercent: 0 }] });
    const disk = world.disk('db');
    writeAll(disk, [[1, 'one'], [2, 'two']]);
    let synced = false;
    sim.schedule(1_000, () => disk.fsync((_, err) => (synced = err === null), null), null);
    sim.schedule(5_000, () => writeAll(disk, [[3, 'three'], [1, 'ONE']]), null);
    sim.run();
    expect(synced).toBe(true);
    expect(disk.unsyncedWrites).toBe(2);
    expect(disk.peek(1)).toMatchObject({ data: 'ONE' }); // readable before the crash
    world.node('db').crash('test');
    expect(disk.peek(1)).toMatchObject({ data: 'one', checksumOk: true });
    expect(disk.peek(2)).toMatchObject({ data: 'two', checksumOk: true });
    expect(disk.peek(3)).toMatchObject({ data: undefined });
  });

  it('crash() with tornWritePercent 100 tears the newest unsynced write, and the checksum catches it', () => {
    const { sim, world, trace } = makeWorld({ nodes: ['db'], disks: [{ node: 'db', tornWritePercent: 100 }] });
    const disk = world.disk('db');
    writeAll(disk, [[7, 'aaaaaaaaaaaaaaaa']]);
    sim.schedule(1_000, () => disk.fsync(() => {}, null), null);
    sim.schedule(5_000, () => writeAll(disk, [[7, 'bbbbbbbbbbbbbbbb']]), null);
    sim.run();
    disk.crash();
    const r = disk.peek(7) as Extract<DiskReadResult, { ok: true }>;
    expect(r.data).toMatch(/^b+a+$/);
    expect(r.checksumOk).toBe(false);
    expect(recordsOf(trace, 'disk-crash')[0]).toMatchObject({ lostWrites: 1, torn: 7 });
  });

  it('a process crash keeps the page cache; a machine crash does not', () => {
    const { sim, world } = makeWorld({ nodes: ['a', 'b'], nodeDefaults: { disk: { tornWritePercent: 0 } } });
    writeAll(world.disk('a'), [[1, 'x']]);
    writeAll(world.disk('b'), [[1, 'x']]);
    sim.run();
    world.node('a').crash('kill -9', 'process');
    world.node('b').crash('power', 'machine');
    expect(world.disk('a').peek(1)).toMatchObject({ data: 'x' });
    expect(world.disk('b').peek(1)).toMatchObject({ data: undefined });
  });

  it('disk-full fails writes with ENOSPC while it lasts', () => {
    const { sim, world } = makeWorld({ nodes: ['db'], disks: [{ node: 'db' }] }, [
      { at: '1ms', kind: 'disk-full', target: 'db', for: '10ms' },
    ]);
    const errors: (string | null)[] = [];
    for (const t of [2_000, 20_000]) sim.schedule(t, () => world.disk('db').write(1, 'x', (_, e) => errors.push(e), null), null);
    sim.run();
    expect(errors).toEqual(['ENOSPC', null]);
  });

  it('disk-error with mode latent-sector makes a written block unreadable until it is rewritten', () => {
    const { sim, world } = makeWorld({ nodes: ['db'], disks: [{ node: 'db' }] }, [
      { at: '1ms', kind: 'disk-error', target: 'db', mode: 'latent-sector', count: 1 },
    ]);
    const disk = world.disk('db');
    writeAll(disk, [[4, 'data']]);
    const reads: DiskReadResult[] = [];
    sim.schedule(2_000, () => disk.read(4, (_, r) => reads.push(r), null), null);
    sim.schedule(3_000, () => disk.write(4, 'new', () => disk.read(4, (_, r) => reads.push(r), null), null), null);
    sim.run();
    expect(reads[0]).toEqual({ ok: false, error: 'EIO' });
    expect(reads[1]).toMatchObject({ ok: true, data: 'new', checksumOk: true });
  });

  it('disk-error on write fails the share of writes asked for, with the errno asked for', () => {
    const { sim, world } = makeWorld({ nodes: ['db'], disks: [{ node: 'db' }] }, [
      { at: '0s', kind: 'disk-error', target: 'db', op: 'write', percent: 100, errno: 'EROFS', for: '1s' },
    ]);
    const errors: (string | null)[] = [];
    sim.schedule(10, () => world.disk('db').write(1, 'x', (_, e) => errors.push(e), null), null);
    sim.schedule(10, () => world.disk('db').read(1, (_, r) => errors.push(r.ok ? 'read-ok' : r.error), null), null);
    sim.run();
    expect(errors.sort()).toEqual(['EROFS', 'read-ok']);
  });

  it('a misdirected write leaves the intended block stale and the landed block failing its checksum', () => {
    const { sim, world, trace } = makeWorld({ nodes: ['db'], disks: [{ node: 'db' }] }, [
      { at: '1ms', kind: 'disk-misdirect', target: 'db', percent: 100, for: '1ms' },
    ]);
    const disk = world.disk('db');
    writeAll(disk, [[50, 'old']]);
    sim.schedule(1_500, () => writeAll(disk, [[50, 'new']]), null);
    sim.run();
    const rec = recordsOf(trace, 'disk-misdirect')[0]!;
    expect(rec.block).toBe(50);
    expect(rec.landedBlock).not.toBe(50);
    expect(disk.peek(50)).toMatchObject({ data: 'old', checksumOk: true });
    expect(disk.peek(rec.landedBlock)).toMatchObject({ data: 'new', checksumOk: false });
  });

  it('disk-corrupt on-read corrupts what the reader gets, not what is stored, and checksums catch it', () => {
    const { sim, world } = makeWorld({ nodes: ['db'], disks: [{ node: 'db' }] }, [
      { at: '1ms', kind: 'disk-corrupt', target: 'db', mode: 'on-read', percent: 100, for: '1ms' },
    ]);
    const disk = world.disk('db');
    writeAll(disk, [[1, 'payload']]);
    const reads: DiskReadResult[] = [];
    sim.schedule(1_200, () => disk.read(1, (_, r) => reads.push(r), null), null);
    sim.run();
    expect(reads[0]).toMatchObject({ ok: true, checksumOk: false });
    expect(disk.peek(1)).toMatchObject({ data: 'payload', checksumOk: true });
  });

  it('disk-slow with stall holds every I/O until the fault ends', () => {
    const { sim, world } = makeWorld({ nodes: ['db'], disks: [{ node: 'db', writeLatency: '100us' }] }, [
      { at: '1ms', kind: 'disk-slow', target: 'db', stall: true, for: '50ms' },
    ]);
    let doneAt = -1;
    sim.schedule(2_000, () => world.disk('db').write(1, 'x', () => (doneAt = sim.now), null), null);
    sim.run();
    expect(doneAt).toBe(51_000 + 100);
  });
});
