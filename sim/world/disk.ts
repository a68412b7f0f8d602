/**
 * A disk as storage engines see it: numbered blocks, a volatile write cache, and fsync.
 *
 * Durability: a completed write sits in the cache (readable, not durable) until an fsync issued
 * after it completes. A power loss or machine crash (`crash()`) loses every unsynced write and,
 * with probability `tornWritePercent`, leaves the newest one torn: a prefix of the new data over
 * the old (the rest of the block keeps the old bytes). A process crash (`dropInflight()`) keeps
 * the OS page cache, as on Linux after `kill -9`.
 *
 * Checksums: every block carries the checksum its writer computed over (block number, data), as
 * ZFS and TigerBeetle do, so corruption, torn writes and misdirected writes (a write that lands
 * at the wrong block) are detectable on read through `checksumOk`. A misdirected write leaves
 * the intended block stale with a valid checksum: a lost write only a higher-level check finds.
 *
 * Faults (TigerBeetle's storage fault classes and Chaos Mesh IOChaos actions): I/O errors on
 * read, write or fsync (IOChaos `fault`, `errno`, `percent`); latent sector errors (a block
 * unreadable until rewritten); silent corruption at rest or on read (IOChaos `mistake`);
 * misdirected writes; a full disk (ENOSPC, LitmusChaos `disk-fill`); a slow disk (AWS FIS
 * `aws:ebs:volume-io-latency`) and a stall (`aws:ebs:pause-volume-io`).
 *
 * Callbacks run only while the process that issued them lives: a crash drops them silently.
 */
import { durationSampler, type DistributionSpec, type Sampler } from '../kernel/distribution.ts';
import { chargeEvents } from '../kernel/charge.ts';
import { InputError } from '../kernel/errors.ts';
import type { Random } from '../kernel/random.ts';
import type { Simulation } from '../kernel/sim.ts';
import type { Tracer } from '../observe/trace.ts';

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    /** A disk lost its unsynced writes (power loss or machine crash); `torn` is the block left torn, or -1. */
    'disk-crash': { node: string; disk: string; lostWrites: number; torn: number };
    /** An I/O failed with an error. */
    'disk-error': { node: string; disk: string; op: DiskOp; block: number; error: DiskError };
    /** A write landed at `landedBlock` instead of `block`. */
    'disk-misdirect': { node: string; disk: string; block: number; landedBlock: number };
    /** A block's content was silently corrupted, on the platter (`at-rest`) or on its way to a reader (`on-read`). */
    'disk-corrupt': { node: string; disk: string; block: number; where: 'at-rest' | 'on-read' };
  }
}

/** What a disk block holds: a string or bytes. */
export type DiskData = string | Uint8Array;
/** A disk operation, as traces and fault plans name it. */
export type DiskOp = 'read' | 'write' | 'fsync';
/** errno-style failures: EIO (I/O error, including latent sector errors), ENOSPC (disk full). */
export type DiskError = 'EIO' | 'ENOSPC' | 'EROFS' | 'ETIMEDOUT';
/** Every `DiskError` (the errnos an `io-error`-style fault may inject). */
export const DISK_ERRORS: readonly DiskError[] = ['EIO', 'ENOSPC', 'EROFS', 'ETIMEDOUT'];

/**
 * The result of a disk read: the block's data (undefined for a block never written) and whether
 * it matches the checksum its writer stored, or the errno the read failed with.
 */
export type DiskReadResult =
  | { ok: true; data: DiskData | undefined; /** false when the data does not match its checksum */ checksumOk: boolean }
  | { ok: false; error: DiskError };

/** The callback of `Disk.read`. */
export type DiskReadCallback<A> = (arg: A, result: DiskReadResult) => void;
/** The callback of `Disk.write` and `Disk.fsync`: null on success, else the errno. */
export type DiskWriteCallback<A> = (arg: A, error: DiskError | null) => void;

