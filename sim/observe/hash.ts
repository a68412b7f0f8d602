/**
 * The trace hash: a 64-bit hash written in TypeScript (no `node:crypto`), so Node, workers and
 * the browser compute the same value. Two 32-bit lanes with murmur3-style mixing.
 *
 * Records are hashed field by field in their canonical order (the order `canonicalJson` writes
 * them), key and value, with a type tag per value, which is equivalent to hashing the canonical
 * serialization without building the string on the hot path.
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

const TAG_INT = 0x11;
const TAG_FLOAT = 0x12;
const TAG_STRING = 0x13;
const TAG_TRUE = 0x14;
const TAG_FALSE = 0x15;
const TAG_NULL = 0x16;
const TAG_ARRAY = 0x17;
const TAG_OBJECT = 0x18;
const TAG_END = 0x19;
const TAG_UNDEFINED = 0x1a;

const STRING_CACHE_MAX = 4096;
/** Strings up to this length are hashed directly instead of through the cache. */
const SHORT_STRING = 12;

interface Shape {
  keys: string[];
  hashes: number[];
}

export class Hasher {
  // The two lanes' state, as int32 elements: as object fields, values outside V8's small-integer
  // range would be stored boxed as doubles and converted on every load and store.
  private readonly st = Int32Array.of(0x9747b28c | 0, 0x1b873593 | 0);
  private count = 0;
  private readonly strings = new Map<string, number>();
  private readonly shapes = new Map<string, Shape>();
  /** Per field position of `recordKnown`: the last string hashed there and its hash. */
  private readonly memoStrings: (string | undefined)[] = [undefined, undefined, undefined, undefined, undefined, undefined];
  private readonly memoHashes = new Int32Array(6);
  /** The words of one `recordKnown` record before they are mixed (at most 3 + 3 + 3 + 6 × 4 + 1). */
  private readonly words = new Int32Array(64);

  private mix(k: number): void {
    let a = Math.imul(k, 0xcc9e2d51);
    a = (a << 15) | (a >>> 17);
    a = Math.imul(a, 0x1b873593);
    let h = this.st[0]! ^ a;
    h = (h << 13) | (h >>> 19);
    this.st[0] = (Math.imul(h, 5) + 0xe6546b64) | 0;
    let b = Math.imul(k ^ 0x5bd1e995, 0x85ebca6b);
    b = (b << 13) | (b >>> 19);
    let g = this.st[1]! ^ b;
    g = (g << 17) | (g >>> 15);
    this.st[1] = (Math.imul(g, 0xc2b2ae35) + 0x27d4eb2f) | 0;
    this.count++;
  }

