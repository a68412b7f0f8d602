/**
 * Bit rot: disk corruption, latent sector errors and DRAM bit flips in a replicated store; only
 * end-to-end checksums with repair from replicas never serve a corrupt value.
 *
 * The store is modelled in this file, on the app layer: a service with three replicas, each with a
 * disk (one block per key, the world's Disk with per-block checksums) and a RAM cache (the node's
 * MemoryStore, where bit flips land); its endpoints read the key their request carries.
 */
import { defineScenario } from 'faultline';
import type { Handling } from 'faultline/app';
import { checkNoCorruptReads, kvHistory } from 'faultline/check';
import { errorOutcome, newCallContext, okOutcome, type Call, type Done, type Outcome } from 'faultline/patterns';
import { diskChecksum } from 'faultline/world';

const REPLICAS = ['store-1', 'store-2', 'store-3'] as const;
const CLIENTS = ['client-1', 'client-2'] as const;

interface Replica {
  /** Serve `h.body` (a key) from RAM, then disk; with `peers`, repair a bad copy from another replica. */
  read(h: Handling<number>, peers: boolean, done: Done): void;
}

/** The value the loader wrote at `key`. */
function valueAt(key: number): string {
  return `value-${key}-${'x'.repeat(40)}`;
}

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
    const { params, random, world, service, openLoop } = ctx;
    const verifyDisk = params.checksums !== 'none';
    const verifyValues = params.checksums === 'end-to-end';
    /** A record is usable if this design's verification accepts it. */
    const usable = (key: number, record: string): boolean => !verifyValues || unseal(key, record) !== null;

    // ---- components: three storage replicas with a disk each, two clients ----
    world({
      nodes: [...REPLICAS, ...CLIENTS],
      // server DIMMs with SECDED ECC; an uncorrectable error fails the read instead of killing the process
      nodeDefaults: { memory: { ecc: true }, onUncorrectableMemory: 'error' },
      network: { latency: { dist: 'lognormal', median: '300us', sigma: 0.3 } },
      disks: REPLICAS.map((node) => ({ node })),
    });
    // each replica serves reads from RAM, then disk, then a peer (`read`); peers ask it for its copy (`fetch`)
    const replicas = new Map<string, Replica>();
    const serve = (h: Handling<number>, done: Done): void => replicas.get(h.node.name)!.read(h, h.endpoint === 'read', done);
    const store = service('store', { nodes: REPLICAS, endpoints: { read: { work: '0ms', handler: serve }, fetch: { work: '0ms', handler: serve } } });

    // ---- wiring: each replica's cache, disk, verification and repair from its peers ----
    let corruptionDetected = 0;
    let repairs = 0;
    for (const name of REPLICAS) {
      const node = world().node(name);
      const disk = world().disk(name);
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

      // load: every key written and fsynced on every replica, and cached while there is room
      for (let k = 0; k < params.keys; k++) {
        const record = seal(k, valueAt(k));
        disk.write(k, record, () => {}, null);
        if (k < params.cacheKeys) cache(k, record);
      }
      disk.fsync(() => {}, null);

      const fetch = new Map<string, Call>(REPLICAS.filter((p) => p !== name).map((p) => [p, store.replicaClient(name, 'fetch', p, { timeout: `${params.readTimeoutMs * 500}us` })]));
      const fromPeers = (h: Handling<number>, peers: string[], done: (record: string | null) => void): void => {
        const peer = peers.shift();
        if (peer === undefined) return done(null);
        h.call(fetch.get(peer)!, (o) => (o.ok && usable(h.body, o.value as string) ? done(o.value as string) : fromPeers(h, peers, done)), h.body);
      };
      const repair = (h: Handling<number>, done: (record: string | null) => void): void => {
        fromPeers(h, [...fetch.keys()], (record) => {
          if (record !== null) {
            repairs++;
            disk.write(h.body, record, () => {}, null); // rewriting the block also clears a latent sector error
            cache(h.body, record);
          }
          done(record);
        });
      };
      /** Read a key locally (RAM, then disk); `peers` allows repair from other replicas. */
      const read = (h: Handling<number>, peers: boolean, done: Done): void => {
        const key = h.body;
        const m = node.memory.read<string>(String(key));
        if (m.ok) {
          if (usable(key, m.value)) return done(okOutcome(0, m.value));
          corruptionDetected++;
          dropFromCache(key);
        }
        disk.read(key, (_: null, res) => {
          if (res.ok && typeof res.data === 'string') {
            const bad = (verifyDisk && !res.checksumOk) || !usable(key, res.data);
            if (!bad) {
              cache(key, res.data);
              return done(okOutcome(0, res.data));
            }
            corruptionDetected++;
          }
          // an unreadable block (EIO) is noticed by every design; a corrupt one only when verified
          if (!peers || !verifyDisk) return done(errorOutcome(res.ok ? 'corrupt' : res.error, 0));
          repair(h, (record) => done(record === null ? errorOutcome('no good copy', 0) : okOutcome(0, record)));
        }, null);
      };
      replicas.set(name, { read });
    }

    // ---- workload: clients read random keys from random replicas; one retry elsewhere ----
    const history = kvHistory(ctx);
    for (let k = 0; k < params.keys; k++) history.ok(history.invoke(`loader-${k}`, 'write', `k${k}`, valueAt(k)));
    let reads = 0;
    let corruptServed = 0;
    for (const from of CLIENTS) {
      const rnd = random.get(`client/${from}`);
      const at = REPLICAS.map((r) => store.replicaClient(from, 'read', r, { timeout: `${params.readTimeoutMs}ms` }));
      let seq = 0;
      const readKey: Call = (c, done) => {
        const key = rnd.int(0, params.keys - 1);
        const id = history.invoke(`${from}/${seq++}`, 'read', `k${key}`, undefined, { node: from }); // open loop: one history process per read
        reads++;
        const first = rnd.int(0, REPLICAS.length - 1);
        const served = (o: Outcome): void => {
          if (o.ok) {
            const value = valueOf(o.value as string);
            if (value !== valueAt(key)) corruptServed++;
            history.ok(id, value);
          } else {
            history.fail(id, o.error);
          }
          done(o);
        };
        at[first]!(newCallContext(c.sim, { body: key }), (o) => (o.ok ? served(o) : at[(first + 1) % REPLICAS.length]!(newCallContext(c.sim, { body: key }), served)));
      };
      openLoop({ name: from, rate: params.readRatePerSec, start: '100ms', until: `${params.durationMs}ms`, call: readKey });
    }

    return {
      untilUs: (params.durationMs + 1000) * 1000,
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