/**
 * A disk's performance and size, each with its default on the field (a datacenter NVMe SSD:
 * 100 µs reads, 50 µs cached writes, 1 ms fsync, 1000 MB/s, queue depth 4).
 */
export interface DiskOptions {
  /** Latency of one read, excluding transfer time. Default 100 µs (a datacenter NVMe SSD). */
  readLatency?: DistributionSpec;
  /** Latency of one write into the device cache. Default 50 µs. */
  writeLatency?: DistributionSpec;
  /** Latency of an fsync (a cache flush). Default 1 ms. */
  fsyncLatency?: DistributionSpec;
  /** Transfer rate for the bytes of a read or write, MB/s (10^6 bytes). Default 1000. */
  throughputMbPerSec?: number;
  /** Operations in service at once (device queue depth). Default 4. */
  queueDepth?: number;
  /** Blocks the disk holds; writing a new block beyond it fails with ENOSPC. Default 1,000,000. */
  capacityBlocks?: number;
  /** Chance that a crash tears the newest unsynced write instead of dropping it. Default 50. */
  tornWritePercent?: number;
}

interface Block {
  data: DiskData;
  sum: number;
}

interface PendingWrite {
  seq: number;
  block: number;
  data: Block;
}

interface Op {
  op: DiskOp;
  block: number;
  data: DiskData | undefined;
  done: (arg: any, result: any) => void;
  arg: unknown;
  epoch: number;
  /** fsync: the last write sequence it covers. */
  mark: number;
}

/** An active fault's effect on a disk; effects stack and are removed when their fault ends. */
export interface DiskEffect {
  readErrorPercent?: number;
  writeErrorPercent?: number;
  fsyncErrorPercent?: number;
  error?: DiskError;
  corruptReadPercent?: number;
  misdirectPercent?: number;
  slowFactor?: number;
  extraLatencyUs?: number;
  stall?: boolean;
  full?: boolean;
}

/** FNV-1a over (block number, data): the checksum a writer stores beside its block. */
export function diskChecksum(block: number, data: DiskData): number {
  let h = 0x811c9dc5 | 0;
  h = Math.imul(h ^ (block & 0xffff), 0x01000193);
  h = Math.imul(h ^ (block >>> 16), 0x01000193);
  if (typeof data === 'string') {
    for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data.charCodeAt(i), 0x01000193);
  } else {
    for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, 0x01000193);
  }
  return (h ^ data.length) >>> 0;
}

/**
 * A node's disk as storage engines see it: numbered blocks behind a volatile write cache that
 * only `fsync` makes durable, checksums stored beside each block, and TigerBeetle's storage
 * fault classes (I/O errors, latent sector errors, corruption, misdirected and torn writes, a
 * full, slow or stalled disk). A machine crash loses unsynced writes; a process crash keeps the
 * OS page cache. Callbacks run only while the process that issued them lives.
 */
export class Disk {
  readonly capacityBlocks: number;
  readonly tornWritePercent: number;
  private readonly readLatency: Sampler;
  private readonly writeLatency: Sampler;
  private readonly fsyncLatency: Sampler;
  private readonly usPerByte: number;
  private readonly queueDepth: number;
  /** Durable blocks (survive a crash). */
  private readonly durable = new Map<number, Block>();
  /** Completed but unsynced writes, oldest first; the cache view wins over `durable` on read. */
  private pending: PendingWrite[] = [];
  private readonly cache = new Map<number, Block>();
  private readonly latentErrors = new Set<number>();
  private writeSeq = 0;
  private used = 0;
  private queue: Op[] = [];
  private head = 0;
  private busy = 0;
  private epoch = 0;
  private effects: DiskEffect[] = [];
  private eff: Required<DiskEffect> = noEffect();
  reads = 0;
  writes = 0;
  fsyncs = 0;
  errors = 0;

