/**
 * Bit rot: disk corruption, latent sector errors and DRAM bit flips in a replicated store; only
 * end-to-end checksums with repair from replicas never serve a corrupt value.
 *
 * The store is modelled in this file: three replicas, each with a disk (one block per key, the
 * world's Disk with per-block checksums) and a RAM cache (the node's MemoryStore, where bit flips
 * land). sim/patterns has no storage pattern.
 */
import { defineScenario } from 'faultline';
import { diskChecksum, type Disk, type Message, type Node } from 'faultline/world';
import { checkNoCorruptReads, kvHistory } from 'faultline/check';

const REPLICAS = ['store-1', 'store-2', 'store-3'] as const;
const CLIENTS = ['client-1', 'client-2'] as const;

type Req = { t: 'read'; key: number } | { t: 'fetch'; key: number };
type Res = { ok: true; record: string } | { ok: false; error: string };

/** A stored record: the value and the checksum its writer computed, so the check travels with the data. */
function seal(key: number, value: string): string {
  return `${value}|${diskChecksum(key, value)}`;
}
/** The value of a record, or null when its checksum does not match (or the record is mangled). */
function unseal(key: number, record: string): string | null {
  const i = record.lastIndexOf('|');
  if (i < 0) return null;
  const value = record.slice(0, i);
  return String(diskChecksum(key, value)) === record.slice(i + 1) ? value : null;
}
/** The value part without verifying it: what a store without end-to-end checksums serves. */
function valueOf(record: string): string {
  const i = record.lastIndexOf('|');
  return i < 0 ? record : record.slice(0, i);
}

