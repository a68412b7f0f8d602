/**
 * Backups and restore of a store's copy, and the destructive human error they are for.
 *
 * - **Snapshots** (a base backup, an EBS or LVM snapshot, `pg_basebackup`): every `every` from
 *   `first`, a consistent copy of the data at that moment (the log position then), uploaded to the
 *   backup location (a node: another machine, or one in another region) at `transferMbPerSec`. It
 *   is usable once the upload has finished; a location that cannot be reached then (down,
 *   partitioned) does not get it.
 * - **Log archiving** (PostgreSQL `archive_command` with `archive_timeout`, MySQL binlog
 *   shipping): every `archiveTimeout`, the log entries not yet archived are shipped to the backup
 *   location; what has arrived is archived. Entries committed since the last shipment live only on
 *   the database's own volume.
 * - **Point-in-time recovery**: restore the newest usable snapshot taken before the target time,
 *   then replay the archived log up to it. The restore takes the snapshot's size over
 *   `restoreMbPerSec` plus the log replayed over `replayMbPerSec` (sizes from `dataGb` at the start
 *   and `walMbPerSec` of log written since, the database's own growth): time proportional to data
 *   size and bandwidth, as in practice.
 * - **The human error** (`data-delete` fault kind): `table` drops the table with a logged statement
 *   (replicas apply it too, as they apply every statement: a mistaken migration, `DROP TABLE`);
 *   `volume` deletes the copy's data and log (an `rm -rf` of the data directory, a deleted volume:
 *   GitLab, 2017-01-31). Either way the copy fails requests until something restores it.
 *
 * The acknowledged writes a restore loses (`rpoWrites`) are those committed after the last
 * restorable point: after the snapshot's position when no archived log follows it, else after the
 * last archived entry before the target time.
 */
import { InputError } from '../kernel/errors.ts';
import { checkKeys, expectObject } from '../kernel/suggest.ts';
import { parseDuration, type Duration } from '../kernel/time.ts';
import type { FaultKindSpec } from '../faults/plan.ts';
import type { Message } from './network.ts';
import type { AckedWrite, AsyncReplicatedStore, LogEntry } from './regions.ts';
import type { World } from './world.ts';

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    /** A backup finished (a snapshot uploaded, a log segment archived) or a restore started or ended. */
    backup: { node: string; store: string; action: 'snapshot' | 'archive' | 'restore-start' | 'restore-end'; seq: number; detail?: string };
  }
}

/** The `data-delete` fault kind: a destructive human error on a store's copy (applied by the store's backups model). */
export const dataDeleteFaultKind: FaultKindSpec = {
  kind: 'data-delete',
  description:
    'Human error: delete production data on a store’s copy. table: drop the table with a logged statement (replicas apply it too, as they apply every statement); volume: delete the data directory or volume, the copy’s log included (what it had not shipped is gone). The copy fails requests until restored. GitLab.com, 2017-01-31: an rm -rf of the primary’s data directory, run on the wrong host. Needs a store (asyncReplicatedStore) holding a copy on the target.',
  fields: {
    target: { type: 'string', required: true, description: 'the node holding the store’s copy' },
    mode: { type: 'enum', values: ['table', 'volume'], description: 'table (DROP TABLE, default) or volume (rm -rf, a deleted volume)' },
  },
  duration: 'none',
  example: { at: '1407m', kind: 'data-delete', target: 'db1', mode: 'volume' },
};

/** Stores by node, per world: the `data-delete` handler finds the copy a fault names. */
const STORES = new WeakMap<World, Map<string, AsyncReplicatedStore>>();

/** @internal Let `data-delete` faults reach the copies of `store` (once per world, any number of stores). */
export function handleDataDeletes(store: AsyncReplicatedStore): void {
  const w = store.world;
  let byNode = STORES.get(w);
  if (byNode === undefined) {
    const map = new Map<string, AsyncReplicatedStore>();
    STORES.set(w, map);
    byNode = map;
    w.handleFaults(
      'data-delete',
      (entry) => {
        const target = String(entry.target);
        const s = map.get(target);
        if (s === undefined) throw new InputError(`fault data-delete: target=${JSON.stringify(target)} holds no store copy; copies: ${[...map.keys()].join(', ') || '(none)'}`);
        s._dataDelete(target, entry.mode === 'volume' ? 'volume' : 'table');
      },
      // checked when the plan is applied, not hours into the run
      (entry) => (typeof entry.target === 'string' && map.has(entry.target) ? undefined : { field: 'target', valid: `nodes holding a store copy: ${[...map.keys()].join(', ')}` }),
    );
  }
  for (const n of store.nodes) byNode.set(n, store);
}