  constructor(
    readonly sim: Simulation,
    readonly name: string,
    readonly node: string,
    private readonly random: Random,
    private readonly trace: Tracer,
    options: DiskOptions = {},
  ) {
    const where = `disk ${name}`;
    this.readLatency = durationSampler(options.readLatency ?? '100us', `${where}: readLatency`);
    this.writeLatency = durationSampler(options.writeLatency ?? '50us', `${where}: writeLatency`);
    this.fsyncLatency = durationSampler(options.fsyncLatency ?? '1ms', `${where}: fsyncLatency`);
    const mbps = options.throughputMbPerSec ?? 1000;
    if (!(mbps > 0)) throw new InputError(`${where}: throughputMbPerSec=${mbps} is not valid; use a number > 0`);
    this.usPerByte = 1 / mbps;
    this.queueDepth = options.queueDepth ?? 4;
    if (!(Number.isInteger(this.queueDepth) && this.queueDepth >= 1)) {
      throw new InputError(`${where}: queueDepth=${options.queueDepth} is not valid; use an integer ≥ 1`);
    }
    this.capacityBlocks = options.capacityBlocks ?? 1_000_000;
    if (!(Number.isInteger(this.capacityBlocks) && this.capacityBlocks >= 1)) {
      throw new InputError(`${where}: capacityBlocks=${options.capacityBlocks} is not valid; use an integer ≥ 1`);
    }
    this.tornWritePercent = options.tornWritePercent ?? 50;
    if (!(this.tornWritePercent >= 0 && this.tornWritePercent <= 100)) {
      throw new InputError(`${where}: tornWritePercent=${options.tornWritePercent} is not valid; use 0 to 100`);
    }
    // queued I/O must not outlive the run (Simulation.dispose)
    sim.onDispose(() => {
      this.queue = [];
    });
  }

  /** Blocks holding data (durable or cached). */
  get usedBlocks(): number {
    return this.used;
  }

  private recountUsed(): void {
    let n = this.durable.size;
    for (const b of this.cache.keys()) if (!this.durable.has(b)) n++;
    this.used = n;
  }

  /** Writes completed but not yet made durable by an fsync. */
  get unsyncedWrites(): number {
    return this.pending.length;
  }

  /** Operations waiting for or in service. */
  get inflight(): number {
    return this.busy + (this.queue.length - this.head);
  }

  /** Read `block` (the cached, unsynced version if there is one), then `done(arg, result)`. */
  read<A>(block: number, done: DiskReadCallback<A>, arg: A): void {
    this.checkBlock(block);
    this.submit('read', block, undefined, done, arg);
  }

