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
  /** Per field position of `recordKnown`: the last string hashed there and its hash's halves (`pre1`, `pre2`). */
  private readonly memoStrings: (string | undefined)[] = [undefined, undefined, undefined, undefined, undefined, undefined];
  private readonly memo1 = new Int32Array(6);
  private readonly memo2 = new Int32Array(6);
  /** `recordRequest`'s last node and error strings, with their string hashes' halves (`pre1`, `pre2`). */
  private reqNode: string | undefined = undefined;
  private reqNode1 = 0;
  private reqNode2 = 0;
  private reqError: string | undefined = undefined;
  private reqError1 = 0;
  private reqError2 = 0;
  /** The words of one `recordKnown` record as their halves (`pre1`, `pre2`) before they are mixed (at most 3 + 3 + 3 + 6 × 4 + 1). */
  private readonly b1 = new Int32Array(64);
  private readonly b2 = new Int32Array(64);

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
   * @internal The constant words of a record kind with known keys (a `RecordEmitter`): `time`,
   * `kind` and up to six field keys, each word already through the word-only half of both lanes
   * (see `KnownKeys`).
   */
  knownKeys(kind: string, fields: readonly string[]): KnownKeys {
    const words = [TAG_OBJECT, this.stringHash('time'), this.stringHash('kind'), TAG_STRING, this.stringHash(kind), TAG_END, ...fields.map((f) => this.stringHash(f))];
    const p1 = Int32Array.from(words, pre1);
    const p2 = Int32Array.from(words, pre2);
    // the words of a record of two names and two small integers (`recordNamesNumbers`), with the
    // constant ones in place
    const t1 = new Int32Array(20);
    const t2 = new Int32Array(20);
    if (fields.length >= 4) {
      const layout = [0, 1, INT, -1, 2, 3, 4, 6, STR, -1, 7, STR, -1, 8, INT, -1, 9, INT, -1, 5];
      layout.forEach((w, i) => {
        if (w === INT || w === STR) {
          t1[i] = w === INT ? INT1 : STR1;
          t2[i] = w === INT ? INT2 : STR2;
        } else if (w >= 0) {
          t1[i] = p1[w]!;
          t2[i] = p2[w]!;
        }
      });
    }
    return { p1, p2, fields: fields.length, t1, t2 };
  }

  /**
   * @internal Hash a record whose keys are known in advance (a `RecordEmitter`): `time`, `kind`,
   * then up to six fields in order, skipping undefined ones. Hashes exactly the words
   * `record({ time, kind, ...fields })` would, without building the object or walking its keys.
   * The words go to a small buffer as their word-only halves (constant ones, the tags, keys and
   * kind, precomputed in `knownKeys`), then one tight loop mixes them; each field position
   * remembers its last string with its halves (a record's node or link names repeat from one
   * record to the next, so they are hashed once).
   */
  recordKnown(k: KnownKeys, time: number, f0: unknown, f1: unknown, f2: unknown, f3: unknown, f4: unknown, f5: unknown): void {
    const b1 = this.b1;
    const b2 = this.b2;
    const p1 = k.p1;
    const p2 = k.p2;
    // TAG_OBJECT, "time", the time
    b1[0] = p1[0]!;
    b2[0] = p2[0]!;
    b1[1] = p1[1]!;
    b2[1] = p2[1]!;
    let n = this.numberHalves(2, time);
    // "kind", TAG_STRING, the kind
    b1[n] = p1[2]!;
    b2[n] = p2[2]!;
    b1[n + 1] = p1[3]!;
    b2[n + 1] = p2[3]!;
    b1[n + 2] = p1[4]!;
    b2[n + 2] = p2[4]!;
    n += 3;
    const f = k.fields;
    if (f > 0 && f0 !== undefined) n = this.fieldHalves(n, 0, p1[6]!, p2[6]!, f0);
    if (f > 1 && f1 !== undefined) n = this.fieldHalves(n, 1, p1[7]!, p2[7]!, f1);
    if (f > 2 && f2 !== undefined) n = this.fieldHalves(n, 2, p1[8]!, p2[8]!, f2);
    if (f > 3 && f3 !== undefined) n = this.fieldHalves(n, 3, p1[9]!, p2[9]!, f3);
    if (f > 4 && f4 !== undefined) n = this.fieldHalves(n, 4, p1[10]!, p2[10]!, f4);
    if (f > 5 && f5 !== undefined) n = this.fieldHalves(n, 5, p1[11]!, p2[11]!, f5);
    // TAG_END
    b1[n] = p1[5]!;
    b2[n] = p2[5]!;
    this.mixHalves(b1, b2, n + 1);
  }

  /**
   * @internal `recordKnown` for a record of four fields, two names and two numbers (a message's
   * `from`, `to`, `id` and `sentUs`), the names given by their string hashes' halves (`pre1`,
   * `pre2`), which the caller keeps per name. The same words as `recordKnown`.
   */
  recordNamesNumbers(k: KnownKeys, time: number, a1: number, a2: number, b1: number, b2: number, x: number, y: number): void {
    if ((time | 0) !== time || (x | 0) !== x || (y | 0) !== y) {
      // a number that takes three words: through the buffer
      const w1 = this.b1;
      const w2 = this.b2;
      w1[0] = k.p1[0]!;
      w2[0] = k.p2[0]!;
      w1[1] = k.p1[1]!;
      w2[1] = k.p2[1]!;
      let n = this.numberHalves(2, time);
      for (let i = 4; i < 13; i++) {
        w1[n] = k.t1[i]!;
        w2[n++] = k.t2[i]!;
      }
      w1[n - 4] = a1;
      w2[n - 4] = a2;
      w1[n - 1] = b1;
      w2[n - 1] = b2;
      w1[n] = k.p1[8]!;
      w2[n] = k.p2[8]!;
      n = this.numberHalves(n + 1, x);
      w1[n] = k.p1[9]!;
      w2[n] = k.p2[9]!;
      n = this.numberHalves(n + 1, y);
      w1[n] = k.p1[5]!;
      w2[n] = k.p2[5]!;
      this.mixHalves(w1, w2, n + 1);
      return;
    }
    const t1 = k.t1;
    const t2 = k.t2;
    t1[3] = pre1(time);
    t2[3] = pre2(time);
    t1[9] = a1;
    t2[9] = a2;
    t1[12] = b1;
    t2[12] = b2;
    t1[15] = pre1(x);
    t2[15] = pre2(x);
    t1[18] = pre1(y);
    t2[18] = pre2(y);
    this.mixHalves(t1, t2, 20);
  }

  /**
   * @internal Hash a `request` record (`RequestStats`): exactly the words of
   * `record({ time, kind: 'request', node, id, ok, latencyUs, attempts, error })` with undefined
   * fields left out, in straight-line code. The constant words (tags, keys, the kind) are written
   * as literals, each already through the word-only half of both lanes (`pre1(w)`, `pre2(w)`), so
   * a constant word costs its two lanes' steps and nothing else; the last node and error strings
   * are remembered with their halves. Returns false, having hashed nothing, when a field is not of
   * its usual type (the caller then hashes the record the general way). A test checks every path
   * against `record`.
   */
  recordRequest(time: number, node: unknown, id: number, ok: unknown, latencyUs: unknown, attempts: unknown, error: unknown): boolean {
    if (typeof time !== 'number' || typeof node !== 'string' || typeof id !== 'number' || typeof ok !== 'boolean' || typeof latencyUs !== 'number') return false;
    if ((attempts !== undefined && typeof attempts !== 'number') || (error !== undefined && typeof error !== 'string')) return false;
    if (node !== this.reqNode) {
      const s = this.stringHash(node);
      this.reqNode = node;
      this.reqNode1 = pre1(s);
      this.reqNode2 = pre2(s);
    }
    const st = this.st;
    let h1 = st[0]!;
    let h2 = st[1]!;
    let n = this.count + 2;
    let a: number;
    let b: number;
    let x: number;
    h1 ^= 166749150; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // TAG_OBJECT
    h2 ^= -1677855474; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
    h1 ^= -508601909; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // "time"
    h2 ^= -987962498; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
    if (time === Math.floor(time) && time <= 9007199254740991 && time >= -9007199254740991) {
      // an integer (as the kernel's times are): TAG_INT, ToInt32(v), and for one beyond int32 its
      // high word. The high word's steps are taken every time and kept only when it is wanted: a
      // branch first taken when a run's clock passes 2^31 µs would deoptimize this function then.
      h1 ^= 936965568; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // TAG_INT
      h2 ^= 1480957541; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      x = time | 0;
      a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); h1 ^= Math.imul(a, 0x1b873593); h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); h2 ^= (b << 13) | (b >>> 19); h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      const wide = x !== time;
      x = Math.floor(time / 0x100000000) | 0;
      a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); a = h1 ^ Math.imul(a, 0x1b873593); a = (a << 13) | (a >>> 19); a = (Math.imul(a, 5) + 0xe6546b64) | 0;
      b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); b = h2 ^ ((b << 13) | (b >>> 19)); b = (b << 17) | (b >>> 15); b = (Math.imul(b, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      h1 = wide ? a : h1;
      h2 = wide ? b : h2;
      n += wide ? 3 : 2;
    } else {
      // fractional, NaN, an infinity or beyond 2^53: TAG_FLOAT and the two halves of its bits
      f64[0] = time;
      h1 ^= 1617104925; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // TAG_FLOAT
      h2 ^= -1003638627; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      x = u32[0]!;
      a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); h1 ^= Math.imul(a, 0x1b873593); h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); h2 ^= (b << 13) | (b >>> 19); h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      x = u32[1]!;
      a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); h1 ^= Math.imul(a, 0x1b873593); h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); h2 ^= (b << 13) | (b >>> 19); h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      n += 3;
    }
    h1 ^= -917124253; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // "kind"
    h2 ^= -1801922810; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
    h1 ^= -1997723014; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // TAG_STRING
    h2 ^= 1256218592; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
    h1 ^= -255207423; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // "request"
    h2 ^= -39055137; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
    h1 ^= 1849018261; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // "node"
    h2 ^= 1690737709; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
    h1 ^= -1997723014; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // TAG_STRING
    h2 ^= 1256218592; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
    h1 ^= this.reqNode1; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // the node
    h2 ^= this.reqNode2; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
    h1 ^= -28858339; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // "id"
    h2 ^= 1528277266; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
    n += 7;
    if ((id | 0) === id) {
      h1 ^= 936965568; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // TAG_INT
      h2 ^= 1480957541; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      x = id;
      a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); h1 ^= Math.imul(a, 0x1b873593); h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); h2 ^= (b << 13) | (b >>> 19); h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      n += 2;
    } else if (id === Math.floor(id) && id <= 9007199254740991 && id >= -9007199254740991) {
      // a safe integer beyond int32 (a time past 35 minutes): TAG_INT, ToInt32(v), then the high word
      h1 ^= 936965568; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // TAG_INT
      h2 ^= 1480957541; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      x = id | 0;
      a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); h1 ^= Math.imul(a, 0x1b873593); h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); h2 ^= (b << 13) | (b >>> 19); h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      x = Math.floor(id / 0x100000000) | 0;
      a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); h1 ^= Math.imul(a, 0x1b873593); h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); h2 ^= (b << 13) | (b >>> 19); h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      n += 3;
    } else {
      // fractional, NaN, an infinity or beyond 2^53: TAG_FLOAT and the two halves of its bits
      f64[0] = id;
      h1 ^= 1617104925; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // TAG_FLOAT
      h2 ^= -1003638627; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      x = u32[0]!;
      a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); h1 ^= Math.imul(a, 0x1b873593); h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); h2 ^= (b << 13) | (b >>> 19); h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      x = u32[1]!;
      a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); h1 ^= Math.imul(a, 0x1b873593); h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); h2 ^= (b << 13) | (b >>> 19); h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      n += 3;
    }
    h1 ^= -61711554; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // "ok"
    h2 ^= -2110977350; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
    if (ok) {
      h1 ^= 1279313111; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // TAG_TRUE
      h2 ^= -329421780; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
    } else {
      h1 ^= 1959452468; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // TAG_FALSE
      h2 ^= 1930435439; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
    }
    h1 ^= -1619506253; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // "latencyUs"
    h2 ^= 553942973; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
    n += 3;
    if ((latencyUs | 0) === latencyUs) {
      h1 ^= 936965568; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // TAG_INT
      h2 ^= 1480957541; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      x = latencyUs;
      a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); h1 ^= Math.imul(a, 0x1b873593); h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); h2 ^= (b << 13) | (b >>> 19); h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      n += 2;
    } else if (latencyUs === Math.floor(latencyUs) && latencyUs <= 9007199254740991 && latencyUs >= -9007199254740991) {
      // a safe integer beyond int32 (a time past 35 minutes): TAG_INT, ToInt32(v), then the high word
      h1 ^= 936965568; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // TAG_INT
      h2 ^= 1480957541; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      x = latencyUs | 0;
      a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); h1 ^= Math.imul(a, 0x1b873593); h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); h2 ^= (b << 13) | (b >>> 19); h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      x = Math.floor(latencyUs / 0x100000000) | 0;
      a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); h1 ^= Math.imul(a, 0x1b873593); h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); h2 ^= (b << 13) | (b >>> 19); h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      n += 3;
    } else {
      // fractional, NaN, an infinity or beyond 2^53: TAG_FLOAT and the two halves of its bits
      f64[0] = latencyUs;
      h1 ^= 1617104925; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // TAG_FLOAT
      h2 ^= -1003638627; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      x = u32[0]!;
      a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); h1 ^= Math.imul(a, 0x1b873593); h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); h2 ^= (b << 13) | (b >>> 19); h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      x = u32[1]!;
      a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); h1 ^= Math.imul(a, 0x1b873593); h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); h2 ^= (b << 13) | (b >>> 19); h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      n += 3;
    }
    if (attempts !== undefined) {
      h1 ^= 1581024172; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // "attempts"
      h2 ^= -871374921; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      n++;
      if ((attempts | 0) === attempts) {
        h1 ^= 936965568; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // TAG_INT
        h2 ^= 1480957541; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
        x = attempts;
        a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); h1 ^= Math.imul(a, 0x1b873593); h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
        b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); h2 ^= (b << 13) | (b >>> 19); h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
        n += 2;
      } else if (attempts === Math.floor(attempts) && attempts <= 9007199254740991 && attempts >= -9007199254740991) {
        // a safe integer beyond int32 (a time past 35 minutes): TAG_INT, ToInt32(v), then the high word
        h1 ^= 936965568; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // TAG_INT
        h2 ^= 1480957541; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
        x = attempts | 0;
        a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); h1 ^= Math.imul(a, 0x1b873593); h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
        b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); h2 ^= (b << 13) | (b >>> 19); h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
        x = Math.floor(attempts / 0x100000000) | 0;
        a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); h1 ^= Math.imul(a, 0x1b873593); h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
        b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); h2 ^= (b << 13) | (b >>> 19); h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
        n += 3;
      } else {
        // fractional, NaN, an infinity or beyond 2^53: TAG_FLOAT and the two halves of its bits
        f64[0] = attempts;
        h1 ^= 1617104925; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // TAG_FLOAT
        h2 ^= -1003638627; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
        x = u32[0]!;
        a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); h1 ^= Math.imul(a, 0x1b873593); h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
        b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); h2 ^= (b << 13) | (b >>> 19); h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
        x = u32[1]!;
        a = Math.imul(x, 0xcc9e2d51); a = (a << 15) | (a >>> 17); h1 ^= Math.imul(a, 0x1b873593); h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
        b = Math.imul(x ^ 0x5bd1e995, 0x85ebca6b); h2 ^= (b << 13) | (b >>> 19); h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
        n += 3;
      }
    }
    if (error !== undefined) {
      if (error !== this.reqError) {
        const s = this.stringHash(error);
        this.reqError = error;
        this.reqError1 = pre1(s);
        this.reqError2 = pre2(s);
      }
      h1 ^= -1533475614; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // "error"
      h2 ^= -1298826225; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      h1 ^= -1997723014; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // TAG_STRING
      h2 ^= 1256218592; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      h1 ^= this.reqError1; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // the error
      h2 ^= this.reqError2; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
      n += 3;
    }
    h1 ^= -851182021; h1 = (h1 << 13) | (h1 >>> 19); h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0; // TAG_END
    h2 ^= 581993553; h2 = (h2 << 17) | (h2 >>> 15); h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
    st[0] = h1;
    st[1] = h2;
    this.count = n + 1;
    return true;
  }


  /** Mix `n` words given as their halves (`pre1` in `w1`, `pre2` in `w2`), as `mix` would word by word. */
  private mixHalves(w1: Int32Array, w2: Int32Array, n: number): void {
    const st = this.st;
    let h1 = st[0]!;
    let h2 = st[1]!;
    for (let i = 0; i < n; i++) {
      h1 ^= w1[i]!;
      h1 = (h1 << 13) | (h1 >>> 19);
      h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      h2 ^= w2[i]!;
      h2 = (h2 << 17) | (h2 >>> 15);
      h2 = (Math.imul(h2, 0xc2b2ae35) + 0x27d4eb2f) | 0;
    }
    st[0] = h1;
    st[1] = h2;
    this.count += n;
  }

  /** The halves of a number's words at `n` (as `value` mixes it); returns the next free index. */
  private numberHalves(n: number, v: number): number {
    const b1 = this.b1;
    const b2 = this.b2;
    let lo: number;
    let hi: number;
    if ((v | 0) === v) {
      b1[n] = INT1;
      b2[n] = INT2;
      b1[n + 1] = pre1(v);
      b2[n + 1] = pre2(v);
      return n + 2;
    }
    if (Number.isSafeInteger(v)) {
      // the low word: ToInt32(v), the same as ToInt32(v % 2^32), without a floating-point modulo
      b1[n] = INT1;
      b2[n] = INT2;
      lo = v | 0;
      hi = Math.floor(v / 0x100000000) | 0;
    } else {
      b1[n] = pre1(TAG_FLOAT);
      b2[n] = pre2(TAG_FLOAT);
      f64[0] = v;
      lo = u32[0]!;
      hi = u32[1]!;
    }
    b1[n + 1] = pre1(lo);
    b2[n + 1] = pre2(lo);
    b1[n + 2] = pre1(hi);
    b2[n + 2] = pre2(hi);
    return n + 3;
  }

  /**
   * The halves of one field of `recordKnown` at `n`: its key (halves `k1`, `k2`), then its value
   * as `value` hashes it. Field position `slot` remembers its last string and that string's
   * halves. Returns the next free index.
   */
  private fieldHalves(n: number, slot: number, k1: number, k2: number, v: unknown): number {
    const b1 = this.b1;
    const b2 = this.b2;
    b1[n] = k1;
    b2[n] = k2;
    switch (typeof v) {
      case 'number':
        return this.numberHalves(n + 1, v);
      case 'string': {
        if (this.memoStrings[slot] === v) {
          b1[n + 2] = this.memo1[slot]!;
          b2[n + 2] = this.memo2[slot]!;
        } else {
          const x = this.stringHash(v);
          this.memoStrings[slot] = v;
          b1[n + 2] = this.memo1[slot] = pre1(x);
          b2[n + 2] = this.memo2[slot] = pre2(x);
        }
        b1[n + 1] = STR1;
        b2[n + 1] = STR2;
        return n + 3;
      }
      case 'boolean':
        b1[n + 1] = v ? TRUE1 : FALSE1;
        b2[n + 1] = v ? TRUE2 : FALSE2;
        return n + 2;
      default:
        // anything else (null, arrays, objects): mix what is buffered, then the value itself
        this.mixHalves(b1, b2, n + 1);
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

/**
 * The constant words of a record kind (see `Hasher.knownKeys`): each word's key-dependent halves
 * of lane 1 (`p1`) and lane 2 (`p2`), in the order TAG_OBJECT, "time", "kind", TAG_STRING, the
 * kind, TAG_END, then the field keys.
 */
export interface KnownKeys {
  readonly p1: Int32Array;
  readonly p2: Int32Array;
  readonly fields: number;
  /** The 20 words of a record of two names and two small integers (`recordNamesNumbers`), constant ones in place. */
  readonly t1: Int32Array;
  readonly t2: Int32Array;
}

/** The half of `mix`'s first lane that depends only on the word `k`. */
export function pre1(k: number): number {
  let a = Math.imul(k, 0xcc9e2d51);
  a = (a << 15) | (a >>> 17);
  return Math.imul(a, 0x1b873593);
}

/** The half of `mix`'s second lane that depends only on the word `k`. */
export function pre2(k: number): number {
  const b = Math.imul(k ^ 0x5bd1e995, 0x85ebca6b);
  return (b << 13) | (b >>> 19);
}

/** Markers in `knownKeys`' layout. */
const INT = -2;
const STR = -3;
const INT1 = pre1(TAG_INT);
const INT2 = pre2(TAG_INT);
const STR1 = pre1(TAG_STRING);
const STR2 = pre2(TAG_STRING);
const TRUE1 = pre1(TAG_TRUE);
const TRUE2 = pre2(TAG_TRUE);
const FALSE1 = pre1(TAG_FALSE);
const FALSE2 = pre2(TAG_FALSE);

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