/** Snapshot settings of `backups`. */
export interface SnapshotOptions {
  /** Time between snapshots (default "24h": nightly). */
  every?: Duration;
  /** When the first one is taken (default "0s"). */
  first?: Duration;
}

/** The options of `backups`. */
export interface BackupOptions {
  store: AsyncReplicatedStore;
  /** The copy backed up (the production database). */
  node: string;
  /** Where backups are kept: a node of their own (another machine, or one in another region). */
  to: string;
  /** Snapshots (omit for none). */
  snapshots?: SnapshotOptions;
  /** Log archiving every `archiveTimeout` (PostgreSQL `archive_timeout`; omit for none). */
  wal?: { archiveTimeout: Duration };
  /** The database's size at the start, in GB (10^9 bytes). */
  dataGb: number;
  /** Log written per second besides the modelled writes (the database's growth), in MB (10^6 bytes); default 0. */
  walMbPerSec?: number;
  /** Upload rate of a snapshot to the backup location, MB/s (default: `restoreMbPerSec`). */
  transferMbPerSec?: number;
  /** Copy rate of a snapshot back onto a volume, MB/s. */
  restoreMbPerSec: number;
  /** Log replay rate during recovery, MB/s (default 50). */
  replayMbPerSec?: number;
}

const KEYS: Record<keyof BackupOptions, true> = {
  store: true,
  node: true,
  to: true,
  snapshots: true,
  wal: true,
  dataGb: true,
  walMbPerSec: true,
  transferMbPerSec: true,
  restoreMbPerSec: true,
  replayMbPerSec: true,
};

/** A usable snapshot: the log position it holds, when it was taken and finished uploading, its size. */
export interface Snapshot {
  readonly seq: number;
  readonly takenAtUs: number;
  readonly usableAtUs: number;
  readonly bytes: number;
}

/** What a restore will do: from which snapshot, to which log position and commit time, and how long it takes. */
export interface RestorePlan {
  /** The snapshot restored, or null when there is none (nothing to restore). */
  snapshot: Snapshot | null;
  /** The last log position restored (the restorable point). */
  seq: number;
  /** Commit time of that entry (the snapshot's time when no log is replayed), µs. */
  pointUs: number;
  /** Archived log entries replayed on top of the snapshot. */
  replayedEntries: number;
  /** Bytes copied (the snapshot) and replayed (the log). */
  copyBytes: number;
  replayBytes: number;
  /** How long the restore takes (µs). */
  durationUs: number;
}

type Wire = { b: string; t: 'snapshot'; seq: number; takenAtUs: number; bytes: number } | { b: string; t: 'archive'; entries: LogEntry[] };

/**
 * Snapshots and log archiving of one store copy to a backup location, and point-in-time restores
 * from them (see the file comment). Make one with `backups(options)`.
 */
export class Backups {
  readonly store: AsyncReplicatedStore;
  readonly node: string;
  readonly to: string;
  /** Snapshots usable at the backup location, oldest first. */
  readonly snapshots: Snapshot[] = [];
  /** The archived log (entries of `node`, in order, contiguous from the first). */
  readonly archived: LogEntry[] = [];
  private readonly dataBytes: number;
  private readonly walBytesPerUs: number;
  private readonly transferBytesPerUs: number;
  private readonly restoreBytesPerUs: number;
  private readonly replayBytesPerUs: number;
  private readonly entryBytes = 200;
  /** Per snapshot taken: the log entries it holds (what a restore puts back). */
  private readonly contents = new Map<number, readonly LogEntry[]>();