  /** Write `data` to `block` into the volatile cache (durable only after a later `fsync`), then `done(arg, error)`. */
  write<A>(block: number, data: DiskData, done: DiskWriteCallback<A>, arg: A): void {
    this.checkBlock(block);
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw new InputError(`disk ${this.name}: write data must be a string or a Uint8Array`);
    }
    this.submit('write', block, data, done, arg);
  }

  /** Make every write completed before this call durable. */
  fsync<A>(done: DiskWriteCallback<A>, arg: A): void {
    this.submit('fsync', -1, undefined, done, arg);
  }

  /** Generator style: `const r = yield disk.readEvent(7)`. */
  readEvent(block: number): import('../kernel/sim.ts').SimEvent<DiskReadResult> {
    const ev = this.sim.event<DiskReadResult>();
    this.read(block, succeedWith, ev);
    return ev;
  }

  writeEvent(block: number, data: DiskData): import('../kernel/sim.ts').SimEvent<DiskError | null> {
    const ev = this.sim.event<DiskError | null>();
    this.write(block, data, succeedWith, ev);
    return ev;
  }

  fsyncEvent(): import('../kernel/sim.ts').SimEvent<DiskError | null> {
    const ev = this.sim.event<DiskError | null>();
    this.fsync(succeedWith, ev);
    return ev;
  }

  /** What a reader would see now, without latency or faults (for checkers and tests). */
  peek(block: number): DiskReadResult {
    const b = this.cache.get(block) ?? this.durable.get(block);
    if (b === undefined) return { ok: true, data: undefined, checksumOk: true };
    return { ok: true, data: b.data, checksumOk: diskChecksum(block, b.data) === b.sum };
  }

  /** What survives a crash now (for checkers and tests). */
  peekDurable(block: number): DiskReadResult {
    const b = this.durable.get(block);
    if (b === undefined) return { ok: true, data: undefined, checksumOk: true };
    return { ok: true, data: b.data, checksumOk: diskChecksum(block, b.data) === b.sum };
  }

  /**
   * Power loss or machine crash: in-flight operations vanish, unsynced writes are lost, and the
   * newest unsynced write may be torn. Returns the number of writes lost.
   */
  crash(): number {
    this.dropInflight();
    const lost = this.pending.length;
    let torn = -1;
    if (lost > 0 && this.random.next() * 100 < this.tornWritePercent) {
      const last = this.pending[lost - 1]!;
      const old = this.durable.get(last.block);
      const cut = 1 + Math.floor(this.random.next() * Math.max(1, dataLength(last.data.data) - 1));
      const tornData = tear(last.data.data, old?.data, cut);
      // the checksum is the writer's, for the data it meant to write: the tear is detectable
      this.durable.set(last.block, { data: tornData, sum: last.data.sum });
      torn = last.block;
    }
    this.pending = [];
    this.cache.clear();
    this.recountUsed();
    if (lost > 0 || torn >= 0) {
      this.trace.emit({ time: this.sim.now, kind: 'disk-crash', node: this.node, disk: this.name, lostWrites: lost, torn });
    }
    return lost;
  }

  /** The issuing process died (the OS lives): queued and in-service operations never complete. */
  dropInflight(): void {
    this.epoch++;
    this.queue = [];
    this.head = 0;
    this.busy = 0;
  }

  /**
   * Mark `count` written blocks (chosen at random) as latent sector errors: reads fail until
   * rewritten. A fault passes its own stream as `random` (so do the next two methods), so its
   * choices do not depend on this disk's earlier draws.
   */
  addLatentErrors(count: number, random: Random = this.random): number[] {
    const blocks = this.pickWritten(count, random);
    for (const b of blocks) this.latentErrors.add(b);
    return blocks;
  }

  /** Silently flip a bit in `count` stored blocks (chosen at random). Returns the blocks hit. */
  corruptAtRest(count: number, random: Random = this.random): number[] {
    const blocks = this.pickWritten(count, random);
    for (const b of blocks) {
      // the medium holds the durable copy; a block only in the cache is corrupted there
      const store = this.durable.has(b) ? this.durable : this.cache;
      const blk = store.get(b)!;
      const copy = typeof blk.data === 'string' ? blk.data : blk.data.slice();
      store.set(b, { data: flipRandomBit(copy, random), sum: blk.sum });
      this.trace.emit({ time: this.sim.now, kind: 'disk-corrupt', node: this.node, disk: this.name, block: b, where: 'at-rest' });
    }
    return blocks;
  }

  /** Apply a fault's effect until the returned function is called. */
  addEffect(effect: DiskEffect): () => void {
    this.effects.push(effect);
    this.recompute();
    return () => {
      const i = this.effects.indexOf(effect);
      if (i >= 0) this.effects.splice(i, 1);
      this.recompute();
      this.pump();
    };
  }

  private recompute(): void {
    const e = noEffect();
    for (const x of this.effects) {
      e.readErrorPercent = Math.max(e.readErrorPercent, x.readErrorPercent ?? 0);
      e.writeErrorPercent = Math.max(e.writeErrorPercent, x.writeErrorPercent ?? 0);
      e.fsyncErrorPercent = Math.max(e.fsyncErrorPercent, x.fsyncErrorPercent ?? 0);
      if (x.error !== undefined) e.error = x.error;
      e.corruptReadPercent = Math.max(e.corruptReadPercent, x.corruptReadPercent ?? 0);
      e.misdirectPercent = Math.max(e.misdirectPercent, x.misdirectPercent ?? 0);
      e.slowFactor *= x.slowFactor ?? 1;
      e.extraLatencyUs += x.extraLatencyUs ?? 0;
      e.stall ||= x.stall ?? false;
      e.full ||= x.full ?? false;
    }
    this.eff = e;
  }

  private checkBlock(block: number): void {
    if (!(Number.isInteger(block) && block >= 0 && block < this.capacityBlocks)) {
      throw new InputError(`disk ${this.name}: block ${block} is not valid; use an integer in [0, ${this.capacityBlocks - 1}]`);
    }
  }

  private submit(op: DiskOp, block: number, data: DiskData | undefined, done: (arg: any, r: any) => void, arg: unknown): void {
    this.queue.push({ op, block, data, done, arg, epoch: this.epoch, mark: -1 });
    this.pump();
  }

  private pump(): void {
    while (this.busy < this.queueDepth && this.head < this.queue.length && !this.eff.stall) {
      const o = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as Op;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.busy++;
      let us: number;
      if (o.op === 'read') {
        us = this.readLatency(this.random);
        const b = this.cache.get(o.block) ?? this.durable.get(o.block);
        if (b !== undefined) us += dataLength(b.data) * this.usPerByte;
      } else if (o.op === 'write') {
        us = this.writeLatency(this.random) + dataLength(o.data!) * this.usPerByte;
      } else {
        us = this.fsyncLatency(this.random);
        o.mark = this.writeSeq;
      }
      us = us * this.eff.slowFactor + this.eff.extraLatencyUs;
      this.sim.schedule(us, completeOp, [this, o] as const);
    }
  }

  /** @internal */
  _complete(o: Op): void {
    if (o.epoch !== this.epoch) return;
    this.busy--;
    const e = this.eff;
    if (o.op === 'read') {
      this.reads++;
      if (this.latentErrors.has(o.block)) this.fail(o, 'EIO');
      else if (e.readErrorPercent > 0 && this.random.next() * 100 < e.readErrorPercent) this.fail(o, e.error);
      else {
        const b = this.cache.get(o.block) ?? this.durable.get(o.block);
        let result: DiskReadResult;
        if (b === undefined) result = { ok: true, data: undefined, checksumOk: true };
        else {
          let data = b.data;
          if (e.corruptReadPercent > 0 && this.random.next() * 100 < e.corruptReadPercent) {
            data = flipRandomBit(typeof data === 'string' ? data : data.slice(), this.random);
            this.trace.emit({ time: this.sim.now, kind: 'disk-corrupt', node: this.node, disk: this.name, block: o.block, where: 'on-read' });
          }
          result = { ok: true, data, checksumOk: diskChecksum(o.block, data) === b.sum };
        }
        o.done(o.arg, result);
      }
    } else if (o.op === 'write') {
      this.writes++;
      if (e.full || (!this.cache.has(o.block) && !this.durable.has(o.block) && this.used >= this.capacityBlocks)) {
        this.fail(o, 'ENOSPC');
      } else if (e.writeErrorPercent > 0 && this.random.next() * 100 < e.writeErrorPercent) {
        this.fail(o, e.error);
      } else {
        const blk: Block = { data: o.data!, sum: diskChecksum(o.block, o.data!) };
        let at = o.block;
        if (e.misdirectPercent > 0 && this.random.next() * 100 < e.misdirectPercent) {
          at = this.misdirectTarget(o.block);
          this.trace.emit({ time: this.sim.now, kind: 'disk-misdirect', node: this.node, disk: this.name, block: o.block, landedBlock: at });
        }
        this.latentErrors.delete(at);
        if (!this.cache.has(at) && !this.durable.has(at)) this.used++;
        this.cache.set(at, blk);
        this.pending.push({ seq: ++this.writeSeq, block: at, data: blk });
        o.done(o.arg, null);
      }
    } else {
      this.fsyncs++;
      if (e.fsyncErrorPercent > 0 && this.random.next() * 100 < e.fsyncErrorPercent) {
        // as on Linux since 4.13, a failed fsync may have dropped the dirty pages: the writes are gone
        this.dropPendingUpTo(o.mark, false);
        this.fail(o, e.error);
      } else {
        this.dropPendingUpTo(o.mark, true);
        o.done(o.arg, null);
      }
    }
    this.pump();
  }

  private dropPendingUpTo(mark: number, persist: boolean): void {
    let i = 0;
    const p = this.pending;
    while (i < p.length && p[i]!.seq <= mark) {
      const w = p[i]!;
      if (persist) this.durable.set(w.block, w.data);
      i++;
    }
    if (i === 0) return;
    this.pending = p.slice(i);
    // rebuild the cache view from what is still pending
    this.cache.clear();
    for (const w of this.pending) this.cache.set(w.block, w.data);
    if (!persist) this.recountUsed();
  }

  private fail(o: Op, error: DiskError): void {
    this.errors++;
    this.trace.emit({ time: this.sim.now, kind: 'disk-error', node: this.node, disk: this.name, op: o.op, block: o.block, error });
    if (o.op === 'read') o.done(o.arg, { ok: false, error });
    else o.done(o.arg, error);
  }

  private misdirectTarget(block: number): number {
    // a nearby block, as a firmware or driver bug would pick (TigerBeetle: "within the same zone")
    for (;;) {
      const off = 1 + Math.floor(this.random.next() * 8);
      const at = this.random.next() < 0.5 ? block - off : block + off;
      if (at >= 0 && at < this.capacityBlocks) return at;
    }
  }

  private pickWritten(count: number, random: Random): number[] {
    const all = new Set<number>(this.durable.keys());
    for (const b of this.cache.keys()) all.add(b);
    // one event looks at every written block: each counts as an event of the run's budget
    chargeEvents(this.sim, all.size);
    const blocks = [...all].sort((a, b) => a - b);
    return random.shuffle(blocks).slice(0, Math.max(0, count)).sort((a, b) => a - b);
  }
}