export default defineScenario({
  name: 'bit-rot',
  title: 'Bit rot: checksums end to end, and repair from replicas',
  description: `
**What happens.** Three replicas each keep every key on their own disk (one block per key) and
the hottest half of them in a RAM cache. Two clients read random keys from random replicas.
Then the storage stack rots, as it does in the field: at 0.5 s a burst of silent corruption at
rest on store-1's disk and latent sector errors (unreadable blocks) on store-2's; from 1 s to
4 s store-3's disk returns a corrupted block on 2% of reads (a bad cable or controller);
at 1.5 s multi-bit DRAM errors (three bits in one word, beyond what SECDED ECC corrects or
detects) hit cached values on store-1 and store-2.

**Why corrupt data is served.** Without checksums a replica returns whatever the disk or RAM
gives it. Block checksums (\`disk-blocks\`: the disk's per-block checksum is verified and a bad
block is repaired from a peer) catch the disk's corruption, but not a flip in a value that sits
in RAM after it was read: the check happened on the way in, not on the way out.

**What fixes it.** End-to-end checksums: the writer computes a checksum over the value and it is
stored with it; every reader verifies it on every read, from cache or disk or a peer, and a
mismatch drops the copy and repairs it from another replica (ZFS, TigerBeetle, HDFS, GFS).
Latent sector errors are visible (EIO) in every design: the client retries another replica,
and a design with repair also rewrites the block from a peer, which clears the error.

**Watch in the table.** \`corruptServed\` (reads that returned a value nobody wrote),
\`corruptionDetected\` and \`repairs\`: the same faults, caught or not.

References: L. Bairavasundaram et al., "An Analysis of Data Corruption in the Storage Stack"
(FAST 2008), https://www.usenix.org/legacy/event/fast08/tech/full_papers/bairavasundaram/bairavasundaram.pdf ;
B. Schroeder, E. Pinheiro, W.-D. Weber, "DRAM Errors in the Wild: A Large-Scale Field Study"
(SIGMETRICS 2009), https://doi.org/10.1145/1555349.1555372 ; J. Bonwick, "ZFS End-to-End Data
Integrity" (2005), https://blogs.oracle.com/bonwick/zfs-end-to-end-data-integrity ; TigerBeetle,
"Safety", https://docs.tigerbeetle.com/concepts/safety/
`.trim(),
  params: {
    checksums: {
      type: 'enum',
      default: 'none',
      values: ['none', 'disk-blocks', 'end-to-end'],
      description: 'what a replica verifies before serving: nothing, the disk block checksum, or the writer’s checksum on every read',
    },
    keys: { type: 'number', default: 200, min: 10, max: 100_000, integer: true, description: 'keys in the store (one disk block each)' },
    cacheKeys: { type: 'number', default: 100, min: 0, max: 100_000, integer: true, description: 'values each replica keeps in RAM (random eviction)' },
    readRatePerSec: { type: 'number', default: 150, min: 1, max: 100_000, unit: '1/s', description: 'reads per second per client (Poisson)' },
    readTimeoutMs: { type: 'number', default: 100, min: 1, max: 60_000, unit: 'ms', description: 'client read timeout; on an error or timeout it tries one other replica' },
    durationMs: { type: 'number', default: 5000, min: 500, max: 3_600_000, unit: 'ms', description: 'run length' },
  },
  variants: {
    'no-checksums': {
      description: 'serve whatever the disk or RAM returns; only EIO is noticed',
      params: { checksums: 'none' },
      expectFail: ['no-corrupt-value-served'],
    },
    'disk-blocks': {
      description: 'verify disk block checksums and repair bad blocks from a peer; RAM is trusted',
      params: { checksums: 'disk-blocks' },
      expectFail: ['no-corrupt-value-served'],
    },
    'end-to-end': {
      description: 'verify the writer’s checksum on every read (cache, disk, peer) and repair from replicas',
      params: { checksums: 'end-to-end' },
    },
  },
  faults: [
    { at: '500ms', kind: 'disk-corrupt', target: 'store-1', mode: 'at-rest', count: 30 },
    { at: '500ms', kind: 'disk-error', target: 'store-2', mode: 'latent-sector', count: 20 },
    { at: '1s', kind: 'disk-corrupt', target: 'store-3', mode: 'on-read', percent: 2, for: '3s' },
    { at: '1500ms', kind: 'bitflip', target: 'store-1', count: 25, bits: 3 },
    { at: '1500ms', kind: 'bitflip', target: 'store-2', count: 25, bits: 3 },
  ],
  faultKinds: ['disk-corrupt', 'disk-error', 'bitflip'],
  keyMetrics: ['reads', 'corruptServed', 'corruptionDetected', 'repairs', 'availability', 'latencyMs.p99'],
  build(ctx) {
    const { sim, params, random, requests, emit, world: makeWorld } = ctx;
    const verifyDisk = params.checksums !== 'none';
    const verifyValues = params.checksums === 'end-to-end';

    // ---- components: three storage replicas with a disk each, two clients ----
    const world = makeWorld({
      nodes: [...REPLICAS, ...CLIENTS],
      // server DIMMs with SECDED ECC; an uncorrectable error fails the read instead of killing the process
      nodeDefaults: { memory: { ecc: true }, onUncorrectableMemory: 'error' },
      network: { latency: { dist: 'lognormal', median: '300us', sigma: 0.3 } },
      disks: REPLICAS.map((node) => ({ node })),
    });

    // ---- wiring: each replica serves reads from RAM, then disk, then a peer ----
    let corruptionDetected = 0;
    let repairs = 0;
    for (const name of REPLICAS) {
      const node: Node = world.node(name);
      const disk: Disk = world.disk(name);
      const evict = random.get(`replica/${name}/cache`);
      const cached: number[] = [];
      const cache = (key: number, record: string): void => {
        if (params.cacheKeys === 0) return;
        if (!node.memory.has(String(key))) {
          if (cached.length >= params.cacheKeys) {
            const i = evict.int(0, cached.length - 1);
            node.memory.delete(String(cached[i]!));
            cached[i] = cached[cached.length - 1]!;
            cached.pop();
          }
          cached.push(key);
        }
        node.memory.write(String(key), record);
      };
      const dropFromCache = (key: number): void => {
        const i = cached.indexOf(key);
        if (i >= 0) {
          cached[i] = cached[cached.length - 1]!;
          cached.pop();
        }
        node.memory.delete(String(key));
      };
      /** A record is usable if this design's verification accepts it. */
      const usable = (key: number, record: string): boolean => !verifyValues || unseal(key, record) !== null;

      // load: every key written and fsynced on every replica, and cached while there is room
      for (let k = 0; k < params.keys; k++) {
        const record = seal(k, `value-${k}-${'x'.repeat(40)}`);
        disk.write(k, record, () => {}, null);
        if (k < params.cacheKeys) cache(k, record);
      }
      disk.fsync(() => {}, null);

      const fromPeers = (key: number, peers: string[], done: (record: string | null) => void): void => {
        const peer = peers.shift();
        if (peer === undefined) return done(null);
        world.net.call(name, peer, { t: 'fetch', key } satisfies Req, params.readTimeoutMs * 500, (_: null, reply) => {
          const r = reply?.payload as Res | undefined;
          if (r && r.ok && usable(key, r.record)) return done(r.record);
          fromPeers(key, peers, done);
        }, null);
      };
      const repair = (key: number, done: (record: string | null) => void): void => {
        fromPeers(key, REPLICAS.filter((p) => p !== name), (record) => {
          if (record !== null) {
            repairs++;
            disk.write(key, record, () => {}, null); // rewriting the block also clears a latent sector error
            cache(key, record);
          }
          done(record);
        });
      };
      /** Read a key locally (RAM, then disk); `peers` allows repair from other replicas. */
      const readLocal = (key: number, peers: boolean, done: (r: Res) => void): void => {
        const m = node.memory.read<string>(String(key));
        if (m.ok) {
          if (usable(key, m.value)) return done({ ok: true, record: m.value });
          corruptionDetected++;
          dropFromCache(key);
        }
        disk.read(key, (_: null, res) => {
          if (res.ok && typeof res.data === 'string') {
            const bad = (verifyDisk && !res.checksumOk) || !usable(key, res.data);
            if (!bad) {
              cache(key, res.data);
              return done({ ok: true, record: res.data });
            }
            corruptionDetected++;
          }
          // an unreadable block (EIO) is noticed by every design; a corrupt one only when verified
          if (!peers || !verifyDisk) return done({ ok: false, error: res.ok ? 'corrupt' : res.error });
          repair(key, (record) => done(record === null ? { ok: false, error: 'no good copy' } : { ok: true, record }));
        }, null);
      };
      world.net.listen(name, (msg: Message<Req>) => {
        const req = msg.payload;
        readLocal(req.key, req.t === 'read', (r) => world.net.reply(msg, r));
      });
    }

    // ---- workload: clients read random keys from random replicas; one retry elsewhere ----
    const history = kvHistory(ctx);
    for (let k = 0; k < params.keys; k++) {
      const id = history.invoke(`loader-${k}`, 'write', `k${k}`, `value-${k}-${'x'.repeat(40)}`);
      history.ok(id);
    }
    const endUs = params.durationMs * 1000;
    let reads = 0;
    let corruptServed = 0;
    for (const client of CLIENTS) {
      emit({ time: 0, kind: 'note', node: client, text: 'client' });
      const rnd = random.get(`client/${client}`);
      let seq = 0;
      const arrive = (): void => {
        if (sim.now >= endUs) return;
        sim.schedule(rnd.exponential(1e6 / params.readRatePerSec), arrive, null);
        const key = rnd.int(0, params.keys - 1);
        const process = `${client}/${seq++}`; // open loop: one history process per read
        const id = history.invoke(process, 'read', `k${key}`, undefined, { node: client });
        const startUs = sim.now;
        reads++;
        const first = REPLICAS[rnd.int(0, REPLICAS.length - 1)]!;
        const attempt = (target: string, retried: boolean): void => {
          world.net.call(client, target, { t: 'read', key } satisfies Req, params.readTimeoutMs * 1000, (_: null, reply) => {
            const r = reply?.payload as Res | undefined;
            if (r && r.ok) {
              const value = valueOf(r.record);
              if (value !== `value-${key}-${'x'.repeat(40)}`) corruptServed++;
              history.ok(id, value);
              requests.record(sim.now, true, sim.now - startUs, undefined, client, retried ? 2 : 1);
            } else if (!retried) {
              attempt(REPLICAS[(REPLICAS.indexOf(target as (typeof REPLICAS)[number]) + 1) % REPLICAS.length]!, true);
            } else {
              history.fail(id, r ? r.error : 'timeout');
              requests.record(sim.now, false, sim.now - startUs, r ? r.error : 'timeout', client, 2);
            }
          }, null);
        };
        attempt(first, false);
      };
      sim.schedule(100_000, arrive, null);
    }

    return {
      untilUs: endUs + 1_000_000,
      metrics: () => ({ reads, corruptServed, corruptionDetected, repairs }),
    };
  },
  checks: [
    {
      name: 'no-corrupt-value-served',
      description: 'every successful read returns a value that was written (sim/check checkNoCorruptReads)',
      check: (ctx) => {
        const r = checkNoCorruptReads(kvHistory(ctx).operations);
        return { status: r.status, detail: r.detail, firstFailedAtMs: r.firstFailedAtMs };
      },
    },
    {
      name: 'reads-available',
      description: 'at least 99.5% of reads succeed (corruption is repaired, not turned into errors)',
      check: ({ metrics }) => {
        const a = metrics.availability as number;
        return { status: a >= 0.995 ? 'ok' : 'fail', detail: `${(a * 100).toFixed(2)}% of ${metrics.requests} reads succeeded (SLO 99.5%)` };
      },
    },
  ],
});