  constructor(o: BackupOptions) {
    expectObject('backups', o);
    checkKeys('backups', o, Object.keys(KEYS));
    const w = `backups(${String(o.node)})`;
    if (!o.store || typeof o.store.logOf !== 'function') throw new InputError(`${w}: store must be a store made by asyncReplicatedStore`);
    this.store = o.store;
    const world = o.store.world;
    if (!o.store.nodes.includes(o.node)) throw new InputError(`${w}: node ${JSON.stringify(o.node)} holds no copy of ${o.store.name}; copies: ${o.store.nodes.join(', ')}`);
    if (!world.hasNode(o.to) || o.store.nodes.includes(o.to)) throw new InputError(`${w}: to=${JSON.stringify(o.to)} must be a node of the world that holds no copy (the backup location)`);
    this.node = o.node;
    this.to = o.to;
    const pos = (field: string, v: unknown, dflt?: number, min = 0): number => {
      const x = v ?? dflt;
      if (typeof x !== 'number' || !Number.isFinite(x) || x < min || x > 1e9) throw new InputError(`${w}: ${field}=${String(v)} is not valid; use a number from ${min} to 1e9`);
      return x;
    };
    this.dataBytes = pos('dataGb', o.dataGb) * 1e9;
    this.walBytesPerUs = pos('walMbPerSec', o.walMbPerSec, 0);
    this.restoreBytesPerUs = pos('restoreMbPerSec', o.restoreMbPerSec, undefined, 1e-6);
    this.transferBytesPerUs = pos('transferMbPerSec', o.transferMbPerSec, o.restoreMbPerSec, 1e-6);
    this.replayBytesPerUs = pos('replayMbPerSec', o.replayMbPerSec, 50, 1e-6);
    const sim = world.sim;
    world.onSeal(() => {
      world.net.listen(this.to, (m) => this.onMessage(m as Message<Wire>));
      if (o.snapshots !== undefined) {
        expectObject(`${w}: snapshots`, o.snapshots);
        checkKeys(`${w}: snapshots`, o.snapshots, ['every', 'first']);
        const everyUs = parseDuration(o.snapshots.every ?? '24h', `${w}: snapshots.every`);
        if (everyUs < 60_000_000) throw new InputError(`${w}: snapshots.every must be at least "1m"`);
        const firstUs = parseDuration(o.snapshots.first ?? '0s', `${w}: snapshots.first`);
        const take = (): void => {
          this.takeSnapshot();
          sim.schedule(everyUs, take, null);
        };
        sim.schedule(firstUs, take, null);
      }
      if (o.wal !== undefined) {
        expectObject(`${w}: wal`, o.wal);
        checkKeys(`${w}: wal`, o.wal, ['archiveTimeout']);
        const everyUs = parseDuration(o.wal.archiveTimeout, `${w}: wal.archiveTimeout`);
        if (everyUs < 1_000_000) throw new InputError(`${w}: wal.archiveTimeout must be at least "1s"`);
        const ship = (): void => {
          this.archive();
          sim.schedule(everyUs, ship, null);
        };
        sim.schedule(everyUs, ship, null);
      }
    });
  }

  /** The database's size at simulated time `atUs` (bytes): its size at the start plus the log written since. */
  sizeBytesAt(atUs: number): number {
    return this.dataBytes + this.walBytesPerUs * atUs;
  }

  /** The newest snapshot usable now that was taken before `beforeUs`, or null. */
  snapshotBefore(beforeUs: number): Snapshot | null {
    const now = this.store.world.sim.now;
    for (let i = this.snapshots.length - 1; i >= 0; i--) {
      const s = this.snapshots[i]!;
      if (s.takenAtUs < beforeUs && s.usableAtUs <= now) return s;
    }
    return null;
  }

  /** What a point-in-time restore to just before `beforeUs` would restore, and how long it would take. */
  plan(beforeUs: number): RestorePlan {
    const snap = this.snapshotBefore(beforeUs);
    if (snap === null) return { snapshot: null, seq: 0, pointUs: 0, replayedEntries: 0, copyBytes: 0, replayBytes: 0, durationUs: 0 };
    let seq = snap.seq;
    let pointUs = snap.takenAtUs;
    let replayed = 0;
    for (const e of this.archived) {
      if (e.seq <= snap.seq) continue;
      if (e.seq !== seq + 1 || e.atUs >= beforeUs || e.op === 'drop') break;
      seq = e.seq;
      pointUs = e.atUs;
      replayed++;
    }
    // the log between the snapshot and the point: the database's own writes plus the modelled ones
    const replayBytes = this.walBytesPerUs * (pointUs - snap.takenAtUs) + replayed * this.entryBytes;
    const durationUs = Math.round(snap.bytes / this.restoreBytesPerUs + replayBytes / this.replayBytesPerUs);
    return { snapshot: snap, seq, pointUs, replayedEntries: replayed, copyBytes: snap.bytes, replayBytes, durationUs };
  }

