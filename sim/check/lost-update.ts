/**
 * The lost-update check: a write based on a stale read overwrote someone else's write.
 *
 * The definition is Berenson et al.'s phenomenon P4, "Lost Update" ("A Critique of ANSI SQL
 * Isolation Levels", SIGMOD 1995, https://doi.org/10.1145/223784.223785): r1[x] … w2[x] … w1[x],
 * a transaction reads x, another writes x, and the first then writes x from what it read, so the
 * second's update is gone. A store records, in the order it applies them, each read (the version
 * it returned) and each write (the version it made) with the transaction that did it; the check
 * looks, for every write, at its transaction's last read of the same key: if the key was written
 * by someone else in between, that write was lost. Blind writes (no read before) are not
 * read-modify-writes and are not judged; a conditional write (compare-and-swap) that was refused
 * is not a write and is not recorded.
 */
import { formatDuration } from '../kernel/time.ts';
import type { CheckOutcome } from '../run/scenario.ts';

/** One operation a store applied: a read that returned `version`, or a write that made `version`. */
export interface RegisterOp {
  /** The transaction (request, session) that did it. */
  txn: string;
  key: string;
  op: 'read' | 'write';
  /** The version read, or the version the write made (versions count a key's writes from 0). */
  version: number;
  /** When the store applied it, simulated µs. */
  timeUs: number;
}

/** One lost update: `by` wrote `key` from its read of `readVersion`, overwriting `lost`'s write. */
export interface LostUpdate {
  key: string;
  /** The transaction whose write was overwritten. */
  lost: string;
  /** When it wrote, µs. */
  lostAtUs: number;
  /** The transaction that overwrote it from a stale read. */
  by: string;
  /** The version `by` had read, and when. */
  readVersion: number;
  readAtUs: number;
  /** When `by` wrote, µs. */
  atUs: number;
}

/** A store's record of the reads and writes it applied, for `checkNoLostUpdates`. */
export class RegisterHistory {
  readonly ops: RegisterOp[] = [];
  private readonly versions = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /** The version of `key` now (0 before its first write). */
  version(key: string): number {
    return this.versions.get(key) ?? 0;
  }

  /** Record that `txn` read `key`; returns the version read. */
  read(txn: string, key: string): number {
    const version = this.version(key);
    this.ops.push({ txn, key, op: 'read', version, timeUs: this.now() });
    return version;
  }

  /** Record that `txn` wrote `key`; returns the new version. */
  write(txn: string, key: string): number {
    const version = this.version(key) + 1;
    this.versions.set(key, version);
    this.ops.push({ txn, key, op: 'write', version, timeUs: this.now() });
    return version;
  }
}

/** Every lost update in a history of applied operations (in the order applied), first first. */
export function findLostUpdates(ops: readonly RegisterOp[]): LostUpdate[] {
  const lastRead = new Map<string, RegisterOp>(); // `${txn}\u0000${key}` → its last read
  const writers = new Map<string, RegisterOp[]>(); // key → its writes, by version
  const out: LostUpdate[] = [];
  for (const o of ops) {
    const id = `${o.txn}\u0000${o.key}`;
    if (o.op === 'read') {
      lastRead.set(id, o);
      continue;
    }
    const list = writers.get(o.key) ?? [];
    writers.set(o.key, list);
    const read = lastRead.get(id);
    if (read !== undefined) {
      // the writes between this transaction's read and its write, by others
      for (const w of list) {
        if (w.version > read.version && w.version < o.version && w.txn !== o.txn) {
          out.push({ key: o.key, lost: w.txn, lostAtUs: w.timeUs, by: o.txn, readVersion: read.version, readAtUs: read.timeUs, atUs: o.timeUs });
        }
      }
    }
    list.push(o);
    // its next write of this key, without a new read, builds on its own write
    lastRead.set(id, { ...o, op: 'read' });
  }
  return out;
}

/**
 * The check: no write was lost to a read-modify-write from a stale read. Fails naming the first
 * lost update: who read what, who wrote in between, and who overwrote it, with the times.
 */
export function checkNoLostUpdates(history: RegisterHistory | readonly RegisterOp[]): CheckOutcome & { lost: LostUpdate[] } {
  const ops = history instanceof RegisterHistory ? history.ops : history;
  const lost = findLostUpdates(ops);
  const txns = new Set(ops.map((o) => o.txn)).size;
  if (lost.length === 0) return { status: 'ok', detail: `no lost update in ${ops.length} operation(s) of ${txns} transaction(s)`, lost };
  const f = lost[0]!;
  const t = formatDuration;
  return {
    status: 'fail',
    detail:
      `lost update on ${f.key}: ${f.by} read version ${f.readVersion} at ${t(f.readAtUs)}, ${f.lost} wrote it at ${t(f.lostAtUs)}, ` +
      `then ${f.by} wrote from its stale read at ${t(f.atUs)}, overwriting ${f.lost}'s update (two overlapping requests); ` +
      `${lost.length} lost update(s) in ${ops.length} operation(s) of ${txns} transaction(s)`,
    firstFailedAtMs: f.atUs / 1000,
    lost,
  };
}