function completeOp(x: readonly [Disk, Op]): void {
  x[0]._complete(x[1]);
}

function succeedWith(ev: import('../kernel/sim.ts').SimEvent<any>, value: unknown): void {
  ev.succeed(value);
}

function noEffect(): Required<DiskEffect> {
  return {
    readErrorPercent: 0,
    writeErrorPercent: 0,
    fsyncErrorPercent: 0,
    error: 'EIO',
    corruptReadPercent: 0,
    misdirectPercent: 0,
    slowFactor: 1,
    extraLatencyUs: 0,
    stall: false,
    full: false,
  };
}

function dataLength(d: DiskData): number {
  return d.length;
}

function tear(next: DiskData, old: DiskData | undefined, cut: number): DiskData {
  if (typeof next === 'string') {
    const o = typeof old === 'string' ? old : '';
    return next.slice(0, cut) + o.slice(cut);
  }
  const out = new Uint8Array(Math.max(next.length, old?.length ?? 0));
  if (old instanceof Uint8Array) out.set(old);
  out.set(next.subarray(0, cut));
  return out.length === next.length ? out : out.subarray(0, Math.max(next.length, cut));
}

function flipRandomBit(d: DiskData, random: Random): DiskData {
  if (d.length === 0) return d;
  if (typeof d === 'string') {
    const i = Math.floor(random.next() * d.length);
    const bit = Math.floor(random.next() * 7);
    return d.slice(0, i) + String.fromCharCode(d.charCodeAt(i) ^ (1 << bit)) + d.slice(i + 1);
  }
  const i = Math.floor(random.next() * d.length);
  d[i]! ^= 1 << Math.floor(random.next() * 8);
  return d;
}
