/**
 * A node's memory as the values a model stores in it, with DRAM bit flips and ECC.
 *
 * Flips arrive as a Poisson process at `rateGbPerHour` errors per GiB of the node's DRAM per
 * hour. Each candidate flip hits a uniformly random bit of that DRAM; only the bits that hold a
 * stored value matter, so a candidate lands in a value with probability storedBits / dramBits
 * (thinning a constant-rate process: exact, and one pending timer no matter how often values
 * change). To see flips in a small model's state within a short run, use a `bitflip` fault with
 * `count` (flips that land in stored values at once) or a very high rate on a small `dramMb`.
 *
 * ECC (SECDED, as on server DIMMs, per 64-bit word): a single flipped bit in a word is corrected
 * when read; two flipped bits in one word are detected and the read fails (on Linux a machine
 * check: the process is killed, which the node models as a crash unless told otherwise); three or
 * more are beyond what SECDED guarantees and are modelled as undetected. Without ECC every flip is
 * applied at once and propagates to whoever reads the value.
 */
import { chargeEvents } from '../kernel/charge.ts';
import { InputError } from '../kernel/errors.ts';
import type { Random } from '../kernel/random.ts';
import type { Simulation } from '../kernel/sim.ts';
import type { Tracer } from '../observe/trace.ts';

declare module '../observe/trace.ts' {
  interface TraceRecordMap {
    /**
     * A DRAM bit flip in a stored value. `ecc`: `undetected` (no ECC, or too many bits in one
     * word: readers see the flipped value), `latent` (ECC will see it on the next read),
     * `corrected` (ECC fixed it on read), `uncorrectable` (ECC detected it; the read failed).
     */
    bitflip: { node: string; key: string; bit: number; ecc: 'undetected' | 'latent' | 'corrected' | 'uncorrectable' };
  }
}

/**
 * Default DRAM error rate: 25,000 FIT per Mbit (errors per 10^9 device-hours per Mbit), the low
 * end of the 25,000–70,000 FIT/Mbit that Schroeder, Pinheiro and Weber measured over Google's
 * fleet ("DRAM Errors in the Wild: A Large-Scale Field Study", SIGMETRICS 2009,
 * https://doi.org/10.1145/1555349.1555372). Per GiB-hour: 25,000e-9 × 8192 Mbit ≈ 0.2048.
 * The study also found errors strongly clustered (a few DIMMs see most of them), so a uniform
 * Poisson rate is the average case, not the worst.
 */
export const DEFAULT_BITFLIP_RATE_PER_GB_PER_HOUR = (25_000 * 8192) / 1e9;

/** A value a model keeps in a node's memory (bit flips change its bits as stored). */
export type MemoryValue = number | string | boolean | Uint8Array;

/**
 * The result of `MemoryStore.read`: the value (with the bits ECC corrected on this read), or
 * `missing` (no such key) or `uncorrectable` (ECC detected a double-bit error).
 */
export type MemoryRead<T extends MemoryValue = MemoryValue> =
  | { ok: true; value: T; /** bits ECC corrected during this read */ corrected: number }
  | { ok: false; error: 'missing' | 'uncorrectable' };

interface Cell {
  value: MemoryValue;
  bits: number;
  /** With ECC: flipped bit positions not yet seen by a read (a set: a million flips into one large value stay linear). */
  latent: Set<number> | null;
}

/** A node's memory: ECC on or off (default on), the background bit-flip rate (default 0) and the DRAM size. */
export interface MemoryOptions {
  /** SECDED ECC on (server DIMMs) or off (consumer memory). Default true. */
  ecc?: boolean;
  /**
   * Background flip rate per GiB of DRAM per hour. Default 0 (off), because a background process
   * keeps a run that ends "when no events remain" going forever; set it to
   * `DEFAULT_BITFLIP_RATE_PER_GB_PER_HOUR` for the field-study rate (scenarios then give `untilUs`).
   */
  rateGbPerHour?: number;
  /** DRAM size the stored values live in, in MiB (the denominator of the hit probability). Default 4096. */
  dramMb?: number;
}

const BITS_PER_GB = 8 * 2 ** 30;
const US_PER_HOUR = 3_600_000_000;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/**
 * The values a node's process holds in RAM, by key: lost on a crash, and subject to DRAM bit
 * flips (Poisson at `rateGbPerHour` per GiB, or injected by a `bitflip` fault) with SECDED ECC
 * per 64-bit word: one flipped bit corrected on read, two detected (the read fails), three or
 * more undetected.
 */
export class MemoryStore {
  readonly ecc: boolean;
  readonly dramMb: number;
  private readonly cells = new Map<string, Cell>();
  private storedBits = 0;
  private baseRate: number;
  /** Extra rate from active `bitflip` faults. */
  private faultRate = 0;
  private timer = -1;
  flips = 0;
  corrected = 0;
  uncorrectable = 0;
  /** Called when ECC detects an error it cannot correct (the node crashes by default). */
  onUncorrectable: ((key: string) => void) | null = null;