  /**
   * Restore onto `target` (the original node with a new volume, or another copy of the store):
   * now the plan for just before `beforeUs` is fixed; after its duration the copy holds the
   * snapshot plus the replayed log and takes writes (promoted). `done(plan)` then. Returns the plan.
   */
  restore(target: string, beforeUs: number, done: (plan: RestorePlan) => void = () => {}): RestorePlan {
    const p = this.plan(beforeUs);
    if (p.snapshot === null) throw new InputError(`backups(${this.node}): no usable snapshot taken before ${beforeUs / 1e6} s; nothing to restore`);
    const entries = [...this.contents.get(p.snapshot.takenAtUs)!, ...this.archived.filter((e) => e.seq > p.snapshot!.seq && e.seq <= p.seq)];
    const world = this.store.world;
    world.trace.emit({ time: world.sim.now, kind: 'backup', node: target, store: this.store.name, action: 'restore-start', seq: p.seq, detail: `snapshot of ${(p.snapshot.takenAtUs / 3.6e9).toFixed(2)} h + ${p.replayedEntries} archived entries; ${(p.durationUs / 6e7).toFixed(1)} min` });
    world.sim.schedule(p.durationUs, () => {
      this.store.restore(target, entries, `restored from backup to seq ${p.seq}`);
      world.trace.emit({ time: world.sim.now, kind: 'backup', node: target, store: this.store.name, action: 'restore-end', seq: p.seq });
      done(p);
    }, null);
    return p;
  }

  /** Acknowledged writes committed on `node` before `beforeUs` and after the restorable point of `plan`: what the restore loses. */
  lostBy(plan: RestorePlan, beforeUs: number, acked: readonly AckedWrite[] = this.store.acked): AckedWrite[] {
    return acked.filter((a) => a.origin === this.node && a.atUs < beforeUs && a.seq > plan.seq);
  }

  private takeSnapshot(): void {
    const world = this.store.world;
    const now = world.sim.now;
    if (!world.node(this.node).alive) return;
    const log = this.store.logOf(this.node);
    const seq = log.length;
    const bytes = this.sizeBytesAt(now);
    this.contents.set(now, log.slice());
    // the upload: done when the last byte has gone, if the backup location can be reached then
    world.sim.schedule(Math.round(bytes / this.transferBytesPerUs), () => {
      world.net.send(this.node, this.to, { b: this.store.name, t: 'snapshot', seq, takenAtUs: now, bytes } satisfies Wire, 64);
    }, null);
  }

  private archive(): void {
    const log = this.store.logOf(this.node);
    const from = this.archived.length === 0 ? 0 : this.archived.at(-1)!.seq;
    if (log.length <= from) return;
    const entries = log.slice(from);
    this.store.world.net.send(this.node, this.to, { b: this.store.name, t: 'archive', entries } satisfies Wire, entries.length * this.entryBytes);
  }

  private onMessage(m: Message<Wire>): void {
    const p = m.payload;
    if (!p || p.b !== this.store.name) return;
    const world = this.store.world;
    if (p.t === 'snapshot') {
      this.snapshots.push({ seq: p.seq, takenAtUs: p.takenAtUs, usableAtUs: world.sim.now, bytes: p.bytes });
      world.trace.emit({ time: world.sim.now, kind: 'backup', node: this.to, store: this.store.name, action: 'snapshot', seq: p.seq });
      return;
    }
    let last = this.archived.length === 0 ? 0 : this.archived.at(-1)!.seq;
    for (const e of p.entries) {
      if (e.seq !== last + 1) continue;
      this.archived.push(e);
      last = e.seq;
    }
    world.trace.emit({ time: world.sim.now, kind: 'backup', node: this.to, store: this.store.name, action: 'archive', seq: last });
  }
}

/** Snapshots and log archiving of a store's copy, with point-in-time restores (see `Backups`). */
export function backups(options: BackupOptions): Backups {
  return new Backups(options);
}