  /**
   * FNV-1a over UTF-16 code units, then the length. Short strings (node names, reasons, error
   * kinds) are hashed directly, which is cheaper than a map lookup; longer ones are cached.
   */
  private stringHash(s: string): number {
    const n = s.length;
    if (n <= SHORT_STRING) {
      let h = 0x811c9dc5 | 0;
      for (let i = 0; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
      return (h ^ n) | 0;
    }
    const cached = this.strings.get(s);
    if (cached !== undefined) return cached;
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    h = (h ^ n) | 0;
    if (this.strings.size >= STRING_CACHE_MAX) this.strings.clear();
    this.strings.set(s, h);
    return h;
  }

  value(v: unknown): void {
    switch (typeof v) {
      case 'number':
        if ((v | 0) === v) {
          this.mix(TAG_INT);
          this.mix(v);
        } else if (Number.isSafeInteger(v)) {
          this.mix(TAG_INT);
          this.mix(v | 0);
          this.mix(Math.floor(v / 0x100000000) | 0);
        } else {
          this.mix(TAG_FLOAT);
          f64[0] = v;
          this.mix(u32[0]!);
          this.mix(u32[1]!);
        }
        return;
      case 'string':
        this.mix(TAG_STRING);
        this.mix(this.stringHash(v));
        return;
      case 'boolean':
        this.mix(v ? TAG_TRUE : TAG_FALSE);
        return;
      case 'undefined':
        this.mix(TAG_UNDEFINED);
        return;
      case 'object':
        if (v === null) {
          this.mix(TAG_NULL);
        } else if (Array.isArray(v)) {
          this.mix(TAG_ARRAY);
          for (let i = 0; i < v.length; i++) this.value(v[i]);
          this.mix(TAG_END);
        } else {
          this.record(v as Record<string, unknown>);
        }
        return;
      default:
        this.mix(TAG_STRING);
        this.mix(this.stringHash(String(v)));
    }
  }

  /**
   * Hash a plain object: every own key (in order) and its value; undefined fields are skipped as
   * JSON does. Records of one kind nearly always have the same keys in the same order, so the
   * key hashes are remembered per `kind` (a "shape") and reused when the keys match, which saves
   * a string lookup per field on the hot path. The hashed sequence is the same either way.
   */
  record(o: Record<string, unknown>): void {
    // The hot path of every trace record. The mixing of `mix()` is inlined here on local copies
    // of the state (same sequence of words, same digest): property stores per word cost more
    // than the arithmetic.
    let h1 = this.st[0]!;
    let h2 = this.st[1]!;
    let n = this.count;
    let a: number;
    let b: number;
    let x: number;
    // TAG_OBJECT
    x = TAG_OBJECT;
    a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); a = Math.imul(a, 0x1b873593);
    h1 ^= a; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); b = (b << 13) | (b >>> 19);
    h2 ^= b; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
    n++;
    const kind = o.kind;
    let shape: Shape | undefined;
    if (typeof kind === 'string') {
      shape = this.shapes.get(kind);
      if (shape === undefined) {
        if (this.shapes.size >= STRING_CACHE_MAX) this.shapes.clear();
        shape = { keys: [], hashes: [] };
        this.shapes.set(kind, shape);
      }
    }
    let i = 0;
    for (const k in o) {
      const v = o[k];
      if (v === undefined) continue;
      let kh: number;
      if (shape !== undefined && i < shape.keys.length) {
        if (shape.keys[i] === k) kh = shape.hashes[i]!;
        else {
          kh = this.stringHash(k);
          // a different key order for this kind: start the shape again from here
          shape.keys.length = i;
          shape.hashes.length = i;
          shape.keys.push(k);
          shape.hashes.push(kh);
        }
      } else {
        kh = this.stringHash(k);
        if (shape !== undefined && i < 64) {
          shape.keys.push(k);
          shape.hashes.push(kh);
        }
      }
      i++;
      // the key
      x = kh;
      a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); a = Math.imul(a, 0x1b873593);
      h1 ^= a; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); b = (b << 13) | (b >>> 19);
      h2 ^= b; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      n++;
      // the value: small integers and strings inline (a tag word, then the value word)
      let tag: number;
      if (typeof v === 'number' && (v | 0) === v) {
        tag = TAG_INT;
        x = v;
      } else if (typeof v === 'string') {
        tag = TAG_STRING;
        x = this.stringHash(v);
      } else {
        this.st[0] = h1;
        this.st[1] = h2;
        this.count = n;
        this.value(v);
        h1 = this.st[0]!;
        h2 = this.st[1]!;
        n = this.count;
        continue;
      }
      a = Math.imul(tag, 0xcc9e2d51); a = (a << 15) | (a >>> 17); a = Math.imul(a, 0x1b873593);
      h1 ^= a; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      b = Math.imul(tag ^ 0x5bd1e995, 0x85ebca6b); b = (b << 13) | (b >>> 19);
      h2 ^= b; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); a = Math.imul(a, 0x1b873593);
      h1 ^= a; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); b = (b << 13) | (b >>> 19);
      h2 ^= b; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      n += 2;
    }
    x = TAG_END;
    a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); a = Math.imul(a, 0x1b873593);
    h1 ^= a; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); b = (b << 13) | (b >>> 19);
    h2 ^= b; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
    this.st[0] = h1;
    this.st[1] = h2;
    this.count = n + 1;
  }

  /**
   * Hash a record whose keys are known in advance (a `RecordEmitter`), given as the key hashes
   * and the values in order: `time`, `kind`, then up to six fields. Hashes exactly the words
   * `record({ time, kind, ...fields })` would, without building the object or walking its keys.
   * The record's words are written to a small buffer and mixed in one loop (no property store
   * per word), and each field position remembers its last string and that string's hash: a
   * record's node or link names repeat from one record to the next, so they are hashed once.
   */
  recordKnown(
    keyHashes: readonly number[],
    kindHash: number,
    time: number,
    f0: unknown,
    f1: unknown,
    f2: unknown,
    f3: unknown,
    f4: unknown,
    f5: unknown,
  ): void {
    // the record's words go into a buffer, then one tight loop mixes them
    const b = this.words;
    b[0] = TAG_OBJECT;
    b[1] = keyHashes[0]!;
    let n = this.numberWords(2, time);
    b[n] = keyHashes[1]!;
    b[n + 1] = TAG_STRING;
    b[n + 2] = kindHash;
    n += 3;
    const k = keyHashes.length;
    if (k > 2 && f0 !== undefined) n = this.fieldWords(n, 0, keyHashes[2]!, f0);
    if (k > 3 && f1 !== undefined) n = this.fieldWords(n, 1, keyHashes[3]!, f1);
    if (k > 4 && f2 !== undefined) n = this.fieldWords(n, 2, keyHashes[4]!, f2);
    if (k > 5 && f3 !== undefined) n = this.fieldWords(n, 3, keyHashes[5]!, f3);
    if (k > 6 && f4 !== undefined) n = this.fieldWords(n, 4, keyHashes[6]!, f4);
    if (k > 7 && f5 !== undefined) n = this.fieldWords(n, 5, keyHashes[7]!, f5);
    b[n] = TAG_END;
    this.mixWords(n + 1);
  }

  /** Mix `words[0..n)` (as `mix` would, word by word) and empty the buffer. */
  private mixWords(n: number): void {
    const b = this.words;
    const st = this.st;
    let h1 = st[0]!;
    let h2 = st[1]!;
    for (let i = 0; i < n; i++) {
      const x = b[i]!;
      h1 = lane1(h1, x);
      h2 = lane2(h2, x);
    }
    st[0] = h1;
    st[1] = h2;
    this.count += n;
  }

  /** The words of a number at `words[n]` as `value` mixes them; returns the next free index. */
  private numberWords(n: number, v: number): number {
    const b = this.words;
    if ((v | 0) === v) {
      b[n] = TAG_INT;
      b[n + 1] = v;
      return n + 2;
    }
    if (Number.isSafeInteger(v)) {
      // the low word: ToInt32(v), the same as ToInt32(v % 2^32), without a floating-point modulo
      b[n] = TAG_INT;
      b[n + 1] = v | 0;
      b[n + 2] = Math.floor(v / 0x100000000) | 0;
      return n + 3;
    }
    b[n] = TAG_FLOAT;
    f64[0] = v;
    b[n + 1] = u32[0]!;
    b[n + 2] = u32[1]!;
    return n + 3;
  }

  /**
   * The words of one field of `recordKnown` at `words[n]`: its key, then its value as `value`
   * hashes it. Field position `slot` remembers its last string and that string's hash (a node or
   * link name repeats from one record to the next). Returns the next free index.
   */
  private fieldWords(n: number, slot: number, keyHash: number, v: unknown): number {
    const b = this.words;
    b[n] = keyHash;
    switch (typeof v) {
      case 'number':
        return this.numberWords(n + 1, v);
      case 'string': {
        let x: number;
        if (this.memoStrings[slot] === v) x = this.memoHashes[slot]!;
        else {
          x = this.stringHash(v);
          this.memoStrings[slot] = v;
          this.memoHashes[slot] = x;
        }
        b[n + 1] = TAG_STRING;
        b[n + 2] = x;
        return n + 3;
      }
      case 'boolean':
        b[n + 1] = v ? TAG_TRUE : TAG_FALSE;
        return n + 2;
      default:
        // anything else (null, arrays, objects): mix what is buffered, then the value itself
        this.mixWords(n + 1);
        this.value(v);
        return 0;
    }
  }

  /** The hash of a string as `record` mixes it (for precomputing key hashes). */
  hashOfString(s: string): number {
    return this.stringHash(s);
  }

  /** Hex digest of everything hashed so far (16 hex digits). */
  digest(): string {
    let a = this.st[0]! ^ this.count;
    let b = this.st[1]! ^ this.count;
    a = fmix(a ^ (b >>> 1));
    b = fmix(b ^ a);
    return hex8(a) + hex8(b);
  }
}

/** The first lane of `mix` (one word into h1), as a function V8 inlines. */
function lane1(h: number, k: number): number {
  let a = Math.imul(k, 0xcc9e2d51);
  a = (a << 15) | (a >>> 17);
  a = Math.imul(a, 0x1b873593);
  h ^= a;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** The second lane of `mix` (one word into h2). */
function lane2(h: number, k: number): number {
  let b = Math.imul(k ^ 0x5bd1e995, 0x85ebca6b);
  b = (b << 13) | (b >>> 19);
  h ^= b;
  h = (h << 17) | (h >>> 15);
  return (Math.imul(h, 0xc2b2ae35) + 0x27d4eb2f) | 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/** Hash one value on its own (for goldens and tests). */
export function hashValue(v: unknown): string {
  const h = new Hasher();
  h.value(v);
  return h.digest();
}