  constructor(
    readonly sim: Simulation,
    readonly node: string,
    private readonly random: Random,
    private readonly trace: Tracer,
    options: MemoryOptions = {},
  ) {
    this.ecc = options.ecc ?? true;
    this.dramMb = options.dramMb ?? 4096;
    this.baseRate = options.rateGbPerHour ?? 0;
    if (!(this.dramMb > 0 && this.dramMb < Infinity)) {
      throw new InputError(`memory of ${node}: dramMb=${this.dramMb} is not valid; use a positive number of MiB`);
    }
    checkRate(node, this.baseRate);
    this.arm();
  }

  get rateGbPerHour(): number {
    return this.baseRate + this.faultRate;
  }

  /** Bytes held by stored values. */
  get bytes(): number {
    return this.storedBits / 8;
  }

  get size(): number {
    return this.cells.size;
  }

  has(key: string): boolean {
    return this.cells.has(key);
  }

  keys(): string[] {
    return [...this.cells.keys()];
  }

  write(key: string, value: MemoryValue): void {
    const bits = bitsOf(key, value);
    const old = this.cells.get(key);
    if (old !== undefined) {
      this.storedBits += bits - old.bits;
      old.value = value;
      old.bits = bits;
      old.latent = null;
    } else {
      this.cells.set(key, { value, bits, latent: null });
      this.storedBits += bits;
    }
  }

  delete(key: string): boolean {
    const c = this.cells.get(key);
    if (c === undefined) return false;
    this.storedBits -= c.bits;
    this.cells.delete(key);
    return true;
  }

  /** Lose everything (a crash or restart: memory is volatile). */
  clear(): void {
    this.cells.clear();
    this.storedBits = 0;
  }

  /** Read a value through ECC. A flipped value propagates to the reader when ECC is off or overwhelmed. */
  read<T extends MemoryValue = MemoryValue>(key: string): MemoryRead<T> {
    const c = this.cells.get(key);
    if (c === undefined) return { ok: false, error: 'missing' };
    let corrected = 0;
    if (c.latent !== null) {
      // group flipped bits by 64-bit word, as SECDED works per word
      const latent = [...c.latent].sort((a, b) => a - b);
      c.latent = null;
      let i = 0;
      let bad = false;
      const keep: number[] = [];
      while (i < latent.length) {
        let j = i;
        const word = latent[i]! >> 6;
        while (j < latent.length && latent[j]! >> 6 === word) j++;
        const n = j - i;
        if (n === 1) {
          corrected++;
          this.corrected++;
          this.emit(key, latent[i]!, 'corrected');
        } else if (n === 2) {
          bad = true;
          for (let k = i; k < j; k++) keep.push(latent[k]!);
        } else {
          for (let k = i; k < j; k++) c.value = flipBit(c.value, latent[k]!);
          this.emit(key, latent[i]!, 'undetected');
        }
        i = j;
      }
      if (bad) {
        c.latent = new Set(keep);
        this.uncorrectable++;
        this.emit(key, keep[0]!, 'uncorrectable');
        this.onUncorrectable?.(key);
        return { ok: false, error: 'uncorrectable' };
      }
    }
    return { ok: true, value: c.value as T, corrected };
  }

  /** The value, or undefined when missing or uncorrectable (the error is counted and traced). */
  get<T extends MemoryValue = MemoryValue>(key: string): T | undefined {
    const r = this.read<T>(key);
    return r.ok ? r.value : undefined;
  }

  /**
   * Flip one bit of a stored value now (bit index from 0 within the value's bits; drawn at random
   * if omitted). Returns false when the key is missing.
   */
  flip(key: string, bit?: number): boolean {
    const c = this.cells.get(key);
    if (c === undefined) return false;
    const b = bit ?? Math.floor(this.random.next() * c.bits);
    if (!(Number.isInteger(b) && b >= 0 && b < c.bits)) {
      throw new InputError(`memory of ${this.node}: bit ${bit} of ${key} is out of range; it holds ${c.bits} bits`);
    }
    this.flips++;
    if (!this.ecc) {
      c.value = flipBit(c.value, b);
      this.emit(key, b, 'undetected');
      return true;
    }
    if (c.latent === null) c.latent = new Set();
    // the same bit flipped twice is back where it was
    if (!c.latent.delete(b)) c.latent.add(b);
    this.emit(key, b, 'latent');
    return true;
  }

  /**
   * Flip `count` bits that land in stored values, chosen uniformly over stored bits; with
   * `bitsPerEvent > 1` each event flips that many neighbouring bits of one 64-bit word (a
   * multi-bit upset, which SECDED detects at 2 and cannot handle beyond). A fault passes its own
   * stream as `random`, so its choices do not depend on this memory's earlier draws.
   */
  flipRandom(count: number, bitsPerEvent = 1, random: Random = this.random): number {
    // each flip counts as one event of the run's budget: a loop inside one event must not outrun it
    chargeEvents(this.sim, count);
    if (this.storedBits === 0) return 0;
    // flips change values, never their sizes: lay the cells out once, find each address by bisection
    const keys: string[] = [];
    const cells: Cell[] = [];
    const ends: number[] = [];
    let acc = 0;
    for (const [key, c] of this.cells) {
      acc += c.bits;
      keys.push(key);
      cells.push(c);
      ends.push(acc);
    }
    for (let i = 0; i < count; i++) {
      const address = Math.floor(random.next() * this.storedBits);
      let lo = 0;
      let hi = ends.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (address < ends[mid]!) hi = mid;
        else lo = mid + 1;
      }
      this.flipWord(keys[lo]!, cells[lo]!, address - (ends[lo]! - cells[lo]!.bits), bitsPerEvent);
    }
    return count;
  }

  /** Add (or remove, with a negative value) fault-driven flip rate. */
  addFaultRate(rateGbPerHour: number): void {
    this.faultRate = Math.max(0, this.faultRate + rateGbPerHour);
    if (this.faultRate < 1e-12) this.faultRate = 0;
    this.arm();
  }

  private flipAt(bitAddress: number, bitsPerEvent: number): boolean {
    let acc = 0;
    for (const [key, c] of this.cells) {
      if (bitAddress < acc + c.bits) {
        this.flipWord(key, c, bitAddress - acc, bitsPerEvent);
        return true;
      }
      acc += c.bits;
    }
    return false;
  }

  /** Flip `bitsPerEvent` neighbouring bits of the 64-bit word of `c` that holds `bit`. */
  private flipWord(key: string, c: Cell, bit: number, bitsPerEvent: number): void {
    const wordStart = bit - (bit & 63);
    const wordEnd = Math.min(c.bits, wordStart + 64);
    for (let k = 0; k < bitsPerEvent; k++) {
      const b = wordStart + ((bit - wordStart + k) % (wordEnd - wordStart));
      this.flip(key, b);
    }
  }

  private arm(): void {
    if (this.timer !== -1) {
      this.sim.cancel(this.timer);
      this.timer = -1;
    }
    const rate = this.rateGbPerHour;
    if (rate <= 0) return;
    const dramBits = this.dramMb * 8 * 2 ** 20;
    const perUs = (rate * (dramBits / BITS_PER_GB)) / US_PER_HOUR;
    const delay = -Math.log(1 - this.random.next()) / perUs;
    // beyond a century of simulated time nothing will fire; don't park an event there
    if (delay > 100 * 365 * 24 * US_PER_HOUR) return;
    this.timer = this.sim.schedule(delay, candidateFlip, this);
  }

  /** @internal a candidate flip at a uniform DRAM address; it matters only if a value lives there. */
  _candidate(): void {
    this.timer = -1;
    const dramBits = this.dramMb * 8 * 2 ** 20;
    const address = Math.floor(this.random.next() * Math.max(dramBits, this.storedBits));
    if (address < this.storedBits) this.flipAt(address, 1);
    this.arm();
  }

  private emit(key: string, bit: number, ecc: 'undetected' | 'latent' | 'corrected' | 'uncorrectable'): void {
    this.trace.emit({ time: this.sim.now, kind: 'bitflip', node: this.node, key, bit, ecc });
  }
}

function candidateFlip(m: MemoryStore): void {
  m._candidate();
}

function checkRate(node: string, rate: number): void {
  if (!(rate >= 0 && rate < Infinity)) {
    throw new InputError(`memory of ${node}: rateGbPerHour=${rate} is not valid; use a finite number ≥ 0`);
  }
}

function bitsOf(key: string, v: MemoryValue): number {
  switch (typeof v) {
    case 'number':
      return 64;
    case 'boolean':
      return 8;
    case 'string':
      return 16 * Math.max(1, v.length);
    default:
      if (v instanceof Uint8Array) return 8 * Math.max(1, v.length);
      throw new InputError(`memory: value of ${key} must be a number, string, boolean or Uint8Array`);
  }
}

/** Flip bit `bit` of a value's representation (IEEE 754 for numbers, UTF-16 for strings). */
export function flipBit<T extends MemoryValue>(v: T, bit: number): T {
  switch (typeof v) {
    case 'number': {
      f64[0] = v;
      u32[bit >> 5]! ^= 1 << (bit & 31);
      return f64[0] as T;
    }
    case 'boolean':
      // only the low bit of a byte-sized boolean is meaningful; a flip elsewhere still reads as "true"
      return ((bit & 7) === 0 ? !v : true) as T;
    case 'string': {
      if (v.length === 0) return v;
      const i = bit >> 4;
      const code = v.charCodeAt(i) ^ (1 << (bit & 15));
      return (v.slice(0, i) + String.fromCharCode(code) + v.slice(i + 1)) as T;
    }
    default: {
      const a = v as Uint8Array;
      if (a.length > 0) a[bit >> 3]! ^= 1 << (bit & 7);
      return v;
    }
  }
}
